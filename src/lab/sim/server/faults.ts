/**
 * Training and test faults on a running lab. Every call checks its arguments first and throws
 * a plain message on bad input, so a typo changes nothing.
 */
import type { VyosApiFault, VyosApiServer } from '../../vyos-api/index.ts';
import type { SimFabric } from '../types.ts';
import type { SimSshServer } from './ssh-server.ts';

export interface SimFaults {
  /** Cuts every SSH connection of the device and resets new ones for `forMs`. */
  dropSsh(device: string, forMs: number): void;
  /** The router's API answers every request with this status (null: normally), after `delayMs`. */
  setApiFault(device: string, fault: VyosApiFault): void;
  /** Delays every command's reply by `ms` (0 ends it). */
  setSlow(device: string, ms: number): void;
  /** Drops one BGP session of the device; it comes back after `downMs` (the fabric's default if omitted). */
  flap(device: string, peer: string, downMs?: number): void;
  /** A guest on this hypervisor's TAP sends `packets` from a foreign source (vmguard drops, counts). */
  spoof(device: string, tap: string, packets: number): void;
  /** Drift: an anti-spoofing element added or deleted by hand on the hypervisor. */
  guardDrift(device: string, op: 'add' | 'delete', set: 'allow4' | 'allow6', tap: string, cidr: string): void;
  /** Breaks a router's overlay (`wg-peer-down`, `vrrp-failover`, `vrrp-split-brain`, `vtep-down`) or `clear`s it. */
  overlayFault(device: string, kind: string, agoMs?: number): void;
  /** Reboots a router into its saved config.boot: unsaved commits are lost, API and SSH down meanwhile. */
  reboot(device: string): void;
  /** Ends drop, API and slow faults on one device, or on all. Flaps end by themselves. */
  clear(device?: string): void;
  status(): DeviceFaultStatus[];
}

export interface DeviceFaultStatus {
  device: string;
  /** Epoch ms until which SSH is refused, when dropped. */
  sshDownUntil?: number;
  slowMs: number;
  api?: VyosApiFault;
  /** Overlay faults in force (routers). */
  overlay?: string[];
  /** A router's config machinery: a pending commit-confirm, unsaved changes, reboots and why. */
  vyos?: ReturnType<VyosApiServer['state']>;
}

export interface FaultTarget {
  ssh: SimSshServer;
  api?: VyosApiServer;
}

/** One hour: long enough for any exercise, short enough that a typo'd extra zero is caught. */
export const MAX_FAULT_MS = 3_600_000;

export class FaultError extends Error {
  override name = 'FaultError';
}

function checkMs(what: string, ms: number): void {
  if (!Number.isInteger(ms) || ms < 0 || ms > MAX_FAULT_MS) {
    throw new FaultError(`${what} must be a whole number of ms from 0 to ${MAX_FAULT_MS}, got ${String(ms)}`);
  }
}

export function createFaults(
  fabric: SimFabric,
  targets: ReadonlyMap<string, FaultTarget>,
  note: (device: string, message: string) => void,
): SimFaults {
  const apiFaults = new Map<string, VyosApiFault>();
  const target = (device: string): FaultTarget => {
    const found = typeof device === 'string' ? targets.get(device) : undefined;
    if (!found) {
      throw new FaultError(
        `unknown device ${JSON.stringify(device)}; the lab has ${[...targets.keys()].join(', ')}`,
      );
    }
    return found;
  };
  const clearOne = (name: string, t: FaultTarget): void => {
    t.ssh.clearFaults();
    t.api?.setFault({ status: null });
    apiFaults.delete(name);
  };
  return {
    dropSsh(device, forMs) {
      const t = target(device);
      checkMs('forMs', forMs);
      t.ssh.dropSsh(forMs);
      note(device, `fault: SSH dropped, refused for ${forMs} ms`);
    },
    setApiFault(device, fault) {
      const t = target(device);
      if (!t.api) throw new FaultError(`${device} has no HTTPS API (only vyos routers do)`);
      if (fault.status !== null && fault.status !== 500 && fault.status !== 503) {
        throw new FaultError(`status must be 500, 503 or null, got ${JSON.stringify(fault.status)}`);
      }
      if (fault.delayMs !== undefined) checkMs('delayMs', fault.delayMs);
      const clean: VyosApiFault = {
        status: fault.status,
        ...(fault.delayMs ? { delayMs: fault.delayMs } : {}),
      };
      t.api.setFault(clean);
      if (clean.status === null && !clean.delayMs) apiFaults.delete(device);
      else apiFaults.set(device, clean);
      note(
        device,
        `fault: API ${clean.status ?? 'normal'}${clean.delayMs ? `, ${clean.delayMs} ms late` : ''}`,
      );
    },
    setSlow(device, ms) {
      const t = target(device);
      checkMs('ms', ms);
      t.ssh.slowMs = ms;
      note(device, ms > 0 ? `fault: every command ${ms} ms slower` : 'fault: speed back to normal');
    },
    flap(device, peer, downMs) {
      target(device);
      if (typeof peer !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9.:_@-]{0,63}$/.test(peer)) {
        throw new FaultError(`peer must be an interface name or address, got ${JSON.stringify(peer)}`);
      }
      if (downMs !== undefined) checkMs('downMs', downMs);
      // The fabric knows the sessions; an unknown peer is its error to report.
      fabric.flapSession(device, peer, downMs);
      note(device, `fault: BGP session ${peer} flapped${downMs !== undefined ? ` for ${downMs} ms` : ''}`);
    },
    spoof(device, tap, packets) {
      target(device);
      try {
        fabric.spoof(device, tap, packets);
      } catch (error) {
        throw new FaultError(error instanceof Error ? error.message : String(error));
      }
      note(device, `fault: ${tap} sent ${packets} packet(s) from a foreign source`);
    },
    guardDrift(device, op, set, tap, cidr) {
      target(device);
      try {
        fabric.editGuard(device, op, set, tap, cidr);
      } catch (error) {
        throw new FaultError(error instanceof Error ? error.message : String(error));
      }
      note(
        device,
        `fault: vmguard ${set} element "${tap}" . ${cidr} ${op === 'add' ? 'added' : 'deleted'} by hand`,
      );
    },
    overlayFault(device, kind, agoMs) {
      target(device);
      if (agoMs !== undefined) checkMs('agoMs', agoMs);
      try {
        if (kind === 'clear') fabric.clearOverlay(device);
        const what = kind === 'clear' ? 'overlay faults cleared' : fabric.overlayFault(device, kind, agoMs);
        note(device, `fault: ${what}`);
      } catch (error) {
        throw new FaultError(error instanceof Error ? error.message : String(error));
      }
    },
    reboot(device) {
      const t = target(device);
      if (!t.api) throw new FaultError(`${device} is not a VyOS router`);
      t.api.reboot('reboot fault (lab control)');
    },
    clear(device) {
      fabric.clearOverlay(device);
      if (device === undefined) {
        for (const [name, t] of targets) clearOne(name, t);
        note('lab', 'fault: all cleared');
        return;
      }
      clearOne(device, target(device));
      note(device, 'fault: cleared');
    },
    status() {
      return [...targets].map(([name, t]) => {
        const until = t.ssh.refusingUntil;
        const api = apiFaults.get(name);
        const overlay = fabric.overlayStatus().find((o) => o.device === name)?.faults ?? [];
        return {
          device: name,
          ...(until ? { sshDownUntil: until } : {}),
          slowMs: t.ssh.slowMs,
          ...(api ? { api } : {}),
          ...(overlay.length ? { overlay } : {}),
          ...(t.api ? { vyos: t.api.state() } : {}),
        };
      });
    },
  };
}
