import { z } from 'zod';
import type { VrfInfo } from '../../model/interface.ts';
import { describeIssues, ParseError } from '../errors.ts';

// showConfig renders a leaf with one value as a string and with several as a list.
const OneOrMany = z.union([z.string(), z.array(z.string())]);
const RouteTarget = z.looseObject({
  import: OneOrMany.optional(),
  export: OneOrMany.optional(),
  both: OneOrMany.optional(),
});

// ipv4-/ipv6-unicast: `rd vpn export X`, `route-target vpn import|export|both "A B"`;
// l2vpn-evpn: `rd X`, `route-target import|export|both "A B"` (vyos-1x include/bgp/afi-*.xml.i).
const AddressFamilySchema = z.looseObject({
  rd: z
    .union([z.string(), z.looseObject({ vpn: z.looseObject({ export: z.string().optional() }).optional() })])
    .optional(),
  'route-target': RouteTarget.extend({ vpn: RouteTarget.optional() }).optional(),
});

const VrfNodeSchema = z.looseObject({
  table: z.union([z.string(), z.number()]).optional(),
  vni: z.union([z.string(), z.number()]).optional(),
  protocols: z
    .looseObject({
      bgp: z
        .looseObject({ 'address-family': z.record(z.string(), AddressFamilySchema).optional() })
        .optional(),
    })
    .optional(),
});

const VrfConfigSchema = z.looseObject({ name: z.record(z.string(), VrfNodeSchema).optional() });

function list(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean);
}

function num(v: string | number | undefined): number | null {
  const n = Number(v);
  return v === undefined || !Number.isInteger(n) ? null : n;
}

/**
 * `showConfig(['vrf'])` → VRFs (VyOS 1.4+: `vrf name X table N`, `vni N`, and the RD and route
 * targets of `vrf name X protocols bgp address-family …`). `null`/`undefined` (what the API client
 * makes of the 400 "Configuration under specified path is empty") means no VRFs.
 */
export function vrfsFromVyosConfig(config: unknown): VrfInfo[] {
  if (config === null || config === undefined) return [];
  const parsed = VrfConfigSchema.safeParse(config);
  if (!parsed.success)
    throw new ParseError(`unexpected VyOS vrf config: ${describeIssues(parsed.error.issues)}`);
  return Object.entries(parsed.data.name ?? {}).map(([name, node]) => {
    const families = Object.values(node.protocols?.bgp?.['address-family'] ?? {});
    const rds = families.map((f) => (typeof f.rd === 'string' ? f.rd : f.rd?.vpn?.export));
    const rd = rds.find((x) => x !== undefined) ?? null;
    const targets = families.flatMap((f) => [f['route-target'] ?? {}, f['route-target']?.vpn ?? {}]);
    const unique = (xs: string[]): string[] => [...new Set(xs)];
    const vrf: VrfInfo = { name, table: num(node.table), vni: num(node.vni), rd };
    vrf.routeTargetsImport = unique(targets.flatMap((t) => [...list(t.import), ...list(t.both)]));
    vrf.routeTargetsExport = unique(targets.flatMap((t) => [...list(t.export), ...list(t.both)]));
    return vrf;
  });
}
