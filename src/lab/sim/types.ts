import type { DeviceKind, DeviceRole } from '../../model/device.ts';
import type { WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';

/** What a shell command run on a simulated device returns (exit 127 for an unknown command, as sh does). */
export interface SimExecResult {
  stdout: string;
  stderr: string;
  code: number;
  /**
   * stdout as bytes, in order, when the program printed cached documents (a router's route tables,
   * 86 MB at 1,000 hosts): the SSH server sends them as they are, and `stdout` decodes them only when
   * read. Decoding and encoding them again was most of the lab's time at a large console's start.
   * Set by printedResult only, not enumerable: a spread copy carries the text instead.
   */
  chunks?: readonly Buffer[];
}

/** What a program printed: text, or cached documents' bytes (see SimExecResult.chunks). */
export type Printed = string | readonly Buffer[];

export function printedText(p: Printed): string {
  return typeof p === 'string' ? p : Buffer.concat(p).toString();
}

/** A successful result whose stdout is `printed`, chunks kept as chunks (decoded once, if read). */
export function printedResult(printed: Printed): SimExecResult {
  if (typeof printed === 'string') return { stdout: printed, stderr: '', code: 0 };
  let text: string | undefined;
  const result: SimExecResult = {
    get stdout() {
      return (text ??= printedText(printed));
    },
    stderr: '',
    code: 0,
  };
  // Not enumerable: a copy that changes the output (`{ ...result, stdout: other }`, as a fault or a
  // test's hostile device does) is text only, so what is sent is always what its stdout says.
  Object.defineProperty(result, 'chunks', { value: printed, enumerable: false });
  return result;
}

/** VyOS config as `/retrieve showConfig` renders it (tag nodes as objects, one value as a string, several as a list). */
export type VyosConfigJson = { [key: string]: string | string[] | VyosConfigJson };

/** One simulated router or hypervisor, as the servers in front of it (SSH, VyOS API) see it. */
export interface SimDevice {
  readonly name: string;
  readonly role: DeviceRole;
  readonly kind: DeviceKind;
  /** Runs one command line the way `ssh device 'CMD'` would (quoting, `sudo -n`, `vtysh -c …`, `ip -j …`, `nft …`). */
  exec(command: string): Promise<SimExecResult>;
  /** `ip -o monitor route`: each line as the device's routes change, until the returned function is called. */
  monitorRoutes?(listener: (line: string) => void): () => void;
  /** VyOS only: the running config the API emulator starts from. */
  vyosConfig?(): VyosConfigJson;
  /** VyOS only: a commit (or a commit-confirm revert) changed the config; bring the model in line. Throw to fail the commit with that text. */
  applyVyosConfig?(config: VyosConfigJson): void;
}

export interface SimFabricOptions {
  hosts: number;
  routers: number;
  workloads: number;
  tenants: number;
  seed: number;
  /** Per-hop BGP propagation delay and its jitter (ms). */
  hopDelayMs: number;
  jitterMs: number;
  /**
   * What routers send hypervisors: their 'full' tables, or a 'default' route only. Unset: full up
   * to 50 hosts and 500 workloads, default beyond (full is refused there: it grows as hosts × routes).
   */
  hostRoutes?: 'full' | 'default';
}

export interface SimEvent {
  at: number;
  device: string;
  message: string;
}

/** The simulated fabric: devices, their tenants, and the knobs for training and tests. */
export interface SimFabric {
  readonly options: SimFabricOptions;
  readonly tenants: TenantSpec[];
  devices(): SimDevice[];
  device(name: string): SimDevice | undefined;
  /** Workloads as the lab created them: {name, tenant, vrf, host, tap, ipv4, ipv6Prefix}. */
  workloads(): SimWorkload[];
  /** Drops a BGP session (both ends see it go down); it re-establishes after `downMs`. */
  flapSession(device: string, peer: string, downMs?: number): void;
  /** Breaks a router's overlay (src/lab/sim/model/overlay.ts); returns what happened. Throws on bad input. */
  overlayFault(device: string, kind: string, agoMs?: number): string;
  /** Ends overlay faults on one router, or on all. */
  clearOverlay(device?: string): void;
  overlayStatus(): { device: string; faults: string[] }[];
  /** A guest on this TAP sends `packets` from a source not allowed there: vmguard drops and counts them. */
  spoof(device: string, tap: string, packets: number): void;
  /** Drift: an anti-spoofing set element added or deleted by hand on the host, behind routedeck's back. */
  editGuard(device: string, op: 'add' | 'delete', set: 'allow4' | 'allow6', tap: string, cidr: string): void;
  onEvent(listener: (event: SimEvent) => void): () => void;
  /**
   * Prints every router's route tables now (each is kept until zebra's table changes, see
   * render/frr-routes.ts): what a lab does before it lets consoles in.
   */
  printRouteTables(): Promise<void>;
  close(): void;
}

/** A lab workload is the registry's record without its lifecycle fields, so the two cannot drift apart. */
export type SimWorkload = Omit<WorkloadRecord, 'extraAllowed' | 'state'>;
