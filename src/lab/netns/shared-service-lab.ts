/**
 * The shared-service NAT scenario of routed-host-model.md §6 in its own namespaces: tenants A and B
 * (both clients at 10.0.0.5/24 behind their edges), a provider edge and the service at 10.0.0.53
 * (itself in an overlapping 10.0.0.0/24). The lab only wires links and routes towards the transit
 * range; the NAT is what a shared-service plan installs. The namespace names are global: hold
 * acquireNetnsLock() while it is up.
 */
import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import { BIN, ipBatch, run, runInNamespace, tryRun } from './exec.ts';
import { deviceFiles, labFiles, SSHD_PRIVSEP_DIR } from './paths.ts';
import { pidFileAlive, terminate, waitForPidFile } from './processes.ts';
import { ensureKey, renderSshdConfig } from './sshd.ts';
import { NS_PREFIX } from './topology.ts';

export const SS_NAMESPACES = {
  clientA: `${NS_PREFIX}ss-ca`,
  edgeA: `${NS_PREFIX}ss-ea`,
  clientB: `${NS_PREFIX}ss-cb`,
  edgeB: `${NS_PREFIX}ss-eb`,
  provider: `${NS_PREFIX}ss-pv`,
  service: `${NS_PREFIX}ss-sv`,
} as const;

export const SS_ADDR = {
  client: '10.0.0.5',
  tenantGateway: '10.0.0.1',
  local: '10.0.255.53',
  service: '10.0.0.53',
  /** Transit links: edge A 192.0.2.1 ↔ provider 192.0.2.2, edge B 192.0.2.5 ↔ provider 192.0.2.6. */
  viaA: '192.0.2.1',
  viaB: '192.0.2.5',
  transit: '100.64.0.0/10',
} as const;

/** Counts packets per source address reaching the service (a dynamic set with per-element counters). */
export const SERVICE_COUNTER_TABLE = 'rd_ss_seen';

const all = Object.values(SS_NAMESPACES);

/**
 * Management for the edges' sshd: a bridge in the root namespace (the console's side, 198.18.1.1)
 * and one veth per edge; sshd listens on the edge's 198.18.1.x and nowhere else. Apart from the
 * FRR lab's rdmgmt0/198.18.0.0/24, so the two never clash.
 */
export const SS_MGMT = {
  bridge: `${NS_PREFIX}ssmg0`,
  gateway: '198.18.1.1',
  prefixLen: 24,
  ifname: 'mgmt0',
  edges: [
    { name: 'edge-a', ns: SS_NAMESPACES.edgeA, mgmtAddress: '198.18.1.11', hostIf: `${NS_PREFIX}ssm-ea` },
    { name: 'edge-b', ns: SS_NAMESPACES.edgeB, mgmtAddress: '198.18.1.12', hostIf: `${NS_PREFIX}ssm-eb` },
    { name: 'prov', ns: SS_NAMESPACES.provider, mgmtAddress: '198.18.1.13', hostIf: `${NS_PREFIX}ssm-pv` },
  ],
} as const;

/** sshd pid files of a lab started with {@link sharedServiceSshUp}, so down stops exactly those. */
const sshdPidFiles = new Set<string>();

export async function sharedServiceLabDown(): Promise<void> {
  const pids: number[] = [];
  for (const file of sshdPidFiles) {
    // Only a live sshd under that pid: never a recycled pid.
    const pid = await pidFileAlive(file, 'sshd');
    if (pid !== undefined) pids.push(pid);
  }
  await terminate(pids);
  sshdPidFiles.clear();
  for (const e of SS_MGMT.edges) await tryRun([BIN.ip, 'link', 'del', e.hostIf]);
  await tryRun([BIN.ip, 'link', 'del', SS_MGMT.bridge]);
  for (const ns of all) await tryRun([BIN.ip, 'netns', 'del', ns]);
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

/**
 * A real sshd in each edge namespace (after {@link sharedServiceLabUp}), and an inventory for the
 * edges in `dir`: key login as root, host keys pinned in known_hosts, the two overlapping tenants.
 * Returns the inventory's path.
 */
export async function sharedServiceSshUp(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const f = labFiles(dir);
  const pub = await ensureKey(f.clientKey, 'routedeck-shared-service-lab-client');
  await writeFile(f.authorizedKeys, pub + '\n', { mode: 0o600 });
  // sshd refuses to start without its privilege-separation directory (systemd normally makes it).
  if (!(await exists(SSHD_PRIVSEP_DIR))) await mkdir(SSHD_PRIVSEP_DIR, { mode: 0o755 });
  await ipBatch([
    `link add ${SS_MGMT.bridge} type bridge`,
    `addr add ${SS_MGMT.gateway}/${SS_MGMT.prefixLen} dev ${SS_MGMT.bridge}`,
    `link set ${SS_MGMT.bridge} up`,
    ...SS_MGMT.edges.flatMap((e) => [
      `link add ${e.hostIf} type veth peer name ${SS_MGMT.ifname} netns ${e.ns}`,
      `link set ${e.hostIf} master ${SS_MGMT.bridge} up`,
    ]),
  ]);
  const known: string[] = [];
  for (const e of SS_MGMT.edges) {
    await ipBatch(
      [
        `addr add ${e.mgmtAddress}/${SS_MGMT.prefixLen} dev ${SS_MGMT.ifname}`,
        `link set ${SS_MGMT.ifname} up`,
      ],
      e.ns,
    );
    const files = deviceFiles(dir, e.name);
    await mkdir(files.logDir, { recursive: true });
    const hostPub = await ensureKey(files.hostKey, `root@${e.name}`);
    await writeFile(files.sshdConfig, renderSshdConfig(dir, e), { mode: 0o644 });
    const [type, key] = hostPub.split(/\s+/);
    known.push(`${e.mgmtAddress} ${type} ${key}`);
    await rm(files.sshdPid, { force: true });
    sshdPidFiles.add(files.sshdPid);
    await runInNamespace(e.ns, [BIN.sshd, '-f', files.sshdConfig, '-E', files.sshdLog]);
    await waitForPidFile(files.sshdPid, 'sshd', 5000);
  }
  await writeFile(f.knownHosts, known.join('\n') + '\n', { mode: 0o644 });
  const q = (x: string) => JSON.stringify(x);
  const inventory = [
    '# routedeck inventory — the shared-service NAT lab (Linux edges in network namespaces, nftables)',
    'name: shared-service-lab',
    'defaults:',
    '  user: root',
    '  privilege: ""',
    `  auth: { type: key, path: ${q(f.clientKey)} }`,
    `  knownHosts: ${q(f.knownHosts)}`,
    'devices:',
    // Edges forward between the tenants and the transit network: routers, Linux kind (no FRR runs
    // here, so a poll reads their addresses and reports the missing BGP part).
    ...SS_MGMT.edges.map(
      (e) => `  - { name: ${e.name}, role: router, kind: frr-linux, host: ${e.mgmtAddress}, port: 22 }`,
    ),
    // Overlapping tenants: each in its own VRF, as in a fabric.
    'tenants:',
    '  - { name: ta, vrf: ta, pools4: [10.0.0.0/24] }',
    '  - { name: tb, vrf: tb, pools4: [10.0.0.0/24] }',
    '',
  ].join('\n');
  await writeFile(f.inventory, inventory, { mode: 0o644 });
  return f.inventory;
}

/** Builds the scenario from nothing (anything left from an earlier run is removed first). */
export async function sharedServiceLabUp(): Promise<void> {
  await sharedServiceLabDown();
  for (const ns of all) await run([BIN.ip, 'netns', 'add', ns]);
  const n = SS_NAMESPACES;
  const veth = (a: string, aIf: string, b: string, bIf: string) =>
    `link add ${aIf} netns ${a} type veth peer name ${bIf} netns ${b}`;
  await ipBatch([
    veth(n.clientA, 'eth0', n.edgeA, 'ten0'),
    veth(n.clientB, 'eth0', n.edgeB, 'ten0'),
    veth(n.edgeA, 'lake0', n.provider, 'lake-a'),
    veth(n.edgeB, 'lake0', n.provider, 'lake-b'),
    veth(n.provider, 'svc0', n.service, 'eth0'),
  ]);
  const inside = async (ns: string, lines: string[]) => ipBatch(['link set lo up', ...lines], ns);
  for (const [client, edge, via, peer] of [
    [n.clientA, n.edgeA, SS_ADDR.viaA, '192.0.2.2'],
    [n.clientB, n.edgeB, SS_ADDR.viaB, '192.0.2.6'],
  ] as const) {
    await inside(client, [
      `addr add ${SS_ADDR.client}/24 dev eth0`,
      'link set eth0 up',
      `route add default via ${SS_ADDR.tenantGateway}`,
    ]);
    await inside(edge, [
      `addr add ${SS_ADDR.tenantGateway}/24 dev ten0`,
      'link set ten0 up',
      `addr add ${via}/30 dev lake0`,
      'link set lake0 up',
      // The transit range is reached through the provider (in a fabric: BGP; here: one static route).
      `route add ${SS_ADDR.transit} via ${peer}`,
    ]);
  }
  await inside(n.provider, [
    'addr add 192.0.2.2/30 dev lake-a',
    'link set lake-a up',
    'addr add 192.0.2.6/30 dev lake-b',
    'link set lake-b up',
    'addr add 10.0.0.1/24 dev svc0',
    'link set svc0 up',
  ]);
  await inside(n.service, [
    `addr add ${SS_ADDR.service}/24 dev eth0`,
    'link set eth0 up',
    'route add default via 10.0.0.1',
  ]);
  for (const ns of [n.edgeA, n.edgeB, n.provider])
    await run([BIN.ip, 'netns', 'exec', ns, BIN.sysctl, '-qw', 'net.ipv4.ip_forward=1']);
  await run([BIN.ip, 'netns', 'exec', n.service, BIN.nft, '-f', '-'], {
    input:
      `table ip ${SERVICE_COUNTER_TABLE} {\n` +
      '  set seen { type ipv4_addr; flags dynamic; counter; }\n' +
      '  chain in { type filter hook input priority filter; policy accept;\n' +
      '    icmp type echo-request add @seen { ip saddr }\n  }\n}\n',
  });
}

/** Packets the service received per source address (echo requests). */
export async function serviceSeen(): Promise<Record<string, number>> {
  const out = await run([
    BIN.ip,
    'netns',
    'exec',
    SS_NAMESPACES.service,
    BIN.nft,
    '-j',
    'list',
    'set',
    'ip',
    SERVICE_COUNTER_TABLE,
    'seen',
  ]);
  const parsed = JSON.parse(out) as { nftables: { set?: { elem?: unknown[] } }[] };
  const seen: Record<string, number> = {};
  for (const item of parsed.nftables) {
    for (const e of item.set?.elem ?? []) {
      const elem = (e as { elem?: { val: string; counter?: { packets: number } } }).elem;
      if (elem) seen[elem.val] = elem.counter?.packets ?? 0;
    }
  }
  return seen;
}
