/**
 * The lab's compute layer ("the VM"): a guest is a namespace rd-<name> behind one veth per
 * hypervisor it is attached to (the lab's own workloads get one on every hypervisor at `up`, see
 * network.ts; guests made here get the legs their caller asks for). The hypervisor end is named
 * like the TAP (the plans run with `manageTap: false`: this layer makes the link, plans bring it up
 * and add addresses, vmguard elements and routes); the guest end is `to-<host>`. During a live
 * migration the guest has a leg on both hosts, and the compute hook (GUEST_HOOK_TEMPLATE) moves its
 * default routes to the target's.
 */
import { BIN, ipBatch, run, runInNamespace, tryRun } from './exec.ts';
import { GUEST_SYSCTLS, linkExists, listNamespaces } from './network.ts';
import { labDir, type DirOptions } from './paths.ts';
import { addUnique, readRecord, writeRecord } from './record.ts';
import { DEVICES, LINK_LOCAL4, LINK_LOCAL6, WORKLOADS, guestIface, labNamespace } from './topology.ts';

export { guestIface };

export interface GuestLeg {
  /** Workload name: the guest namespace is rd-<name>. */
  name: string;
  host: string;
  /** Host-side interface (the TAP), in the hypervisor's namespace. */
  tap: string;
  ipv4: string;
  ipv6Prefix: string;
  /** Guest-side interface; default `to-<host>`. */
  iface?: string;
}

/**
 * Run by the plan on the source hypervisor over SSH (its sshd is root in the hv namespace, and
 * `ip -n` reaches any lab namespace): the guest now sends through the target's TAP. Placeholders
 * are filled shell-quoted, so `rd-{workload}` becomes rd-'name' when quoting is needed.
 */
export const GUEST_HOOK_TEMPLATE =
  `ip -n rd-{workload} route replace default via ${LINK_LOCAL4} dev to-{target} onlink && ` +
  `ip -n rd-{workload} -6 route replace default via ${LINK_LOCAL6} dev to-{target}`;

const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const GUEST_NAME = /^[a-z0-9](?:[a-z0-9-]{0,11}[a-z0-9])?$/;

export function guestNamespace(name: string): string {
  return labNamespace(name);
}

/** The guest's address in its /64: `<prefix>::1`, as the lab's own workloads have. */
export function guestIpv6Address(ipv6Prefix: string): string {
  const [net, len] = ipv6Prefix.split('/');
  if (len !== '64' || !net?.endsWith('::')) throw new Error(`${ipv6Prefix} is not a canonical /64`);
  return `${net}1`;
}

function check(leg: GuestLeg): string {
  const iface = leg.iface ?? guestIface(leg.host);
  // rd- + name stays a readable namespace name; a lab workload's name would clash with its namespace.
  if (!GUEST_NAME.test(leg.name))
    throw new Error(`guest name ${JSON.stringify(leg.name)} must be a-z0-9- (≤ 13)`);
  if (WORKLOADS.some((w) => w.name === leg.name) || DEVICES.some((d) => d.name === leg.name))
    throw new Error(`guest name ${leg.name} is taken by the lab's topology`);
  if (!DEVICES.some((d) => d.name === leg.host && d.role === 'hypervisor'))
    throw new Error(`${leg.host} is not a lab hypervisor`);
  for (const n of [leg.tap, iface])
    if (!IFNAME.test(n)) throw new Error(`interface name ${JSON.stringify(n)} is not 1–15 of [A-Za-z0-9_.-]`);
  return iface;
}

async function hasDefaultRoute(ns: string): Promise<boolean> {
  const out = await run([BIN.ip, '-n', ns, '-j', 'route', 'show', 'default']);
  return out.trim() !== '' && out.trim() !== '[]';
}

/**
 * Gives the guest a leg on `host`: creates the guest namespace if needed (recorded in lab.json
 * first, so `down` removes it), a veth with the TAP name on the hypervisor (left down, no address:
 * the plan sets it up) and `iface` in the guest with the guest's /32 and <prefix>::1/64. The first
 * leg also gets the default routes via the link-local gateways; later legs wait for the hook.
 */
export async function attachGuest(leg: GuestLeg, opts: DirOptions = {}): Promise<void> {
  const iface = check(leg);
  const ns = guestNamespace(leg.name);
  if (!(await listNamespaces()).includes(ns)) {
    const dir = labDir(opts);
    const rec = await readRecord(dir);
    if (!rec) throw new Error(`no netns lab in ${dir} (run lab netns up)`);
    addUnique(rec.namespaces, ns);
    await writeRecord(rec);
    await run([BIN.ip, 'netns', 'add', ns]);
    await runInNamespace(ns, [BIN.sysctl, '-q', '-w', ...GUEST_SYSCTLS]);
    await ipBatch(['link set lo up'], ns);
  }
  const first = !(await hasDefaultRoute(ns));
  await run([
    BIN.ip,
    'link',
    'add',
    leg.tap,
    'netns',
    labNamespace(leg.host),
    'type',
    'veth',
    'peer',
    'name',
    iface,
    'netns',
    ns,
  ]);
  await ipBatch(
    [
      `addr add ${leg.ipv4}/32 dev ${iface}`,
      `addr add ${guestIpv6Address(leg.ipv6Prefix)}/64 dev ${iface} nodad`,
      `link set ${iface} up`,
      ...(first
        ? [
            `route add default via ${LINK_LOCAL4} dev ${iface} onlink`,
            `route add ::/0 via ${LINK_LOCAL6} dev ${iface}`,
          ]
        : []),
    ],
    ns,
  );
}

/** Removes the guest's leg on `host` (the veth: both ends). Absent already is fine. */
export async function detachGuest(leg: Pick<GuestLeg, 'host' | 'tap'>): Promise<void> {
  const hostNs = labNamespace(leg.host);
  if (await linkExists(leg.tap, hostNs)) await run([BIN.ip, '-n', hostNs, 'link', 'del', leg.tap]);
}

/** Deletes the guest namespace (and with it every leg) and forgets it in lab.json. */
export async function removeGuest(name: string, opts: DirOptions = {}): Promise<void> {
  const ns = guestNamespace(name);
  if (WORKLOADS.some((w) => labNamespace(w.name) === ns) || DEVICES.some((d) => labNamespace(d.name) === ns))
    throw new Error(`${ns} belongs to the lab's topology`);
  if ((await listNamespaces()).includes(ns)) await tryRun([BIN.ip, 'netns', 'del', ns]);
  const rec = await readRecord(labDir(opts));
  if (rec?.namespaces.includes(ns)) {
    rec.namespaces = rec.namespaces.filter((n) => n !== ns);
    await writeRecord(rec);
  }
}
