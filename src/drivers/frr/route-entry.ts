import { z } from 'zod';
import type { CompactRouteTableBuilder } from '../../model/compact-route-builder.ts';
import type { Nexthop } from '../../model/route.ts';
import { describeIssues } from '../errors.ts';

// FRR prints boolean flags only when true (never `false`, except `offloaded`), and adds fields
// across versions (`prefixLen` 8.5+... in practice 8.4 too), so nearly everything is optional.
const FrrNexthopSchema = z.looseObject({
  ip: z.string().optional(),
  interfaceName: z.string().optional(),
  active: z.boolean().optional(),
  onLink: z.boolean().optional(),
  recursive: z.boolean().optional(),
  resolver: z.boolean().optional(),
});

export const FrrRouteEntrySchema = z.looseObject({
  prefix: z.string().optional(),
  prefixLen: z.number().optional(),
  protocol: z.string(),
  vrfName: z.string().optional(),
  selected: z.boolean().optional(),
  installed: z.boolean().optional(),
  distance: z.number().optional(),
  metric: z.number().optional(),
  uptime: z.string().optional(),
  nexthops: z.array(FrrNexthopSchema).optional(),
});

export const FrrRouteEntriesSchema = z.array(FrrRouteEntrySchema);
type FrrNexthop = z.infer<typeof FrrNexthopSchema>;
type FrrRouteEntry = z.infer<typeof FrrRouteEntrySchema>;

// The same constraints as the schemas above, as plain typeof checks. Measured on 100k FRR 8.4
// entries: zod safeParse costs 3–5 µs an entry, as much as JSON.parse itself, so full tables take
// this path and zod only runs to describe an entry this check rejected (test/drivers keeps the two
// in agreement).
const NEXTHOP_FIELDS: [string, string][] = [
  ['ip', 'string'],
  ['interfaceName', 'string'],
  ['active', 'boolean'],
  ['onLink', 'boolean'],
  ['recursive', 'boolean'],
  ['resolver', 'boolean'],
];
const ENTRY_FIELDS: [string, string][] = [
  ['prefix', 'string'],
  ['prefixLen', 'number'],
  ['vrfName', 'string'],
  ['selected', 'boolean'],
  ['installed', 'boolean'],
  ['distance', 'number'],
  ['metric', 'number'],
  ['uptime', 'string'],
];

function hasFields(o: unknown, fields: [string, string][]): o is Record<string, unknown> {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  const r = o as Record<string, unknown>;
  for (const [key, type] of fields) {
    const v = r[key];
    if (v !== undefined && typeof v !== type) return false;
  }
  return true;
}

/** True when `entries` would pass `FrrRouteEntriesSchema` (without zod’s cost). */
export function isFrrRouteEntries(entries: unknown): entries is FrrRouteEntry[] {
  if (!Array.isArray(entries)) return false;
  for (const e of entries) {
    if (!hasFields(e, ENTRY_FIELDS) || typeof e.protocol !== 'string') return false;
    const nhs = e.nexthops;
    if (nhs === undefined) continue;
    if (!Array.isArray(nhs)) return false;
    for (const nh of nhs) if (!hasFields(nh, NEXTHOP_FIELDS)) return false;
  }
  return true;
}

/**
 * FRR lists a recursive nexthop followed by the nexthops that resolve it (`resolver: true`) in one
 * flat array. The model keeps the configured nexthops; a recursive one borrows the interface of its
 * first resolver so the console can still say where the traffic leaves.
 */
export function nexthopsOf(raw: readonly FrrNexthop[] | undefined): Nexthop[] {
  const out: Nexthop[] = [];
  let parent: Nexthop | undefined;
  for (const nh of raw ?? []) {
    if (nh.resolver) {
      if (parent && parent.interface === undefined && nh.interfaceName !== undefined) {
        parent.interface = nh.interfaceName;
      }
      continue;
    }
    const mapped: Nexthop = { active: nh.active === true };
    if (nh.ip !== undefined) mapped.ip = nh.ip;
    if (nh.interfaceName !== undefined) mapped.interface = nh.interfaceName;
    if (nh.onLink) mapped.onLink = true;
    parent = nh.recursive ? mapped : undefined;
    out.push(mapped);
  }
  return out;
}

/** An entry of another VRF than the command asked for: it must never stand beside that VRF's rows. */
export function otherVrf(prefix: string, found: string, asked: string): string {
  return `route entry for "${prefix}" is in VRF "${found}", not "${asked}" the command asked for`;
}

/**
 * Validates one prefix's entry array and adds its routes. `prefix` is the object key FRR printed;
 * `vrf` is the VRF when the output was keyed by VRF, else each entry's own `vrfName` is used.
 * `only`: the one VRF and family the command asked for (a route of another is an error: it would
 * stand in the table beside the same VRF's rows kept from an earlier read). Returns an error text, or null.
 */
export function addRouteEntries(
  builder: CompactRouteTableBuilder,
  prefix: string,
  entries: unknown,
  vrf: string | undefined,
  defaultVrf: string,
  only?: { vrf: string; family: 4 | 6 },
): string | null {
  if (!isFrrRouteEntries(entries)) {
    const parsed = FrrRouteEntriesSchema.safeParse(entries);
    return `route entry for "${prefix}": ${parsed.success ? 'rejected' : describeIssues(parsed.error.issues)}`;
  }
  if (only && prefix.includes(':') !== (only.family === 6))
    return `route "${prefix}" is not IPv${only.family}, which the command asked for`;
  for (const e of entries) {
    const entryVrf = vrf ?? e.vrfName ?? defaultVrf;
    if (only && entryVrf !== only.vrf) return otherVrf(prefix, entryVrf, only.vrf);
    try {
      builder.addParsed(
        entryVrf,
        prefix,
        e.protocol,
        e.selected === true,
        e.installed === true,
        e.distance ?? null,
        e.metric ?? null,
        e.uptime ?? null,
        nexthopsOf(e.nexthops),
      );
    } catch (err) {
      return `route entry for "${prefix}": ${(err as Error).message}`;
    }
  }
  return null;
}
