/**
 * What one client of `routedeck serve` may cost the driver (issue 13): anyone who reaches the port
 * can connect, so every resource a connection holds has a bound, and every bound has a default a
 * NOC can change from the command line.
 */
import { safeText } from '../model/text.ts';

export interface ServeLimits {
  /** A connection not authenticated by then is closed (ms). */
  authTimeoutMs: number;
  /** Connections still authenticating, from one source address and overall. */
  maxPendingPerSource: number;
  maxPending: number;
  /** All connections (authenticating or not), from one source address and overall. */
  maxConnectionsPerSource: number;
  maxConnections: number;
  /** Viewers watching at once. */
  maxViewers: number;
  /** Authentication attempts one connection may make. */
  maxAuthAttempts: number;
  /** A viewer's terminal is drawn at most this size (a larger pty is clamped). */
  maxCols: number;
  maxRows: number;
  /** A viewer whose frame has not been taken by its channel for this long is disconnected (ms). */
  stallMs: number;
  /** Viewer keys handled per second (a burst of this many at once); the rest are ignored. */
  keysPerSecond: number;
}

export const DEFAULT_LIMITS: ServeLimits = {
  authTimeoutMs: 10_000,
  maxPendingPerSource: 16,
  maxPending: 64,
  maxConnectionsPerSource: 32,
  maxConnections: 96,
  maxViewers: 32,
  maxAuthAttempts: 6,
  maxCols: 500,
  maxRows: 200,
  stallMs: 15_000,
  keysPerSecond: 100,
};

/** A client's size request as a drawable size: 0 means "unknown" (keep `fallback`), the rest clamped. */
export function clampSize(
  limits: Pick<ServeLimits, 'maxCols' | 'maxRows'>,
  cols: number,
  rows: number,
  fallback: { cols: number; rows: number },
): { cols: number; rows: number } {
  const fit = (value: number, max: number, keep: number) =>
    Number.isFinite(value) && value > 0 ? Math.min(Math.floor(value), max) : keep;
  // Two rows at least: one for the screen, one for the status line.
  return {
    cols: fit(cols, limits.maxCols, fallback.cols),
    rows: Math.max(2, fit(rows, limits.maxRows, fallback.rows)),
  };
}

/** Client-supplied text (a username, an address) for the driver's screen and log: escaped and short. */
export function clientText(text: string, max = 64): string {
  const safe = safeText(text);
  if (safe.length <= max) return safe;
  // By code point, so a cut never leaves half a surrogate pair.
  return `${Array.from(safe)
    .slice(0, max - 1)
    .join('')}…`;
}
