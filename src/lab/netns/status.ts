import { FRR_DAEMONS, frrPidFile, type FrrDaemon } from './frr.ts';
import { linkExists, listNamespaces } from './network.ts';
import { labDir, type DirOptions } from './paths.ts';
import { pidFileAlive } from './processes.ts';
import { sshdRunning } from './sshd.ts';
import { DEVICES, MGMT_BRIDGE, WORKLOADS, labNamespace } from './topology.ts';

export type LabDaemon = FrrDaemon | 'sshd';
/** In the order a reader checks them: FRR's daemons as they start, then the SSH server. */
export const LAB_DAEMONS: readonly LabDaemon[] = [...FRR_DAEMONS, 'sshd'];

export interface NetnsDeviceStatus {
  name: string;
  namespace: string;
  mgmtAddress: string;
  /** The device's namespace exists. */
  present: boolean;
  /** Each daemon the device runs, alive or not (from its pid file and /proc). */
  daemons: Record<LabDaemon, boolean>;
  /** zebra, staticd and bgpd all run. */
  frrRunning: boolean;
  sshdRunning: boolean;
}

export interface NetnsWorkloadStatus {
  name: string;
  tenant: string;
  host: string;
  namespace: string;
  /** The workload's namespace exists. */
  present: boolean;
}

export interface NetnsStatus {
  /** Every namespace exists and every device runs FRR (zebra, staticd, bgpd) and sshd. */
  up: boolean;
  dir: string;
  /** What keeps the lab from being up, one line each, naming device and daemon; empty when up. */
  problems: string[];
  devices: NetnsDeviceStatus[];
  workloads: NetnsWorkloadStatus[];
}

async function daemonsOf(dir: string, device: string): Promise<Record<LabDaemon, boolean>> {
  const alive = async (d: FrrDaemon) => (await pidFileAlive(frrPidFile(device, d), d)) !== undefined;
  return {
    zebra: await alive('zebra'),
    staticd: await alive('staticd'),
    bgpd: await alive('bgpd'),
    sshd: await sshdRunning(dir, device),
  };
}

/** "hv2: bgpd not running (zebra ok, staticd ok, sshd ok)": which daemon died, and which did not. */
export function deviceProblem(d: NetnsDeviceStatus): string | undefined {
  if (!d.present) return `${d.name}: namespace ${d.namespace} missing`;
  const down = LAB_DAEMONS.filter((x) => !d.daemons[x]);
  if (down.length === 0) return undefined;
  const ok = LAB_DAEMONS.filter((x) => d.daemons[x]).map((x) => `${x} ok`);
  return `${d.name}: ${down.join(', ')} not running${ok.length > 0 ? ` (${ok.join(', ')})` : ''}`;
}

/** What exists right now, from the kernel and pid files (not from lab.json, which may be stale). */
export async function netnsStatus(opts: DirOptions = {}): Promise<NetnsStatus> {
  const dir = labDir(opts);
  const namespaces = new Set(await listNamespaces());
  const none: Record<LabDaemon, boolean> = { zebra: false, staticd: false, bgpd: false, sshd: false };
  const devices = await Promise.all(
    DEVICES.map(async (d): Promise<NetnsDeviceStatus> => {
      const namespace = labNamespace(d.name);
      const present = namespaces.has(namespace);
      const daemons = present ? await daemonsOf(dir, d.name) : none;
      return {
        name: d.name,
        namespace,
        mgmtAddress: d.mgmtAddress,
        present,
        daemons,
        frrRunning: FRR_DAEMONS.every((x) => daemons[x]),
        sshdRunning: daemons.sshd,
      };
    }),
  );
  const workloads = WORKLOADS.map((w) => ({
    name: w.name,
    tenant: w.tenant,
    host: w.host,
    namespace: labNamespace(w.name),
    present: namespaces.has(labNamespace(w.name)),
  }));
  const problems: string[] = [];
  if (!(await linkExists(MGMT_BRIDGE))) problems.push(`management bridge ${MGMT_BRIDGE} missing`);
  for (const d of devices) {
    const p = deviceProblem(d);
    if (p) problems.push(p);
  }
  for (const w of workloads)
    if (!w.present) problems.push(`workload ${w.name} (on ${w.host}): namespace ${w.namespace} missing`);
  return { up: problems.length === 0, dir, problems, devices, workloads };
}
