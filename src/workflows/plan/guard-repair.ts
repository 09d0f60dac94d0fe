/**
 * Anti-spoofing drift (routed-host-model §4): a hypervisor's vmguard sets against what the registry
 * says should be allowed there, and the plan that repairs it. Pure: the live sets and the registry
 * records come in, drift entries and a Plan go out.
 */
import { canonicalIpv6 } from '../../addr/cidr.ts';
import { parseGuardElement } from '../../drivers/linux/nft-guard.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { GuardElement } from '../../model/guard.ts';
import type { Plan, WorkloadRecord } from '../../model/plan.ts';
import { diffsOf, guardOps, opStep, type OpStep, type PlanMeta } from './build.ts';
import { opLines, type HostOp } from './host-ops.ts';
import { PlanError } from './validate.ts';

/**
 * `missing`: the registry allows it and the set lacks it. `extra`: on a workload's TAP, not allowed
 * by the registry. `stale`: on a TAP no active workload of this host has (moved, retired, unknown).
 */
export type DriftKind = 'missing' | 'extra' | 'stale';

export interface GuardDrift {
  device: string;
  kind: DriftKind;
  set: 'allow4' | 'allow6';
  tap: string;
  cidr: string;
  /** The workload the TAP belongs (or belonged) to, when the registry knows one. */
  workload?: string;
  reason: string;
}

/** One lease for every guard repair: two consoles repairing at once would fight over elements. */
export const GUARD_SUBJECT = 'guard-repair';

/** `a.b.c.d` → `a.b.c.d/32`, IPv6 compressed as nft prints it. */
export function canonicalElementCidr(text: string): string {
  const [addr = '', len] = text.split('/');
  const six = addr.includes(':');
  return `${six ? canonicalIpv6(addr) : addr}/${len ?? (six ? 128 : 32)}`;
}

const key = (set: string, tap: string, cidr: string): string => `${set} ${tap} ${cidr}`;

/** Elements the registry allows for a workload, as nft would list them. */
export function expectedElements(w: WorkloadRecord): GuardElement[] {
  return guardOps(w, 'add').flatMap((op) =>
    op.kind === 'nft'
      ? op.cidrs.map((cidr) => ({ set: op.set, tap: op.tap, cidr: canonicalElementCidr(cidr) }))
      : [],
  );
}

/** The registry's workloads as guardDrift reads them for any host: made once per list, not per host. */
interface GuardIndex {
  /** TAPs of workloads in flight (planned, migrating, decommissioning): left out on every host. */
  inFlight: Set<string>;
  /** Active workloads by host. */
  active: Map<string, WorkloadRecord[]>;
  /** The last workload (in the list's order) of each TAP name. */
  lastByTap: Map<string, WorkloadRecord>;
}

const indexes = new WeakMap<readonly WorkloadRecord[], GuardIndex>();
const expectedOf = new WeakMap<WorkloadRecord, GuardElement[]>();

/**
 * Each list is indexed once (callers compare every host against one list): comparing each host with
 * every workload was hosts × workloads — at 1,000 hosts and 50,000 workloads, 50 million steps for one
 * drawing of the Guard view.
 */
function guardIndexOf(workloads: readonly WorkloadRecord[]): GuardIndex {
  let index = indexes.get(workloads);
  if (index) return index;
  index = { inFlight: new Set(), active: new Map(), lastByTap: new Map() };
  for (const w of workloads) {
    if (w.state !== 'active' && w.state !== 'retired') index.inFlight.add(w.tap);
    if (w.state === 'active') {
      const here = index.active.get(w.host);
      if (here) here.push(w);
      else index.active.set(w.host, [w]);
    }
    index.lastByTap.set(w.tap, w);
  }
  indexes.set(workloads, index);
  return index;
}

function expectedElementsOf(w: WorkloadRecord): GuardElement[] {
  let elements = expectedOf.get(w);
  if (!elements) {
    elements = expectedElements(w);
    expectedOf.set(w, elements);
  }
  return elements;
}

/**
 * Compares one hypervisor's sets with the registry. Workloads in flight (planned, migrating,
 * decommissioning) are left out on every host: their plan is changing those elements right now.
 */
export function guardDrift(
  device: string,
  elements: readonly GuardElement[],
  workloads: readonly WorkloadRecord[],
): GuardDrift[] {
  const { inFlight, active, lastByTap } = guardIndexOf(workloads);
  const here = active.get(device) ?? [];
  const owner = new Map(here.map((w) => [w.tap, w]));
  const expected = new Map(
    here.flatMap((w) => expectedElementsOf(w).map((e) => [key(e.set, e.tap, e.cidr), { e, w }])),
  );
  const actual = new Set(elements.map((e) => key(e.set, e.tap, e.cidr)));
  const drift: GuardDrift[] = [];
  for (const [k, { e, w }] of expected) {
    if (!actual.has(k))
      drift.push({ device, kind: 'missing', ...e, workload: w.name, reason: `${w.name} is active here` });
  }
  for (const e of elements) {
    if (expected.has(key(e.set, e.tap, e.cidr)) || inFlight.has(e.tap)) continue;
    const w = owner.get(e.tap);
    if (w) {
      drift.push({
        device,
        kind: 'extra',
        ...e,
        workload: w.name,
        reason: `not allowed for ${w.name} in the registry`,
      });
      continue;
    }
    const known = lastByTap.get(e.tap);
    const reason = !known
      ? 'no workload in the registry has this TAP'
      : known.state === 'retired'
        ? `${known.name} is retired`
        : `${known.name} is on ${known.host}`;
    drift.push({ device, kind: 'stale', ...e, ...(known ? { workload: known.name } : {}), reason });
  }
  const order: Record<DriftKind, number> = { missing: 0, extra: 1, stale: 2 };
  return drift.sort(
    (a, b) =>
      order[a.kind] - order[b.kind] ||
      a.tap.localeCompare(b.tap) ||
      a.set.localeCompare(b.set) ||
      a.cidr.localeCompare(b.cidr),
  );
}

/**
 * The element again from its parts, through the one element parser: a command is rendered only
 * from values that parse (a TAP name of the interface pattern, an address of the set's family).
 */
export function validatedElement(e: GuardElement): GuardElement {
  const range = /^([^-/]+)-([^-/]+)$/.exec(e.cidr);
  const [addr = '', len] = e.cidr.split('/');
  const parsed = range
    ? parseGuardElement(e.set, e.tap, { range: [range[1] ?? '', range[2] ?? ''] })
    : len === undefined
      ? parseGuardElement(e.set, e.tap, addr)
      : /^\d{1,3}$/.test(len)
        ? parseGuardElement(e.set, e.tap, { addr, len: Number(len) })
        : { why: 'not a prefix length' };
  if ('why' in parsed)
    throw new PlanError(
      `refusing to render vmguard element ${JSON.stringify(`${e.tap} . ${e.cidr}`)}: ${parsed.why}`,
    );
  return parsed;
}

/** The nft ops that remove one host's drift: additions grouped per TAP and set, then deletions. */
export function repairOps(drift: readonly GuardDrift[]): HostOp[] {
  const group = (op: 'add' | 'delete', entries: readonly GuardDrift[]): HostOp[] => {
    const byTapSet = new Map<string, { set: 'allow4' | 'allow6'; tap: string; cidrs: string[] }>();
    for (const drifted of entries) {
      const d = validatedElement(drifted);
      const k = `${d.tap} ${d.set}`;
      const g = byTapSet.get(k) ?? { set: d.set, tap: d.tap, cidrs: [] };
      g.cidrs.push(d.cidr);
      byTapSet.set(k, g);
    }
    return [...byTapSet.values()].map((g) => ({ kind: 'nft', op, ...g }));
  };
  return [
    ...group(
      'add',
      drift.filter((d) => d.kind === 'missing'),
    ),
    ...group(
      'delete',
      drift.filter((d) => d.kind !== 'missing'),
    ),
  ];
}

export interface GuardRepairHost {
  host: DeviceSpec;
  elements: readonly GuardElement[];
  drift: readonly GuardDrift[];
}

/** One step per host with drift; the diff is the host's elements before and after. */
export function planGuardRepair(hosts: readonly GuardRepairHost[], meta: PlanMeta): Plan {
  const steps: OpStep[] = hosts
    .filter((h) => h.drift.length > 0)
    .map((h) => {
      const n = (k: DriftKind) => h.drift.filter((d) => d.kind === k).length;
      return opStep(
        `guard-repair-${h.host.name}`,
        h.host,
        `repair vmguard on ${h.host.name}: add ${n('missing')} missing, delete ${n('extra')} extra and ${n('stale')} stale element(s)`,
        repairOps(h.drift),
      );
    });
  const before = new Map(
    hosts.map((h) => [
      h.host.name,
      h.elements
        .map(validatedElement)
        .flatMap((e) => opLines({ kind: 'nft', op: 'add', set: e.set, tap: e.tap, cidrs: [e.cidr] })),
    ]),
  );
  const total = hosts.reduce((n, h) => n + h.drift.length, 0);
  return {
    id: meta.id,
    kind: 'guard-repair',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: GUARD_SUBJECT,
    tenant: '',
    summary: `Repair anti-spoofing drift on ${steps.map((s) => s.host.name).join(', ')}: ${total} element(s)`,
    steps: steps.map((s) => s.step),
    diffs: diffsOf(steps, before),
    routeChanges: [],
    artifacts: {},
  };
}
