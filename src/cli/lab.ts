import path from 'node:path';
import {
  FRR_DAEMONS,
  labDir,
  labFiles,
  netnsCanRun,
  netnsDown,
  netnsStatus,
  netnsUp,
  type NetnsDeviceStatus,
} from '../lab/netns/index.ts';
import type { CliIo } from './run.ts';
import { renderTable } from './table.ts';
import { UsageError } from './usage.ts';

export function netnsInventoryPath(_env: NodeJS.ProcessEnv): string {
  return labFiles(labDir()).inventory;
}

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
  if (action === 'up') {
    io.stderr.write('starting FRR and sshd in network namespaces, waiting for BGP to converge…\n');
    const info = await netnsUp();
    io.stdout.write(
      `${info.reused ? 'lab already up' : 'lab up'}: ${info.devices.length} devices, ${info.workloads.length} workloads\n` +
        `inventory:   ${info.inventoryPath}\nknown_hosts: ${info.knownHostsPath}\n` +
        `try:         routedeck get bgp --lab-netns\n`,
    );
    return 0;
  }
  if (action === 'down') {
    await netnsDown();
    io.stdout.write('lab down: namespaces, processes and files removed\n');
    return 0;
  }
  const status = await netnsStatus({ dir: netnsDirFromEnv(io.env) });
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
  return status.up ? 0 : 1;
}

/** "running", or which of zebra/staticd/bgpd stopped: one dead daemon is not "FRR stopped". */
function frrColumn(d: NetnsDeviceStatus): string {
  const stopped = FRR_DAEMONS.filter((x) => !d.daemons[x]);
  if (stopped.length === 0) return 'running';
  return stopped.length === FRR_DAEMONS.length ? 'stopped' : `${stopped.join(', ')} stopped`;
}

/** The CLI's own environment (not only process.env) picks the lab, as for every other command. */
function netnsDirFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  const root = env['ROUTEDECK_LAB_DIR'];
  return root ? path.resolve(root, 'netns') : undefined;
}
