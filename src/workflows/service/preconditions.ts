/**
 * Preconditions (DESIGN, Recovery): the facts a plan was made against — the registry's record of
 * its workload and who announced its prefixes — recorded in the plan, and checked against the
 * registry and the freshly polled fabric before apply sends anything.
 */
import type { Plan, Precondition, WorkloadRecord } from '../../model/plan.ts';
import type { Registry } from '../../registry/index.ts';
import type { LiveView } from '../plan/build.ts';
import { WorkflowError } from './errors.ts';

/** A workload's record and the announcers of its /32 and /64, as they are now. */
export function workloadPreconditions(w: WorkloadRecord, live: LiveView): Precondition[] {
  return [
    { kind: 'workload', workload: w.name, host: w.host, state: w.state },
    ...[`${w.ipv4}/32`, w.ipv6Prefix].map((prefix): Precondition => ({
      kind: 'announced',
      prefix,
      vrf: w.vrf,
      hosts: [...live.announcedBy(prefix, w.vrf)].sort(),
    })),
  ];
}

const hostList = (hosts: readonly string[]): string => (hosts.length > 0 ? hosts.join(', ') : 'nobody');

/**
 * Throws a WorkflowError naming what changed (planned against X, now Y) and the command that makes
 * a fresh plan; `replan` is that command.
 */
export function checkPreconditions(
  plan: Plan,
  preconditions: readonly Precondition[],
  registry: Registry,
  live: LiveView,
  replan: string,
): void {
  const refuse = (what: string): never => {
    throw new WorkflowError(`plan ${plan.id} ${what}: plan again (${replan}); nothing was sent`);
  };
  // A workload another plan is moving right now: the kind's claim refuses it, naming that plan.
  const inFlight = preconditions.some((p) => {
    const state = p.kind === 'workload' ? registry.workload(p.workload)?.state : undefined;
    return state === 'migrating' || state === 'decommissioning';
  });
  if (inFlight) return;
  for (const p of preconditions) {
    if (p.kind === 'workload') {
      const w = registry.workload(p.workload);
      if (!w) refuse(`was planned against ${p.workload} on ${p.host}, which is no longer in the registry`);
      else if (w.host !== p.host)
        refuse(`was planned against ${p.host}, but ${p.workload} is now on ${w.host}`);
      else if (w.state !== p.state)
        refuse(`was planned while ${p.workload} was ${p.state}, but it is now ${w.state}`);
    } else {
      const now = [...live.announcedBy(p.prefix, p.vrf)].sort();
      if (now.join(',') !== p.hosts.join(','))
        refuse(
          `was planned while ${p.prefix} was announced by ${hostList(p.hosts)}, ` +
            `but the fabric now shows it announced by ${hostList(now)}`,
        );
    }
  }
}

/**
 * Any kind's subject (a workload, `fip:ADDR`, a tenant…) that another plan is applying to — its lease
 * live — is refused naming that plan, before the live state it is changing is judged (which would
 * blame its effect: "now announced by hv2"). The kind's own check (refuseIfHeld) speaks first.
 */
export function refuseIfLeased(registry: Registry, plan: Plan): void {
  const lease = registry
    .leases()
    .find((l) => l.workload === plan.workload && l.planId !== plan.id && registry.leaseIsLive(l));
  if (!lease) return;
  const h = lease.holder;
  throw new WorkflowError(
    `${plan.workload} is being changed by plan ${lease.planId} (${h.operator}'s console, pid ${h.pid} on ${h.host}); ` +
      `refusing to apply; nothing was sent — once it has finished (routedeck audit --plan ${lease.planId}), plan again`,
  );
}
