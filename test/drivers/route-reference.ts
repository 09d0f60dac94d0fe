import { nexthopsOf } from '../../src/drivers/frr/route-entry.ts';
import type { Route } from '../../src/model/route.ts';

type Entry = Record<string, unknown> & { nexthops?: Record<string, unknown>[] };

/** Reference: split the output into its top-level JSON documents and JSON.parse each whole. */
export function referenceRoutes(text: string): Route[] {
  const docs: Record<string, unknown>[] = [];
  let rest = text.trim();
  while (rest) {
    // Documents are separated by a newline before `{` (≤ 9.1 `vrf all`); try each split point.
    let end = rest.length;
    for (let i = rest.indexOf('\n{'); ; i = rest.indexOf('\n{', i + 1)) {
      const candidate = i < 0 ? rest : rest.slice(0, i);
      try {
        docs.push(JSON.parse(candidate) as Record<string, unknown>);
        end = candidate.length;
        break;
      } catch {
        if (i < 0) throw new Error('reference parse failed');
      }
    }
    rest = rest.slice(end).trim();
  }
  const routes: Route[] = [];
  for (const doc of docs) {
    for (const [key, value] of Object.entries(doc)) {
      const keyed = !Array.isArray(value);
      const prefixes = keyed
        ? Object.entries(value as Record<string, Entry[]>)
        : [[key, value as Entry[]] as const];
      for (const [prefix, entries] of prefixes) {
        for (const e of entries) {
          routes.push({
            vrf: keyed ? key : ((e.vrfName as string | undefined) ?? 'default'),
            family: prefix.includes(':') ? 6 : 4,
            prefix,
            protocol: e.protocol as string,
            selected: e.selected === true,
            installed: e.installed === true,
            distance: (e.distance as number | undefined) ?? null,
            metric: (e.metric as number | undefined) ?? null,
            uptime: (e.uptime as string | undefined) ?? null,
            nexthops: nexthopsOf(e.nexthops),
          });
        }
      }
    }
  }
  return routes;
}
