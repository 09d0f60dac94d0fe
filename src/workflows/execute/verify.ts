import { readPrefixRoutes, type PrefixRoute } from '../../drivers/prefix-route.ts';
import type { VtyshSession } from '../../drivers/vtysh-session.ts';
import type { Verification } from '../../model/plan.ts';
import type { DeviceSnapshot } from '../../model/snapshot.ts';
import { nextHopOwners, type NextHopOwners } from '../../state/next-hop-owners.ts';
import type { AppStore } from '../../state/store.ts';
import type { RouterView } from '../../state/router-views.ts';
import { StepFailure, type ExecDeps } from './types.ts';
import { VerifySessions } from './verify-sessions.ts';

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
  /** The step's device: fast-polled with the hosts so the views catch up (verification does not wait for it). */
  device: string;
  deps: ExecDeps;
  now: () => number;
  /** Called once per (verification, router) the first time it holds. */
  onConverged(v: Verification, router: string, at: number): void;
  /** The plan's open vtysh sessions (absent: this step opens its own and closes them). */
  sessions?: VerifySessions;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Between questions on an open vtysh session: each costs the router well under a millisecond. */
const SESSION_POLL_MS = 10;

/**
 * Whether a router's own answer for the prefix satisfies a verification: absent for `withdrawn`; for
 * `announced-by`, its selected entry's first next hop leads to the host (the owners come from the
 * router's last snapshot: its BGP peers, which a migration does not change).
 */
export function answerSatisfies(
  v: Verification,
  routes: readonly PrefixRoute[],
  owners: NextHopOwners | null,
): boolean {
  if (v.expect === 'withdrawn') return routes.length === 0;
  const route = routes.find((r) => r.selected) ?? routes[0];
  const hop = route?.nexthops[0];
  return hop !== undefined && owners !== null && owners.resolve(hop) === v.host;
}

/**
 * Targeted verification: each (verification, router) asks that router for that prefix alone
 * (`show ip route vrf V P json`, drivers/prefix-route.ts) until it holds, on its own loop, so a slow
 * router never delays another's. The questions go to one vtysh per router kept open for the step
 * (drivers/vtysh-session.ts), every SESSION_POLL_MS: the moment recorded is within a few ms of the
 * router's switch; where no session opens, one exec per question every `verifyPollMs`. Full tables
 * are never fetched for it: at 100k routes one is ~75 MB and seconds of router CPU. Fails with a
 * StepFailure naming what is still missing (and the last error a router gave) once the longest
 * verification timeout is over.
 */
export async function verifyStep(verifications: readonly Verification[], ctx: VerifyContext): Promise<void> {
  if (verifications.length === 0) return;
  const { deps, now } = ctx;
  const intervalMs = deps.verifyPollMs ?? 50;
  const hosts = verifications.flatMap((v) => (v.host !== undefined ? [v.host] : []));
  const start = now();
  const timeoutMs = Math.max(...verifications.map((v) => v.timeoutMs));
  // The hosts' views follow at the fast rate (small tables); a router is polled once, when it switched:
  // a full poll of a router every 50 ms would cost what targeted verification saves.
  deps.poller.pollFast([...new Set([ctx.device, ...hosts])], intervalMs, timeoutMs);
  const ownersOf = ownersCache(deps.store);
  const sessions = ctx.sessions ?? new VerifySessions(deps);
  sessions.prewarm(verifications.flatMap((v) => v.routers));
  const checks = verifications.flatMap((v) => v.routers.map((router) => ({ v, router })));
  try {
    const missing = await Promise.all(
      checks.map(async ({ v, router }): Promise<string | null> => {
        let lastError: string | null = null;
        for (let round = 0; ; round++) {
          let satisfied = false;
          let session: VtyshSession | null = null;
          let answer: PrefixRoute[] = [];
          try {
            const spec = deps.store.getState().devices[router]?.spec;
            if (!spec) throw new Error(`${router} is not in the inventory`);
            session = await sessions.of(router);
            const routes = await readPrefixRoutes(deps.runnerFor(router), spec, v.vrf, v.prefix, session);
            satisfied = answerSatisfies(v, routes, ownersOf(router));
            answer = routes;
            lastError = null;
          } catch (error) {
            lastError = error instanceof Error ? error.message : String(error);
            // A session that failed is not asked again: the next rounds use exec.
            if (session) sessions.drop(router);
          }
          const at = now();
          // The router's answer is its table for that prefix now: the views show it at once (before the
          // timeline hears of it); the poll that follows confirms the rest of its table.
          if (satisfied) deps.store.getState().routeAnswered(router, v.vrf, v.prefix, answer, at);
          // The timeline needs the first answer and the switch, not every round in between.
          if (round === 0 || satisfied)
            deps.onEvent?.({
              type: 'verify-progress',
              step: ctx.step,
              router,
              prefix: v.prefix,
              vrf: v.vrf,
              satisfied,
              at,
            });
          if (satisfied) {
            ctx.onConverged(v, router, at);
            void deps.poller.pollNow([router]).catch(() => undefined);
            return null;
          }
          if (at - start >= v.timeoutMs)
            return `${router} ${describe(v)}${lastError ? ` (${lastError})` : ''}`;
          await sleep(session && lastError === null ? Math.min(intervalMs, SESSION_POLL_MS) : intervalMs);
        }
      }),
    );
    const failed = missing.filter((m): m is string => m !== null);
    if (failed.length > 0)
      throw new StepFailure(
        `verification timed out after ${now() - start} ms: not yet ${failed.join('; ')}`,
        false,
      );
  } finally {
    if (!ctx.sessions) sessions.close();
  }
}

/** Next-hop owners per router, rebuilt only when its snapshot changes. */
function ownersCache(store: AppStore): (router: string) => NextHopOwners | null {
  const cache = new Map<string, { snapshot: DeviceSnapshot; owners: NextHopOwners }>();
  return (router) => {
    const snapshot = store.getState().devices[router]?.snapshot ?? null;
    if (!snapshot) return null;
    const hit = cache.get(router);
    if (hit?.snapshot === snapshot) return hit.owners;
    const owners = nextHopOwners(snapshot);
    cache.set(router, { snapshot, owners });
    return owners;
  };
}

function describe(v: Verification): string {
  const where = v.vrf === 'default' ? v.prefix : `${v.prefix} (VRF ${v.vrf})`;
  return v.expect === 'withdrawn' ? `withdrawn ${where}` : `via ${v.host ?? '?'} for ${where}`;
}
