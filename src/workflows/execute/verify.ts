import type { Verification } from '../../model/plan.ts';
import type { AppStore } from '../../state/store.ts';
import type { RouterView } from '../../state/workload-index.ts';
import { StepFailure, type ExecDeps } from './types.ts';

/** Whether one router currently satisfies a verification, according to the store. */
export function routerSatisfies(store: AppStore, v: Verification, router: string): boolean {
  const state = store.getState();
  if (v.expect === 'withdrawn') {
    // Read the router's own table: the workload index drops a prefix once no host announces it,
    // which says nothing about whether the routers have withdrawn it yet.
    const snapshot = state.devices[router]?.snapshot;
    if (!snapshot) return false;
    const route = snapshot.routes.lookup(v.prefix.split('/')[0] ?? '', v.vrf);
    return route === undefined || route.prefix !== v.prefix;
  }
  const entry = state.workloads.find((w) => w.vrf === v.vrf && w.prefix === v.prefix);
  const views: RouterView[] = entry ? entry.seenBy.filter((view) => view.router === router) : [];
  const view = views.find((candidate) => candidate.selected) ?? views[0];
  return view !== undefined && view.nexthops[0]?.viaHost === v.host;
}

export interface VerifyContext {
  step: string;
  /** The step's device: polled with the routers (the store only knows prefixes a hypervisor announces). */
  device: string;
  deps: ExecDeps;
  now: () => number;
  /** Called once per (verification, router) the first time it holds. */
  onConverged(v: Verification, router: string, at: number): void;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls the verifications' routers (and the hosts involved) fast until every verification holds on the store, or fails
 * with a StepFailure naming what is still missing once the longest verification timeout is over.
 */
export async function verifyStep(verifications: readonly Verification[], ctx: VerifyContext): Promise<void> {
  if (verifications.length === 0) return;
  const { deps, now } = ctx;
  const intervalMs = deps.verifyPollMs ?? 50;
  const routers = [...new Set(verifications.flatMap((v) => v.routers))];
  const hosts = verifications.flatMap((v) => (v.host !== undefined ? [v.host] : []));
  const polled = [...new Set([...routers, ctx.device, ...hosts])];
  const start = now();
  const timeoutMs = Math.max(...verifications.map((v) => v.timeoutMs));
  const seen = new Set<string>();
  const key = (i: number, router: string): string => `${i}|${router}`;
  deps.poller.pollFast(polled, intervalMs, timeoutMs);
  for (;;) {
    await deps.poller.pollNow(polled);
    const at = now();
    const missing: string[] = [];
    let overdue = false;
    verifications.forEach((v, i) => {
      for (const router of v.routers) {
        const satisfied = routerSatisfies(deps.store, v, router);
        deps.onEvent?.({
          type: 'verify-progress',
          step: ctx.step,
          router,
          prefix: v.prefix,
          vrf: v.vrf,
          satisfied,
          at,
        });
        if (satisfied && !seen.has(key(i, router))) {
          seen.add(key(i, router));
          ctx.onConverged(v, router, at);
        }
        if (!satisfied) {
          missing.push(`${router} ${describe(v)}`);
          if (at - start >= v.timeoutMs) overdue = true;
        }
      }
    });
    if (missing.length === 0) return;
    if (overdue) {
      throw new StepFailure(
        `verification timed out after ${at - start} ms: not yet ${missing.join('; ')}`,
        false,
      );
    }
    await sleep(intervalMs);
  }
}

function describe(v: Verification): string {
  const where = v.vrf === 'default' ? v.prefix : `${v.prefix} (VRF ${v.vrf})`;
  return v.expect === 'withdrawn' ? `withdrawn ${where}` : `via ${v.host ?? '?'} for ${where}`;
}
