import { BIN, ipBatch, run, runInNamespace, tryRun } from './exec.ts';
import { addUnique, writeRecord, type LabRecord } from './record.ts';
import { installVmguard } from './vmguard.ts';
import {
  DEVICES,
  FABRIC_LINKS,
  LINK_LOCAL4,
  LINK_LOCAL6,
  MGMT_BRIDGE,
  MGMT_GATEWAY,
  MGMT_IFNAME,
  MGMT_PREFIX_LEN,
  WORKLOADS,
  labNamespace,
  mgmtHostIf,
  type LabWorkload,
} from './topology.ts';

/**
 * Management is a control plane only: a device namespace never routes between its management
 * interface and the fabric or its workloads (else a workload could reach the root namespace and,
 * through the host's default route, the outside world), and the management address (sshd) answers
 * only on the management interface, not to workloads or fabric peers.
 */
const MGMT_GUARD = `table inet rdlab {
  chain forward {
    type filter hook forward priority filter; policy accept;
    iifname "${MGMT_IFNAME}" drop
    oifname "${MGMT_IFNAME}" drop
  }
  chain input {
    type filter hook input priority filter; policy accept;
    ip daddr ${MGMT_GATEWAY}/${MGMT_PREFIX_LEN} iifname != { "${MGMT_IFNAME}", "lo" } drop
  }
}
`;

export async function listNamespaces(): Promise<string[]> {
  const r = await tryRun([BIN.ip, '-j', 'netns', 'list']);
  if (r.code !== 0 || !r.stdout.trim()) return [];
  const parsed = JSON.parse(r.stdout) as { name: string }[];
  return parsed.map((n) => n.name);
}

export async function linkExists(name: string, ns?: string): Promise<boolean> {
  const argv = ns ? [BIN.ip, '-n', ns, 'link', 'show', name] : [BIN.ip, 'link', 'show', name];
  return (await tryRun(argv)).code === 0;
}

/** Creates every namespace, link, address and kernel route; records each before creating it. */
export async function buildNetwork(rec: LabRecord): Promise<void> {
  const namespaces = [...DEVICES.map((d) => d.name), ...WORKLOADS.map((w) => w.name)].map(labNamespace);
  for (const ns of namespaces) addUnique(rec.namespaces, ns);
  addUnique(rec.rootLinks, MGMT_BRIDGE);
  for (const d of DEVICES) addUnique(rec.rootLinks, mgmtHostIf(d.name));
  await writeRecord(rec);

  await ipBatch(namespaces.map((ns) => `netns add ${ns}`));
  await Promise.all(namespaces.map((ns) => ipBatch(['link set lo up'], ns)));

  await ipBatch([
    `link add ${MGMT_BRIDGE} type bridge`,
    `addr add ${MGMT_GATEWAY}/${MGMT_PREFIX_LEN} dev ${MGMT_BRIDGE}`,
    `link set ${MGMT_BRIDGE} up`,
    ...DEVICES.flatMap((d) => [
      `link add ${mgmtHostIf(d.name)} type veth peer name ${MGMT_IFNAME} netns ${labNamespace(d.name)}`,
      `link set ${mgmtHostIf(d.name)} master ${MGMT_BRIDGE} up`,
    ]),
    ...FABRIC_LINKS.map(
      (l) =>
        `link add ${l.hypervisorIf} netns ${labNamespace(l.hypervisor)} type veth ` +
        `peer name ${l.routerIf} netns ${labNamespace(l.router)}`,
    ),
    ...WORKLOADS.map(
      (w) =>
        `link add ${w.tap} netns ${labNamespace(w.host)} type veth peer name eth0 netns ${labNamespace(w.name)}`,
    ),
  ]);

  await Promise.all(DEVICES.map((d) => configureDevice(d.name, d.mgmtAddress)));
  await Promise.all(DEVICES.filter((d) => d.role === 'hypervisor').map((d) => installVmguard(d.name)));
  await Promise.all(WORKLOADS.map((w) => configureWorkload(w)));
}

async function configureDevice(device: string, mgmtAddress: string): Promise<void> {
  const ns = labNamespace(device);
  const fabricIfs = FABRIC_LINKS.flatMap((l) =>
    l.router === device ? [l.routerIf] : l.hypervisor === device ? [l.hypervisorIf] : [],
  );
  // Forwarding before any link comes up, so IPv6 never autoconfigures from a peer's RA.
  await runInNamespace(ns, [
    BIN.sysctl,
    '-q',
    '-w',
    'net.ipv4.ip_forward=1',
    'net.ipv6.conf.all.forwarding=1',
    'net.ipv6.conf.default.forwarding=1',
  ]);
  await runInNamespace(ns, [BIN.nft, '-f', '-'], { input: MGMT_GUARD });
  await ipBatch(
    [
      `addr add ${mgmtAddress}/${MGMT_PREFIX_LEN} dev ${MGMT_IFNAME}`,
      `link set ${MGMT_IFNAME} up`,
      ...fabricIfs.map((i) => `link set ${i} up`),
    ],
    ns,
  );
}

/**
 * The reference's per-workload host setup (§3): the same link-local gateway on every TAP, and
 * routes (not addresses) for the workload's /32 and /64. Kernel routes are in place before zebra
 * starts, so the first BGP update already carries them.
 */
async function configureWorkload(w: LabWorkload): Promise<void> {
  const guest = labNamespace(w.name);
  const host = labNamespace(w.host);
  await ipBatch(
    [
      `addr add ${w.ipv4}/32 dev eth0`,
      `addr add ${w.ipv6Address}/64 dev eth0 nodad`,
      'link set eth0 up',
      `route add default via ${LINK_LOCAL4} dev eth0 onlink`,
      `route add ::/0 via ${LINK_LOCAL6} dev eth0`,
    ],
    guest,
  );
  await ipBatch(
    [
      `addr add ${LINK_LOCAL4}/32 dev ${w.tap}`,
      `addr add ${LINK_LOCAL6}/64 dev ${w.tap} nodad`,
      `link set ${w.tap} up`,
      `route add ${w.ipv4}/32 dev ${w.tap}`,
      `route add ${w.ipv6Prefix} dev ${w.tap}`,
    ],
    host,
  );
  // Strict reverse-path filtering: a guest may only source what is routed to its own TAP.
  await runInNamespace(host, [BIN.sysctl, '-q', '-w', `net.ipv4.conf.${w.tap}.rp_filter=1`]);
}

/** Deletes the namespaces (taking their veths with them) and the root-namespace links. */
export async function removeNetwork(
  namespaces: readonly string[],
  rootLinks: readonly string[],
): Promise<void> {
  const present = new Set(await listNamespaces());
  for (const ns of namespaces) {
    if (present.has(ns)) await run([BIN.ip, 'netns', 'del', ns]);
  }
  for (const link of rootLinks) {
    if (await linkExists(link)) await tryRun([BIN.ip, 'link', 'del', link]);
  }
}
