/**
 * The embedded lab (`npm start` with no inventory): a simulated fabric served over real SSH and
 * a real HTTPS VyOS API on 127.0.0.1, reached by the console through the production code path.
 */
import { createSimFabric } from './fabric.ts';
import { startLabServers, type SimLab } from './server/lab-server.ts';
import type { SimFabric, SimFabricOptions } from './types.ts';

export type { SimLab, SimLabDevice } from './server/lab-server.ts';
export type { SimFaults, DeviceFaultStatus } from './server/faults.ts';
export { sendControl, type ControlCommand, type ControlReply } from './server/control.ts';
export { findRunningSimLab, simLabDir } from './server/files.ts';

export interface SimLabOptions {
  /** Default `<repo>/.lab/sim`, or `$ROUTEDECK_LAB_DIR/sim`. */
  dir?: string;
  /** A fabric made by the caller (which then closes it); otherwise the lab makes one from `fabricOptions`. */
  fabric?: SimFabric;
  fabricOptions?: Partial<SimFabricOptions>;
  /** Default 1.5-rolling, the version with commit-confirm. */
  apiVersion?: '1.4' | '1.5-rolling';
  /** Milliseconds in a commit-confirm "minute" (tests shorten it). */
  confirmMinuteMs?: number;
  /** How long a router reboot keeps its API and SSH down (default 30 s). */
  rebootMs?: number;
  /** Write `dir/lab.json` so other commands can find the lab (default true). */
  writeState?: boolean;
}

export async function startSimLab(opts: SimLabOptions = {}): Promise<SimLab> {
  const fabric = opts.fabric ?? createSimFabric(opts.fabricOptions);
  try {
    // Before any console can connect: in a fabric each router prints its tables on its own CPU, while
    // the lab is one process on the console's cores. A router's first `show ip route vrf all json`
    // at 1,000 hosts made ~2 s of documents there (render/frr-routes.ts), four routers' worth while
    // a starting console read a thousand hosts — and the hosts' answers waited behind them. Printed
    // here once (the lab's start, ~1 s a router at that size), a console's first read only sends them.
    await fabric.printRouteTables();
    return await startLabServers({
      fabric,
      ownsFabric: opts.fabric === undefined,
      ...(opts.dir !== undefined ? { dir: opts.dir } : {}),
      ...(opts.apiVersion ? { apiVersion: opts.apiVersion } : {}),
      ...(opts.confirmMinuteMs !== undefined ? { confirmMinuteMs: opts.confirmMinuteMs } : {}),
      ...(opts.rebootMs !== undefined ? { rebootMs: opts.rebootMs } : {}),
      ...(opts.writeState !== undefined ? { writeState: opts.writeState } : {}),
    });
  } catch (error) {
    // A fabric we made must not outlive a failed start (its timers would keep the process up).
    if (opts.fabric === undefined) fabric.close();
    throw error;
  }
}
