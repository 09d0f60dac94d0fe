/**
 * Per plan kind: how to make the next case's plan on a lab, setting up what it needs (an active
 * workload, an attached floating IP) and starting afresh after a case that left things broken.
 */
import { planIdOf, type FaultLab } from './lab.ts';
import type { FaultKind, PlannedCase, Subject } from './types.ts';

export interface Scenario {
  kind: FaultKind;
  /** Makes (and registers) the plan for the next case. */
  next(): Promise<PlannedCase>;
  /** The last case left its subject broken: the next one uses a new subject. */
  reset(): void;
}

const HOSTS = ['hv1', 'hv2', 'hv3'];
/** Workload names per kind, so scenarios of several kinds can share one lab. */
const PREFIX: Record<FaultKind, string> = {
  create: 'c',
  'migrate-mbb': 'mm',
  'migrate-bbm': 'mb',
  decommission: 'd',
  'fip-move': 'f',
};

async function plan(flab: FaultLab, args: string[]): Promise<PlannedCase> {
  const out = await flab.run(['plan', ...args]);
  const planId = planIdOf(out.stdout);
  if (out.code !== 0 || !planId)
    throw new Error(`routedeck plan ${args.join(' ')} exited ${out.code}: ${out.stderr || out.stdout}`);
  const stored = flab.registry((reg) => reg.plan(planId));
  if (!stored) throw new Error(`plan ${planId} is not in the registry`);
  // A floating IP's plan names a pseudo-workload (`fip:ADDR`); its caller sets the subject.
  const w = flab.registry((reg) => reg.workload(stored.plan.workload));
  const subject: Subject = w
    ? { type: 'workload', name: w.name, vrf: w.vrf, prefixes: [`${w.ipv4}/32`, w.ipv6Prefix] }
    : { type: 'fip', prefix: '', vrf: 'default' };
  return { planId, plan: stored.plan, subject };
}

async function applied(flab: FaultLab, planId: string): Promise<void> {
  const out = await flab.run(['apply', planId, '--yes']);
  if (out.code !== 0) throw new Error(`setup apply ${planId} exited ${out.code}: ${out.stdout}${out.stderr}`);
}

/** Shared by every scenario in this process: two scenarios on one lab never pick the same name. */
let serial = 0;
let fipSerial = 0;

export function scenario(flab: FaultLab, kind: FaultKind): Scenario {
  let current: string | undefined;
  let fip: string | undefined;
  const fresh = async (prefix: string): Promise<string> => {
    const name = `${prefix}${++serial}`;
    await applied(flab, (await plan(flab, ['create', name, '--tenant', 'acme', '--host', 'hv1'])).planId);
    return name;
  };
  /** The current workload if it is still active, else a new one. */
  const active = async (prefix: string): Promise<string> => {
    const w = current ? flab.registry((reg) => reg.workload(current!)) : undefined;
    if (w?.state !== 'active') current = await fresh(prefix);
    return current!;
  };
  // Two lab workloads of tenant acme on different hosts carry the floating IP in turn (named as
  // the registry adopted them on the first session).
  let fipEnds: string[] = [];
  const pickFipEnds = async (): Promise<string[]> => {
    await flab.run(['get', 'guard', '--json']);
    const taps = new Set(
      flab.lab.fabric
        .workloads()
        .filter((w) => w.tenant === 'acme')
        .map((w) => w.tap),
    );
    const acme = flab
      .registry((reg) => reg.workloads())
      .filter((w) => w.state === 'active' && taps.has(w.tap));
    const other = acme.find((w) => w.host !== acme[0]?.host);
    if (!acme[0] || !other) throw new Error('the lab has no two acme workloads on different hosts');
    return [acme[0].name, other.name];
  };

  const next = async (): Promise<PlannedCase> => {
    switch (kind) {
      case 'create':
        return plan(flab, ['create', `${PREFIX[kind]}${++serial}`, '--tenant', 'acme', '--host', 'hv1']);
      case 'migrate-mbb':
      case 'migrate-bbm': {
        const name = await active(PREFIX[kind]);
        const host = flab.registry((reg) => reg.workload(name))!.host;
        const to = HOSTS[(HOSTS.indexOf(host) + 1) % HOSTS.length]!;
        return plan(flab, [
          'migrate',
          name,
          '--to',
          to,
          ...(kind === 'migrate-bbm' ? ['--break-before-make'] : []),
        ]);
      }
      case 'decommission':
        return plan(flab, ['decommission', await active(PREFIX[kind])]);
      case 'fip-move': {
        if (fipEnds.length === 0) fipEnds = await pickFipEnds();
        if (!fip) {
          fip = `198.51.100.${250 - fipSerial++}`;
          const attach = await flab.run(['plan', 'fip', 'attach', fip, '--to', fipEnds[0]!]);
          await applied(flab, planIdOf(attach.stdout));
        }
        const prefix = `${fip}/32`;
        const owner = flab.registry((reg) => reg.workloads().find((w) => w.extraAllowed.includes(prefix)));
        const to = owner?.name === fipEnds[0] ? fipEnds[1]! : fipEnds[0]!;
        const made = await plan(flab, ['fip', 'move', fip, '--to', to]);
        return { ...made, subject: { type: 'fip', prefix, vrf: owner?.vrf ?? 'default' } };
      }
    }
  };
  return {
    kind,
    next,
    reset() {
      current = undefined;
      fip = undefined;
    },
  };
}
