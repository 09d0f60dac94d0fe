import type { Announcer } from '../../src/state/workload-index.ts';

/** `hv2/tap-x`; an announcer known only from the routers says why: `hv3/? (host unreachable)`. */
export function announcerText(a: Announcer): string {
  return a.interface === null
    ? `${a.host}/? (${a.hostProblem ?? 'host not read'})`
    : `${a.host}/${a.interface}`;
}
