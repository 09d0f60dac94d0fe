/**
 * Who holds a workload once reconciled: from the plan that left it half-done (a migration whose
 * compute hook ran goes forward, one whose hook had not run goes back; a decommission finishes),
 * else from the registry when the fabric agrees with it. Anything else is not decided here: the
 * engineer is shown what was found and picks a holder (`--keep HOST`).
 */
import type { Plan, WorkloadRecord } from '../../model/plan.ts';
import type { PlanStatus } from '../../model/plan.ts';
import type { HostFacts } from './facts.ts';

/** The last workload plan (create, migrate, decommission) that did not finish, with its steps done. */
export interface OpenPlan {
  plan: Plan;
  status: PlanStatus;
  done: string[];
}

/** What the registry becomes once the plan applies. */
export type RegistryOutcome =
  | { kind: 'active'; host: string }
  /** A decommission finished: addresses released, record retired. */
  | { kind: 'retired' }
  /** A create undone: addresses released, record removed (as a rolled-back create). */
  | { kind: 'forgotten' };

export type Decision =
  | { kind: 'holder'; holder: string | null; registry: RegistryOutcome; why: string }
  | { kind: 'ambiguous'; why: string; candidates: string[] };

export function announcers(facts: readonly HostFacts[]): string[] {
  return facts.filter((f) => f.routes.length > 0).map((f) => f.host);
}

function migrateEnds(plan: Plan): { source: string | null; target: string | null } {
  const change = plan.routeChanges.find((c) => c.fromHost !== undefined || c.toHost !== undefined);
  const target = change?.toHost ?? plan.steps.find((s) => s.id.startsWith('target-'))?.device ?? null;
  const source = change?.fromHost ?? plan.steps.find((s) => s.id.startsWith('source-'))?.device ?? null;
  return { source, target };
}

function fromOpenPlan(w: WorkloadRecord, open: OpenPlan): Decision {
  const { plan, status, done } = open;
  const after = `plan ${plan.id} (${plan.kind}) is ${status} after ${done.length} of ${plan.steps.length} step(s) (${done.join(', ') || 'none'})`;
  if (plan.kind === 'decommission')
    return {
      kind: 'holder',
      holder: null,
      registry: { kind: 'retired' },
      why: `${after}: finish removing ${w.name}`,
    };
  if (plan.kind === 'create')
    return {
      kind: 'holder',
      holder: null,
      registry: { kind: 'forgotten' },
      why: `${after}: undo the half-made create (plan it again to create ${w.name})`,
    };
  const { source, target } = migrateEnds(plan);
  if (!source || !target)
    return {
      kind: 'ambiguous',
      why: `${after}, and its source and target cannot be read from it`,
      candidates: [],
    };
  const hook = plan.steps.find((s) => s.irreversible === true);
  const hookDone = hook !== undefined && done.includes(hook.id);
  const nextStep = plan.steps.find((s) => !done.includes(s.id));
  // A console killed while the hook ran: it may or may not have moved the workload.
  if (hook && !hookDone && nextStep?.id === hook.id && (status === 'applying' || status === 'interrupted'))
    return {
      kind: 'ambiguous',
      why: `${after}: it stopped while the compute hook ${hook.id} was running, so ${w.name} may run on ${source} or on ${target}`,
      candidates: [source, target],
    };
  // Without a compute hook the network's own progress says where it went: past the source withdraw.
  const forward = hook ? hookDone : done.includes('source-withdraw');
  if (forward)
    return {
      kind: 'holder',
      holder: target,
      registry: { kind: 'active', host: target },
      why: hook
        ? `${after}: the compute hook ran, so ${w.name} runs on ${target}; finish the migration forward`
        : `${after}: ${source} had withdrawn already; finish the migration forward to ${target}`,
    };
  return {
    kind: 'holder',
    holder: source,
    registry: { kind: 'active', host: source },
    why: hook
      ? `${after}: the compute hook had not run, so ${w.name} still runs on ${source}; go back to it`
      : `${after}: ${source} had not withdrawn; go back to ${source}`,
  };
}

export function decideHolder(
  w: WorkloadRecord,
  open: OpenPlan | null,
  facts: readonly HostFacts[],
  keep?: string,
): Decision {
  if (keep !== undefined)
    return {
      kind: 'holder',
      holder: keep,
      registry: { kind: 'active', host: keep },
      why: `--keep ${keep}: ${w.name} stays on ${keep}`,
    };
  if (open) return fromOpenPlan(w, open);
  const hosts = announcers(facts);
  if (hosts.every((h) => h === w.host))
    return {
      kind: 'holder',
      holder: w.host,
      registry: { kind: 'active', host: w.host },
      why: `the registry has ${w.name} ${w.state} on ${w.host} and no other host announces it`,
    };
  return {
    kind: 'ambiguous',
    why:
      `the registry has ${w.name} ${w.state} on ${w.host}, ${hosts.length > 1 ? 'hosts' : 'host'} ${hosts.join(', ')} ` +
      `announce${hosts.length > 1 ? '' : 's'} it, and no unfinished plan says where it runs`,
    candidates: [...new Set([w.host, ...hosts])],
  };
}
