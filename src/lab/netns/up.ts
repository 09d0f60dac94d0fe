import { mkdir, readFile, rm } from 'node:fs/promises';
import { netnsCanRun } from './can-run.ts';
import { waitForConvergence } from './converge.ts';
import { teardown } from './down.ts';
import { renderFrrConf, renderVtyshConf } from './frr-config.ts';
import { prepareFrr, startFrr } from './frr.ts';
import { buildNetwork, currentHost, legsPresent } from './network.ts';
import { workloadInfos, writeOutputs, type WorkloadInfo } from './outputs.ts';
import { deviceFiles, labDir, labFiles, type DirOptions } from './paths.ts';
import { emptyRecord, readRecord, writeRecord } from './record.ts';
import { ensureClientKey, ensurePrivsepDir, prepareSshd, startSshd } from './sshd.ts';
import { netnsStatus } from './status.ts';
import { DEVICES, labNamespace, WORKLOADS, type LabRole } from './topology.ts';
import { vmguardPresent } from './vmguard.ts';

export interface NetnsDeviceInfo {
  name: string;
  role: LabRole;
  asn: number;
  namespace: string;
  mgmtAddress: string;
  vtysh: string;
}

export interface NetnsLabInfo {
  dir: string;
  inventoryPath: string;
  workloadsPath: string;
  knownHostsPath: string;
  clientKeyPath: string;
  recordPath: string;
  devices: NetnsDeviceInfo[];
  workloads: WorkloadInfo[];
  /** True when a healthy lab was already running and was kept as it was. */
  reused: boolean;
}

/** Paths end up in frr.conf and sshd_config, whose parsers split on whitespace and know no quoting. */
const SAFE_DIR = /^\/[A-Za-z0-9._/+-]+$/;

function info(dir: string, reused: boolean, hosts: ReadonlyMap<string, string> = new Map()): NetnsLabInfo {
  const f = labFiles(dir);
  return {
    dir,
    inventoryPath: f.inventory,
    workloadsPath: f.workloads,
    knownHostsPath: f.knownHosts,
    clientKeyPath: f.clientKey,
    recordPath: f.record,
    devices: DEVICES.map((d) => ({
      name: d.name,
      role: d.role,
      asn: d.asn,
      namespace: labNamespace(d.name),
      mgmtAddress: d.mgmtAddress,
      vtysh: `vtysh -N ${d.name}`,
    })),
    workloads: workloadInfos(hosts),
    reused,
  };
}

/** The running daemons' configs are what this code renders (a lab built by older code is rebuilt). */
async function configsCurrent(dir: string): Promise<boolean> {
  for (const d of DEVICES) {
    const f = deviceFiles(dir, d.name);
    try {
      if ((await readFile(f.frrConf, 'utf8')) !== renderFrrConf(d, f.frrLog)) return false;
      if ((await readFile(f.vtyshConf, 'utf8')) !== renderVtyshConf(d.name)) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/** A lab that this dir built, that finished converging once, and that is still whole and converged. */
async function healthy(dir: string): Promise<boolean> {
  const rec = await readRecord(dir);
  if (!rec?.readyAt) return false;
  if (!(await configsCurrent(dir)) || !(await netnsStatus({ dir })).up) return false;
  if (!(await legsPresent())) return false;
  for (const d of DEVICES) if (d.role === 'hypervisor' && !(await vmguardPresent(d.name))) return false;
  try {
    // It converged before; a working lab passes on the first poll, a damaged one gets a short grace.
    await waitForConvergence(5_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Brings the lab up and returns once every BGP session is Established and every device has a
 * route to every workload. Idempotent: a healthy lab is kept; anything partial or broken (from
 * this dir or another) is torn down and rebuilt, keeping the generated keys so known_hosts and
 * the client key stay the same.
 */
export async function netnsUp(opts: DirOptions = {}): Promise<NetnsLabInfo> {
  const can = netnsCanRun();
  if (!can.ok) throw new Error(`the netns lab cannot run here: ${can.reason ?? 'unknown reason'}`);
  const dir = labDir(opts);
  if (!SAFE_DIR.test(dir)) throw new Error(`lab dir ${dir} must be an absolute path of [A-Za-z0-9._/+-]`);
  await mkdir(dir, { recursive: true, mode: 0o755 });

  if (await healthy(dir)) {
    const hosts = await currentHosts();
    await writeOutputsFor(dir, hosts);
    return info(dir, true, hosts);
  }

  await teardown(dir, await readRecord(dir));
  // The rebuilt lab has every workload at home and no guests: a registry describing the old one
  // (migrations, created guests, their plans) would be a lie, so the next command starts afresh.
  const f = labFiles(dir);
  for (const file of [f.registry, f.registryWal, f.registryShm]) await rm(file, { force: true });
  const rec = emptyRecord(dir);
  rec.files = [...Object.values(labFiles(dir)), ...DEVICES.map((d) => deviceFiles(dir, d.name).base)];
  await writeRecord(rec);

  await buildNetwork(rec);
  await ensureClientKey(rec);
  await ensurePrivsepDir(rec);
  const knownHosts = await Promise.all(
    DEVICES.map(async (d) => {
      await prepareFrr(rec, d);
      const line = await prepareSshd(rec, d);
      await startFrr(rec, d);
      await startSshd(rec, d);
      return line;
    }),
  );
  await writeOutputs(dir, knownHosts);
  try {
    await waitForConvergence(60_000);
  } catch (err) {
    const logs = DEVICES.map((d) => deviceFiles(dir, d.name).frrLog).join(', ');
    throw new Error(`${(err as Error).message}\nFRR logs: ${logs}\n(left in place; run netnsDown to remove)`);
  }
  rec.readyAt = new Date().toISOString();
  await writeRecord(rec);
  return info(dir, false);
}

/** Re-writes known_hosts, inventory and workloads.json from the keys on disk (cheap, keeps them current). */
async function writeOutputsFor(dir: string, hosts: ReadonlyMap<string, string>): Promise<void> {
  const rec = emptyRecord(dir);
  const lines = await Promise.all(DEVICES.map((d) => prepareSshd(rec, d)));
  await writeOutputs(dir, lines, hosts);
}

/** Where each lab workload runs now: a kept lab may have had some migrated. */
async function currentHosts(): Promise<Map<string, string>> {
  const hosts = new Map<string, string>();
  for (const w of WORKLOADS) {
    const host = await currentHost(w.name);
    if (host) hosts.set(w.name, host);
  }
  return hosts;
}
