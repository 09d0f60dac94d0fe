import { z } from 'zod';
import type { TenantSpec } from '../model/workload.ts';
import { cidrFamily, cidrText, cidrsOverlap, parseCidr } from '../addr/cidr.ts';
import { keyOf, parseRow, type Ctx } from './context.ts';
import { RegistryError } from './errors.ts';

/** A tenant's VRF when the spec names none: the global table. */
export const DEFAULT_VRF = 'default';

export interface TenantRecord {
  name: string;
  vrf: string;
  pools4: string[];
  pools6: string[];
}

const tenantRow = z.object({ name: z.string().min(1), vrf: z.string().min(1) });
const poolRow = z.object({
  tenant: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  cidr: z.string(),
});

export function tenantsApi(ctx: Ctx) {
  const { db } = ctx;
  const readPools = () =>
    (
      db.prepare('SELECT tenant, family, cidr FROM pools ORDER BY tenant, family, cidr').all() as unknown[]
    ).map((r) => parseRow(poolRow, r, 'pools', keyOf(r, 'cidr')));

  function tenants(): TenantRecord[] {
    const pools = readPools();
    return (db.prepare('SELECT name, vrf FROM tenants ORDER BY name').all() as unknown[]).map((r) => {
      const t = parseRow(tenantRow, r, 'tenants', keyOf(r, 'name'));
      const own = pools.filter((p) => p.tenant === t.name);
      return {
        ...t,
        pools4: own.filter((p) => p.family === 4).map((p) => p.cidr),
        pools6: own.filter((p) => p.family === 6).map((p) => p.cidr),
      };
    });
  }

  /** One tenant, read alone: every allocation asks (a fleet's first start, 100,000 of them). */
  function tenant(name: string): TenantRecord | undefined {
    const r = db.prepare('SELECT name, vrf FROM tenants WHERE name = ?').get(name);
    if (r === undefined) return undefined;
    const t = parseRow(tenantRow, r, 'tenants', keyOf(r, 'name'));
    const own = (
      db
        .prepare('SELECT tenant, family, cidr FROM pools WHERE tenant = ? ORDER BY family, cidr')
        .all(name) as unknown[]
    ).map((p) => parseRow(poolRow, p, 'pools', keyOf(p, 'cidr')));
    return {
      ...t,
      pools4: own.filter((p) => p.family === 4).map((p) => p.cidr),
      pools6: own.filter((p) => p.family === 6).map((p) => p.cidr),
    };
  }

  /**
   * Creates or replaces a tenant and its pools in one transaction. Pools are stored in canonical
   * text; a pool overlapping another tenant's pool in the same VRF is refused (overlap is only
   * legitimate across VRFs, where the routing tables are separate).
   */
  function upsertTenant(spec: TenantSpec): TenantRecord {
    if (!spec.name) throw new RegistryError('a tenant needs a name');
    const vrf = spec.vrf ?? DEFAULT_VRF;
    const parsed = [...spec.pools4, ...spec.pools6].map((text) => parseCidr(text));
    for (const [i, text] of spec.pools4.entries()) {
      if (cidrFamily(parsed[i]!) !== 4)
        throw new RegistryError(`tenant ${spec.name}: pools4 entry ${text} is not IPv4`);
    }
    for (const [i, text] of spec.pools6.entries()) {
      const cidr = parsed[spec.pools4.length + i]!;
      if (cidrFamily(cidr) !== 6)
        throw new RegistryError(`tenant ${spec.name}: pools6 entry ${text} is not IPv6`);
    }
    return ctx.tx(() => {
      const existing = tenant(spec.name);
      const used = db.prepare('SELECT COUNT(*) AS n FROM allocations WHERE tenant = ?').get(spec.name) as {
        n: number;
      };
      if (existing && existing.vrf !== vrf && used.n > 0) {
        // Allocations are keyed by VRF; moving the tenant would silently orphan them.
        throw new RegistryError(
          `tenant ${spec.name}: cannot move from VRF "${existing.vrf}" to "${vrf}" with ${used.n} allocations`,
        );
      }
      const others = tenants().filter((t) => t.vrf === vrf && t.name !== spec.name);
      for (const other of others) {
        for (const theirs of [...other.pools4, ...other.pools6]) {
          const clash = parsed.find((mine) => cidrsOverlap(mine, parseCidr(theirs)));
          if (clash) {
            throw new RegistryError(
              `tenant ${spec.name}: pool ${cidrText(clash)} overlaps ${theirs} of tenant ${other.name} in VRF "${vrf}"`,
            );
          }
        }
      }
      db.prepare(
        'INSERT INTO tenants (name, vrf) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET vrf = excluded.vrf',
      ).run(spec.name, vrf);
      db.prepare('DELETE FROM pools WHERE tenant = ?').run(spec.name);
      const insert = db.prepare(
        'INSERT INTO pools (tenant, family, cidr) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
      );
      for (const cidr of parsed) insert.run(spec.name, cidrFamily(cidr), cidrText(cidr));
      return tenant(spec.name)!;
    });
  }

  return { tenants, tenant, upsertTenant };
}
