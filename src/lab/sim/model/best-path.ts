/**
 * FRR's best-path selection, the steps that can differ in this fabric: locally originated first
 * (weight 32768), shorter AS path, MED (compared across neighbour ASes only with
 * `bgp always-compare-med`, as on the routers), the older of two eBGP paths, then the lower router
 * id. The reason strings are FRR's own (`selectionReason` in `show bgp … json`).
 */
import type { Path } from './bgp-types.ts';

export interface BestPathOptions {
  alwaysCompareMed: boolean;
}

function neighbourAs(p: Path): number | undefined {
  return p.asPath[0];
}

const routerIds = new Map<string, number>();

function routerIdValue(p: Path): number {
  const id = p.from?.remote.routerId ?? '0.0.0.0';
  let value = routerIds.get(id);
  if (value === undefined) {
    value = id.split('.').reduce((acc, x) => acc * 256 + Number(x), 0);
    routerIds.set(id, value);
  }
  return value;
}

/** Negative when `a` is better; with the reason that decided it. */
export function comparePaths(a: Path, b: Path, opts: BestPathOptions): { order: number; reason: string } {
  const aLocal = a.from === null;
  const bLocal = b.from === null;
  if (aLocal !== bLocal) return { order: aLocal ? -1 : 1, reason: 'Weight' };
  if (a.asPath.length !== b.asPath.length)
    return { order: a.asPath.length - b.asPath.length, reason: 'AS Path' };
  if (opts.alwaysCompareMed || neighbourAs(a) === neighbourAs(b)) {
    const am = a.med ?? 0;
    const bm = b.med ?? 0;
    if (am !== bm) return { order: am - bm, reason: 'MED' };
  }
  if (a.receivedAt !== b.receivedAt) return { order: a.receivedAt - b.receivedAt, reason: 'Older Path' };
  const ra = routerIdValue(a);
  const rb = routerIdValue(b);
  if (ra !== rb) return { order: ra - rb, reason: 'Router ID' };
  return { order: 0, reason: 'Neighbor IP' };
}

/** Paths FRR installs together with the best: same neighbour AS, AS-path length and MED. */
function multipathWith(best: Path, other: Path): boolean {
  return (
    other.from !== null &&
    best.from !== null &&
    neighbourAs(best) === neighbourAs(other) &&
    best.asPath.length === other.asPath.length &&
    (best.med ?? 0) === (other.med ?? 0)
  );
}

export function selectBest(
  paths: readonly Path[],
  opts: BestPathOptions,
): { best: Path | null; multipath: Path[]; reason: string } {
  if (paths.length === 0) return { best: null, multipath: [], reason: '' };
  let best = paths[0] as Path;
  for (const p of paths.slice(1)) if (comparePaths(p, best, opts).order < 0) best = p;
  // FRR prints the step that decided against the last contender; one runner-up is enough here.
  const runnerUp = paths.find((p) => p !== best);
  const reason = runnerUp ? comparePaths(best, runnerUp, opts).reason : 'First path received';
  const multipath = [best, ...paths.filter((p) => p !== best && multipathWith(best, p))];
  return { best, multipath, reason };
}
