/**
 * The invariant after recovery: the subject is announced from exactly one host (none after a
 * decommission or an undone create) as the routers see it, the registry agrees (host, state),
 * vmguard elements exist only on that host, its TAP only there, and no lease is left.
 */
import type { FaultLab } from './lab.ts';
import type { Subject } from './types.ts';

interface WorkloadRow {
  vrf: string;
  prefix: string;
  announcers: { host: string }[];
  seenBy: { router: string; selected: boolean; nexthops: { viaHost?: string }[] }[];
}

export interface InvariantResult {
  held: boolean;
  /** Who should hold the subject per the registry (null: nobody). */
  holder: string | null;
  problems: string[];
}

/** `"tap . cidr"` for every allow4/allow6 element of a hypervisor's vmguard table. */
async function guardElements(flab: FaultLab, host: string): Promise<string[]> {
  // Read from the simulated host itself (not over SSH): the truth, whatever routedeck thinks.
  const out = await flab.lab.fabric.device(host)!.exec('sudo -n nft -j list table inet vmguard');
  if (out.code !== 0) throw new Error(`${host}: nft list failed: ${out.stderr.trim()}`);
  const doc = JSON.parse(out.stdout) as { nftables: { set?: { name: string; elem?: unknown[] } }[] };
  const found: string[] = [];
  for (const item of doc.nftables) {
    for (const elem of item.set?.elem ?? []) {
      const [tap, right] = (elem as { concat: [string, unknown] }).concat;
      const cidr =
        typeof right === 'string'
          ? `${right}/${right.includes(':') ? 128 : 32}`
          : `${(right as { prefix: { addr: string; len: number } }).prefix.addr}/${(right as { prefix: { len: number } }).prefix.len}`;
      found.push(`${tap} . ${cidr}`);
    }
  }
  return found;
}

/** Whether a hypervisor has a link of that name, read from the simulated host itself. */
async function hasLink(flab: FaultLab, host: string, name: string): Promise<boolean> {
  const out = await flab.lab.fabric.device(host)!.exec('ip -j link show');
  if (out.code !== 0) throw new Error(`${host}: ip link failed: ${out.stderr.trim()}`);
  return (JSON.parse(out.stdout) as { ifname: string }[]).some((l) => l.ifname === name);
}

/** Who the registry says holds the subject: a host, null (nobody), or a problem text. */
function registryHolder(flab: FaultLab, subject: Subject): { holder: string | null; problem?: string } {
  return flab.registry((reg) => {
    if (subject.type === 'workload') {
      const w = reg.workload(subject.name);
      if (!w || w.state === 'retired') return { holder: null };
      if (w.state === 'active') return { holder: w.host };
      // A create that never finished: nothing should announce it, and the record should be gone.
      if (w.state === 'planned')
        return { holder: null, problem: `registry: ${subject.name} is still planned on ${w.host}` };
      return { holder: w.host, problem: `registry: ${subject.name} is ${w.state} on ${w.host}` };
    }
    const owners = reg
      .workloads()
      .filter((w) => w.state === 'active' && w.extraAllowed.includes(subject.prefix));
    if (owners.length === 1) return { holder: owners[0]!.host };
    if (owners.length === 0)
      return { holder: null, problem: `registry: no workload holds ${subject.prefix}` };
    return {
      holder: owners[0]!.host,
      problem: `registry: ${subject.prefix} allowed on ${owners.map((w) => `${w.name}@${w.host}`).join(', ')}`,
    };
  });
}

export async function checkInvariant(flab: FaultLab, subject: Subject): Promise<InvariantResult> {
  const problems: string[] = [];
  const reg = registryHolder(flab, subject);
  if (reg.problem) problems.push(reg.problem);
  const holder = reg.holder;
  const leases = flab.registry((r) => r.leases());
  for (const l of leases) problems.push(`lease left on ${l.workload} by plan ${l.planId}`);

  const got = await flab.run(['get', 'workloads', '--json']);
  if (got.code !== 0) problems.push(`get workloads exited ${got.code}: ${got.stderr.trim()}`);
  const rows = got.code === 0 ? (JSON.parse(got.stdout) as { workloads: WorkloadRow[] }).workloads : [];
  const routers = flab.lab.fabric
    .devices()
    .filter((d) => d.role === 'router')
    .map((d) => d.name);
  const hosts = flab.lab.fabric
    .devices()
    .filter((d) => d.role === 'hypervisor')
    .map((d) => d.name);
  const prefixes = subject.type === 'workload' ? subject.prefixes : [subject.prefix];
  for (const prefix of prefixes) {
    const row = rows.find((r) => r.vrf === subject.vrf && r.prefix === prefix);
    const announcers = [...new Set(row?.announcers.map((a) => a.host) ?? [])].sort();
    const via = [
      ...new Set(row?.seenBy.flatMap((s) => s.nexthops.map((n) => n.viaHost ?? '?')) ?? []),
    ].sort();
    const want = holder === null ? [] : [holder];
    if (announcers.join() !== want.join())
      problems.push(`${prefix} announced by [${announcers.join(', ')}], registry says [${want.join(', ')}]`);
    if (via.join() !== want.join()) problems.push(`routers reach ${prefix} via [${via.join(', ')}]`);
    if (holder !== null) {
      const missing = routers.filter(
        (r) => !row?.seenBy.some((s) => s.router === r && s.selected && s.nexthops[0]?.viaHost === holder),
      );
      if (missing.length > 0) problems.push(`${missing.join(', ')} do not use ${holder} for ${prefix}`);
    }
  }
  for (const host of hosts) {
    const elements = (await guardElements(flab, host)).filter((e) =>
      prefixes.some((p) => e.endsWith(` . ${p}`)),
    );
    if (host !== holder && elements.length > 0) problems.push(`vmguard on ${host}: ${elements.join(', ')}`);
    if (host === holder && elements.length < prefixes.length)
      problems.push(`vmguard on ${host} lacks ${prefixes.join(' or ')}`);
  }
  // The lab's routedeck owns the TAPs: a workload's TAP exists on its holder and nowhere else.
  if (subject.type === 'workload') {
    const tap = flab.registry((reg) => reg.workload(subject.name)?.tap) ?? `tap-${subject.name}`;
    for (const host of hosts) {
      const present = await hasLink(flab, host, tap);
      if (host !== holder && present) problems.push(`TAP ${tap} left on ${host}`);
      if (host === holder && !present) problems.push(`TAP ${tap} missing on ${host}`);
    }
  }
  return { held: problems.length === 0, holder, problems };
}

/** Checks until the invariant holds or `waitMs` is over (routers converge, flaps come back). */
export async function settleInvariant(
  flab: FaultLab,
  subject: Subject,
  waitMs: number,
): Promise<InvariantResult> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const result = await checkInvariant(flab, subject);
    // Only the routers' view converges by itself; a registry state, a lease or a vmguard element does not.
    const settled = result.problems.some((p) => /^(registry|lease|vmguard|TAP)/.test(p));
    if (result.held || settled || Date.now() >= deadline) return result;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
