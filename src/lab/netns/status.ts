import { frrRunning } from './frr.ts';
import { linkExists, listNamespaces } from './network.ts';
import { labDir, type DirOptions } from './paths.ts';
import { sshdRunning } from './sshd.ts';
import { DEVICES, MGMT_BRIDGE, WORKLOADS, labNamespace } from './topology.ts';

export interface NetnsDeviceStatus {
  name: string;
  namespace: string;
  mgmtAddress: string;
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
  devices: NetnsDeviceStatus[];
  workloads: NetnsWorkloadStatus[];
}

/** What exists right now, from the kernel and pid files (not from lab.json, which may be stale). */
export async function netnsStatus(opts: DirOptions = {}): Promise<NetnsStatus> {
  const dir = labDir(opts);
  const namespaces = new Set(await listNamespaces());
  const devices = await Promise.all(
    DEVICES.map(async (d) => {
      const ns = labNamespace(d.name);
      const present = namespaces.has(ns);
      return {
        present,
        status: {
          name: d.name,
          namespace: ns,
          mgmtAddress: d.mgmtAddress,
          frrRunning: present && (await frrRunning(d.name)),
          sshdRunning: present && (await sshdRunning(dir, d.name)),
        },
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
  const up =
    (await linkExists(MGMT_BRIDGE)) &&
    devices.every((d) => d.present && d.status.frrRunning && d.status.sshdRunning) &&
    workloads.every((w) => w.present);
  return { up, dir, devices: devices.map((d) => d.status), workloads };
}
