import { z } from 'zod';
import type { Family } from '../../model/route.ts';
import { parseJsonChecked, shape } from '../json.ts';

// An IPv4 route with an IPv6 next hop (RFC 8950, what unnumbered BGP installs) has `via` instead of `gateway`.
const Via = z.looseObject({ family: z.string().optional(), host: z.string() });

const IpRouteSchema = z.looseObject({
  type: z.string().optional(),
  dst: z.string(),
  gateway: z.string().optional(),
  via: Via.optional(),
  dev: z.string().optional(),
  protocol: z.string().optional(),
  scope: z.string().optional(),
  metric: z.number().optional(),
  table: z.union([z.string(), z.number()]).optional(),
  pref: z.string().optional(),
  nexthops: z
    .array(z.looseObject({ gateway: z.string().optional(), via: Via.optional(), dev: z.string().optional() }))
    .optional(),
});

export const IpRoutesSchema = z.array(IpRouteSchema);

const opt = shape.optional;
const isVia = shape.object({ family: opt(shape.string), host: shape.string });
/** What IpRoutesSchema says, as plain checks (the hot path; zod describes what these refuse). */
export const isIpRoutes = shape.array(
  shape.object({
    type: opt(shape.string),
    dst: shape.string,
    gateway: opt(shape.string),
    via: opt(isVia),
    dev: opt(shape.string),
    protocol: opt(shape.string),
    scope: opt(shape.string),
    metric: opt(shape.number),
    table: opt(shape.either(shape.string, shape.number)),
    pref: opt(shape.string),
    nexthops: opt(
      shape.array(shape.object({ gateway: opt(shape.string), via: opt(isVia), dev: opt(shape.string) })),
    ),
  }),
);

/** One kernel route as iproute2 reports it, with the defaults iproute2 leaves unsaid filled in. */
export interface IpRoute {
  family: Family;
  /** CIDR; iproute2 prints host routes without a length and `default` for the zero prefix. */
  dst: string;
  prefixLength: number;
  type: string;
  table: string;
  protocol: string;
  dev?: string;
  gateway?: string;
  metric: number | null;
  /** Number of nexthops (ECMP routes list them instead of `dev`). */
  paths: number;
}

/**
 * `ip -j -4 route show table all type unicast` and `ip -j -6 …` (what the driver asks a host), or any
 * `ip -j route` listing (with `table all` and no family iproute2 lists both). `family` says what a bare
 * `default` is when the route carries no other clue.
 */
export function parseIpJsonRoutes(text: string, family?: Family): IpRoute[] {
  return parseJsonChecked(IpRoutesSchema, isIpRoutes, text, 'ip route listing').map((r) => {
    // A bare `default` is IPv6 when it has the v6-only `pref`, or an IPv6 gateway and no `via` (RFC 8950).
    const v6 = r.dst.includes(':') || r.pref !== undefined || (r.gateway?.includes(':') === true && !r.via);
    const fam: Family = r.dst === 'default' ? (v6 ? 6 : (family ?? 4)) : r.dst.includes(':') ? 6 : 4;
    const max = fam === 4 ? 32 : 128;
    const [addr, len] = r.dst === 'default' ? [fam === 4 ? '0.0.0.0' : '::', '0'] : r.dst.split('/');
    const route: IpRoute = {
      family: fam,
      dst: `${addr}/${len ?? max}`,
      prefixLength: len === undefined ? max : Number(len),
      type: r.type ?? 'unicast',
      // The main table (254) is the one iproute2 does not name.
      table: r.table === undefined ? 'main' : String(r.table),
      // iproute2 prints no protocol for `boot`, the default of `ip route add`.
      protocol: r.protocol ?? 'boot',
      metric: r.metric ?? null,
      paths: r.nexthops?.length ?? 1,
      // In the literal, not added after (see toInterface): hosts hold ~150 of these each.
      dev: r.dev,
      gateway: r.gateway ?? r.via?.host,
    };
    return route;
  });
}

/** The same route listed twice (both commands report IPv6 under `table all`) is kept once. */
export function dedupeIpRoutes(routes: readonly IpRoute[]): IpRoute[] {
  const seen = new Set<string>();
  return routes.filter((r) => {
    const key = [r.family, r.table, r.type, r.dst, r.dev, r.gateway, r.metric, r.protocol].join('|');
    return seen.has(key) ? false : (seen.add(key), true);
  });
}
