import { writeFile } from 'node:fs/promises';
import { GUEST_HOOK_TEMPLATE } from './guest.ts';
import { labFiles } from './paths.ts';
import {
  bgpInterfaces,
  DEVICES,
  LINK_LOCAL4,
  LINK_LOCAL6,
  TENANTS,
  WORKLOADS,
  labNamespace,
} from './topology.ts';

/** One entry of workloads.json. */
export interface WorkloadInfo {
  /** Also its registry name (adopted from the TAP) and, with `rd-`, its namespace. */
  name: string;
  tenant: string;
  /** Where it runs: its home at `up`, or where a migration moved it (its default route's leg). */
  host: string;
  tap: string;
  ipv4: string;
  ipv6Prefix: string;
  ipv6Address: string;
  namespace: string;
}

export function workloadInfos(hosts: ReadonlyMap<string, string> = new Map()): WorkloadInfo[] {
  return WORKLOADS.map((w) => ({
    name: w.name,
    tenant: w.tenant,
    host: hosts.get(w.name) ?? w.host,
    tap: w.tap,
    ipv4: w.ipv4,
    ipv6Prefix: w.ipv6Prefix,
    ipv6Address: w.ipv6Address,
    namespace: labNamespace(w.name),
  }));
}

/** JSON strings are valid YAML double-quoted scalars; used for anything that is not a plain word. */
const q = (s: string): string => JSON.stringify(s);

/**
 * The inventory, in the exact flow-mapping shape the inventory loader expects. Written by hand
 * rather than by a YAML library so the file reads like the documented example.
 */
export function renderInventory(dir: string): string {
  const f = labFiles(dir);
  const lines = [
    '# routedeck inventory — written by `routedeck lab netns up` (real FRR in network namespaces)',
    'name: netns-lab',
    `linkLocal: { ipv4: ${LINK_LOCAL4}, ipv6: ${q(LINK_LOCAL6)} }`,
    'defaults:',
    '  user: root',
    // The console logs in as root, so commands that need privileges take no prefix.
    '  privilege: ""',
    `  auth: { type: key, path: ${q(f.clientKey)} }`,
    `  knownHosts: ${q(f.knownHosts)}`,
    'devices:',
    ...DEVICES.map(
      (d) =>
        `  - { name: ${d.name}, role: ${d.role}, kind: frr-linux, host: ${d.mgmtAddress}, port: 22, ` +
        `vtysh: ${q(`vtysh -N ${d.name}`)}, uplinks: [${bgpInterfaces(d.name).join(', ')}] }`,
    ),
    'tenants:',
    ...TENANTS.map(
      (t) =>
        `  - { name: ${t.name}, pools4: [${t.pools4.join(', ')}], pools6: [${t.pools6.map(q).join(', ')}] }`,
    ),
    // The lab's compute layer makes each guest's veth (guest.ts); plans only set it up, and the hook
    // moves the guest's default routes to the target's leg.
    'workflows:',
    '  manageTap: false',
    `  computeHook: { type: command, template: ${q(GUEST_HOOK_TEMPLATE)} }`,
    '',
  ];
  return lines.join('\n');
}

export async function writeOutputs(
  dir: string,
  knownHostsLines: readonly string[],
  hosts: ReadonlyMap<string, string> = new Map(),
): Promise<void> {
  const f = labFiles(dir);
  await writeFile(f.knownHosts, knownHostsLines.join('\n') + '\n', { mode: 0o644 });
  await writeFile(f.inventory, renderInventory(dir), { mode: 0o644 });
  await writeFile(f.workloads, JSON.stringify(workloadInfos(hosts), null, 2) + '\n', { mode: 0o644 });
}
