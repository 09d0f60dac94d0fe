import type { DeviceHealth, DeviceRole } from '../model/device.ts';

/** The poller's base intervals (it may be given others; it then writes them into each DeviceEntry). */
export const DEFAULT_POLL_INTERVAL_MS: Record<DeviceRole, number> = { router: 5_000, hypervisor: 10_000 };

/** Data older than this many poll intervals is stale even when no poll has failed (a slow or stuck poll). */
export const STALE_AFTER_INTERVALS = 2;

/** What freshness reads of a device entry (the store's DeviceEntry has all of it). */
export interface FreshnessInput {
  health: DeviceHealth;
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  pollIntervalMs: number;
}

export interface Freshness {
  /** When the data on screen was collected (the last successful poll); null: never. */
  polledAt: number | null;
  ageMs: number | null;
  stale: boolean;
  /** Why it is stale, in words for a status cell or a JSON consumer; null when fresh. */
  reason: string | null;
}

/**
 * The one rule for "is what we show about this device current": stale when it was never polled, when
 * its last poll failed, or when its data is older than two poll intervals. Pure: views pass their clock.
 */
export function freshness(entry: FreshnessInput, now: number, intervalMs = entry.pollIntervalMs): Freshness {
  const polledAt = entry.lastSuccessAt;
  const ageMs = polledAt === null ? null : Math.max(0, now - polledAt);
  if (polledAt === null || ageMs === null) return { polledAt, ageMs, stale: true, reason: 'never polled' };
  if (entry.consecutiveFailures > 0) {
    const what = entry.health === 'unreachable' ? 'unreachable' : 'poll failed';
    return { polledAt, ageMs, stale: true, reason: `${what} since last poll` };
  }
  if (ageMs > STALE_AFTER_INTERVALS * intervalMs)
    return { polledAt, ageMs, stale: true, reason: 'poll late' };
  return { polledAt, ageMs, stale: false, reason: null };
}

/** The oldest of several sources' freshness (a workload row joins a host with routers): stale if any is. */
export function combineFreshness(parts: readonly Freshness[]): Freshness {
  let result: Freshness | null = null;
  for (const part of parts) {
    if (!result) {
      result = part;
      continue;
    }
    const older: Freshness =
      part.polledAt === null || (result.polledAt !== null && part.polledAt < result.polledAt) ? part : result;
    const stale: boolean = result.stale || part.stale;
    const reason: string | null = result.stale ? result.reason : part.reason;
    result = { polledAt: older.polledAt, ageMs: older.ageMs, stale, reason };
  }
  return result ?? { polledAt: null, ageMs: null, stale: true, reason: 'no source' };
}

/** A workload row joins hosts (its announcers) and routers (seenBy): as fresh as the oldest of them. */
export function workloadFreshness(
  entry: { announcers: readonly { host: string }[]; seenBy: readonly { router: string }[] },
  devices: Readonly<Record<string, FreshnessInput | undefined>>,
  now: number,
): Freshness {
  const names = new Set([...entry.announcers.map((a) => a.host), ...entry.seenBy.map((v) => v.router)]);
  const parts: Freshness[] = [];
  for (const name of names) {
    const device = devices[name];
    if (device) parts.push(freshness(device, now));
  }
  return combineFreshness(parts);
}
