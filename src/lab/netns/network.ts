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
  guestIface,
  hypervisors,
  labNamespace,
  mgmtHostIf,
  type LabWorkload,
} from './topology.ts';

/**
 * A guest accepts on any leg (its default route may still point at the other one during a move)
 * and never autoconfigures from a router advertisement.
 */
export const GUEST_SYSCTLS = [
  'net.ipv4.conf.all.rp_filter=0',
  'net.ipv4.conf.default.rp_filter=0',
  'net.ipv6.conf.all.accept_ra=0',
  'net.ipv6.conf.default.accept_ra=0',
] as const;

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
    // Every workload has a leg on every hypervisor, so a plan can migrate it anywhere.
    ...WORKLOADS.flatMap((w) =>
      hypervisors().map(
        (hv) =>
          `link add ${w.tap} netns ${labNamespace(hv.name)} type veth ` +
          `peer name ${guestIface(hv.name)} netns ${labNamespace(w.name)}`,
      ),
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
 * The reference's per-workload host setup (§3) on the workload's home host: the same link-local
 * gateway on every TAP, and routes (not addresses) for the workload's /32 and /64. Kernel routes
 * are in place before zebra starts, so the first BGP update already carries them. The legs on the
 * other hosts are left down and bare, as the compute layer hands a TAP to a migration plan (the
 * inventory's `manageTap: false`); the guest's addresses are on every leg, its default routes on
 * the home one.
 */
async function configureWorkload(w: LabWorkload): Promise<void> {
  const guest = labNamespace(w.name);
  const home = guestIface(w.host);
  await runInNamespace(guest, [BIN.sysctl, '-q', '-w', ...GUEST_SYSCTLS]);
  await ipBatch(
    [
      ...hypervisors().flatMap((hv) => [
        `addr add ${w.ipv4}/32 dev ${guestIface(hv.name)}`,
        `addr add ${w.ipv6Address}/64 dev ${guestIface(hv.name)} nodad`,
        `link set ${guestIface(hv.name)} up`,
      ]),
      `route add default via ${LINK_LOCAL4} dev ${home} onlink`,
      `route add ::/0 via ${LINK_LOCAL6} dev ${home}`,
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
    labNamespace(w.host),
  );
  // Strict reverse-path filtering on every leg: a guest may only source what is routed to its TAP.
  await Promise.all(
    hypervisors().map((hv) =>
      runInNamespace(labNamespace(hv.name), [BIN.sysctl, '-q', '-w', `net.ipv4.conf.${w.tap}.rp_filter=1`]),
    ),
  );
}

/** Whether every workload has its leg on every hypervisor (a lab built before the legs existed has not). */
export async function legsPresent(): Promise<boolean> {
  for (const w of WORKLOADS)
    for (const hv of hypervisors()) if (!(await linkExists(w.tap, labNamespace(hv.name)))) return false;
  return true;
}

/** A lab workload's leg on each hypervisor: present (named like its TAP) and whether the host end is up. */
export async function hypervisorLegs(name: string): Promise<{ host: string; tap: string; up: boolean }[]> {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no lab workload ${name}`);
  const legs: { host: string; tap: string; up: boolean }[] = [];
  for (const hv of hypervisors()) {
    const r = await tryRun([BIN.ip, '-n', labNamespace(hv.name), '-j', 'link', 'show', w.tap]);
    if (r.code !== 0) continue;
    const [link] = JSON.parse(r.stdout) as { flags?: string[] }[];
    legs.push({ host: hv.name, tap: w.tap, up: link?.flags?.includes('UP') ?? false });
  }
  return legs;
}

/** The hypervisor whose leg carries the guest's IPv4 default route now (after migrations), if any. */
export async function currentHost(guestName: string): Promise<string | undefined> {
  const r = await tryRun([BIN.ip, '-n', labNamespace(guestName), '-j', 'route', 'show', 'default']);
  if (r.code !== 0 || !r.stdout.trim()) return undefined;
  const routes = JSON.parse(r.stdout) as { dev?: string }[];
  const dev = routes[0]?.dev;
  return hypervisors().find((hv) => guestIface(hv.name) === dev)?.name;
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
