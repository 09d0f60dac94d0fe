import { existsSync } from 'node:fs';
import {
  claimNetnsLabForCli,
  currentHost,
  describeOwner,
  FRR_DAEMONS,
  labFiles,
  netnsCanRun,
  netnsDown,
  netnsLockDir,
  NetnsLockBusyError,
  netnsStatus,
  netnsUp,
  readLockOwner,
  type CliLabClaim,
  type NetnsDeviceStatus,
} from '../lab/netns/index.ts';
import type { CliIo } from './common/io.ts';
import { netnsDirFor } from './common/inventory.ts';
import { renderTable } from './common/table.ts';
import { UsageError } from './usage.ts';

export async function runLab(rest: string[], io: CliIo): Promise<number> {
  const [kind, action, ...extra] = rest;
  if (kind !== 'netns' || !action || !['up', 'down', 'status'].includes(action) || extra.length > 0) {
    throw new UsageError('lab needs: netns up|down|status');
  }
  if (action !== 'status') {
    const can = netnsCanRun();
    if (!can.ok) {
      io.stderr.write(`routedeck: the netns lab cannot run here: ${can.reason ?? 'unknown reason'}\n`);
      return 2;
    }
  }
  const dir = netnsDirFor(io.env);
  const lockDir = netnsLockDir(
    io.env['ROUTEDECK_NETNS_LOCK'] ? { lockDir: io.env['ROUTEDECK_NETNS_LOCK'] } : {},
  );
  if (action === 'up' || action === 'down') {
    let claim: CliLabClaim;
    try {
      claim = claimNetnsLabForCli(dir, `routedeck lab netns ${action}`, { lockDir });
    } catch (error) {
      if (!(error instanceof NetnsLockBusyError)) throw error;
      io.stderr.write(`routedeck: ${error.message}\n`);
      return 2;
    }
    // Whatever happens, a lab that exists on disk keeps the lock until `down` removes it.
    const settle = () => (existsSync(labFiles(dir).record) ? claim.keepForLab() : claim.release());
    try {
      return action === 'up' ? await labUp(dir, io) : await labDown(dir, io);
    } finally {
      settle();
    }
  }
  const status = await netnsStatus({ dir });
  io.stdout.write(`netns lab: ${status.up ? 'up' : 'down'} (${status.dir})\n`);
  for (const problem of status.problems) io.stdout.write(`  ${problem}\n`);
  io.stdout.write(
    renderTable(status.devices, [
      { header: 'DEVICE', value: (d) => d.name },
      { header: 'NAMESPACE', value: (d) => (d.present ? d.namespace : `${d.namespace} (missing)`) },
      { header: 'MGMT', value: (d) => d.mgmtAddress },
      { header: 'FRR', value: (d) => frrColumn(d) },
      { header: 'SSHD', value: (d) => (d.sshdRunning ? 'running' : 'stopped') },
    ]),
  );
  // Where each workload runs now (its default route's leg): migrations move them.
  const placed: string[] = [];
  for (const w of status.workloads.filter((x) => x.present))
    placed.push(`${w.name} on ${(await currentHost(w.name)) ?? '?'}`);
  if (placed.length > 0) io.stdout.write(`workloads: ${placed.join(', ')}\n`);
  const owner = readLockOwner(lockDir);
  io.stdout.write(`lock: ${owner ? describeOwner(owner) : 'free'}\n`);
  return status.up ? 0 : 1;
}

async function labUp(dir: string, io: CliIo): Promise<number> {
  io.stderr.write('starting FRR and sshd in network namespaces, waiting for BGP to converge…\n');
  const info = await netnsUp({ dir });
  const example = info.workloads.find((w) => w.host === 'hv1') ?? info.workloads[0];
  io.stdout.write(
    `${info.reused ? 'lab already up' : 'lab up'}: ${info.devices.length} devices, ${info.workloads.length} workloads\n` +
      `workloads:   ${info.workloads.map((w) => `${w.name} on ${w.host}`).join(', ')}\n` +
      `inventory:   ${info.inventoryPath}\nknown_hosts: ${info.knownHostsPath}\n` +
      `try:         routedeck get bgp --lab-netns\n` +
      (example
        ? `migrate:     routedeck plan migrate ${example.name} --to ${example.host === 'hv2' ? 'hv3' : 'hv2'} --lab-netns\n`
        : ''),
  );
  return 0;
}

async function labDown(dir: string, io: CliIo): Promise<number> {
  await netnsDown({ dir });
  io.stdout.write('lab down: namespaces, processes and files (the lab registry too) removed\n');
  return 0;
}

/** "running", or which of zebra/staticd/bgpd stopped: one dead daemon is not "FRR stopped". */
function frrColumn(d: NetnsDeviceStatus): string {
  const stopped = FRR_DAEMONS.filter((x) => !d.daemons[x]);
  if (stopped.length === 0) return 'running';
  return stopped.length === FRR_DAEMONS.length ? 'stopped' : `${stopped.join(', ')} stopped`;
}

/** The CLI's own environment (not only process.env) picks the lab, as for every other command. */
