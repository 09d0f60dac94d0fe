/**
 * The lab's tenants and workloads. `acme` lives in the default VRF with documentation space;
 * every other tenant gets a VRF (tables 100, 101, …) and the SAME private space, on purpose: the
 * console must keep overlapping tenants apart by VRF.
 */
import type { TenantSpec } from '../../../model/workload.ts';
import type { SimWorkload } from '../types.ts';
import { addOffset, parseCidr, type Prefix } from './addr.ts';
import type { Prng } from './prng.ts';

const VRF_TENANTS = ['blue', 'red', 'green', 'amber', 'violet', 'teal', 'coral', 'olive', 'slate', 'ivory'];
export const FIRST_VRF_TABLE = 100;
const PRIVATE4 = '10.0.0.0/16';
const PRIVATE6 = 'fd00:10::/48';
/** acme's documentation /24 holds 245 workloads; past that it also gets benchmarking space (RFC 2544). */
const ACME_MORE4 = '198.19.0.0/16';
/** Workloads start at offset 10 of a pool and stop before its last address. */
const FIRST_OFFSET = 10;

export interface TenantPlan extends TenantSpec {
  /** Routing table of the tenant's VRF (undefined for the default VRF). */
  table?: number;
}

/** `workloads` sizes the pools: acme gets a second IPv4 pool only when its share outgrows the first. */
export function planTenants(count: number, workloads = 0): TenantPlan[] {
  const out: TenantPlan[] = [];
  const acmeShare = count >= 1 ? Math.ceil(workloads / count) : 0;
  const acme4 = ['198.51.100.0/24', ...(acmeShare > capacity(pool('198.51.100.0/24')) ? [ACME_MORE4] : [])];
  if (count >= 1) out.push({ name: 'acme', pools4: acme4, pools6: ['2001:db8:a::/48'] });
  for (let i = 0; i < count - 1; i++) {
    const name = VRF_TENANTS[i] ?? `t${i + 2}`;
    out.push({ name, vrf: name, table: FIRST_VRF_TABLE + i, pools4: [PRIVATE4], pools6: [PRIVATE6] });
  }
  return out;
}

const parsedPools = new Map<string, Prefix>();

function pool(text: string | undefined): Prefix {
  const known = text === undefined ? undefined : parsedPools.get(text);
  if (known) return known;
  const p = text === undefined ? null : parseCidr(text);
  if (!p || text === undefined) throw new Error(`bad tenant pool ${String(text)}`);
  parsedPools.set(text, p);
  return p;
}

function capacity(p: Prefix): number {
  return 2 ** (32 - p.length) - 1 - FIRST_OFFSET;
}

/** The n-th IPv4 host of a tenant: its pools in order, each from offset 10. */
function hostAddress(pools: readonly string[], n: number): Prefix {
  let rest = n;
  for (const text of pools) {
    const p = pool(text);
    if (rest < capacity(p)) return addOffset(p, BigInt(FIRST_OFFSET + rest), 32);
    rest -= capacity(p);
  }
  throw new Error(`tenant pools ${pools.join(', ')} hold no workload number ${n + 1}`);
}

/**
 * Workload k goes to tenant k mod T, so tenants fill evenly; within a tenant the n-th workload gets
 * pool address .10+n and IPv6 subnet :10+n, so blue's and red's first workloads share 10.0.0.10.
 * Hosts are drawn from the seeded PRNG.
 */
/** A planned workload with its two prefixes already parsed (the build installs them as they are). */
export interface PlannedWorkload {
  record: SimWorkload;
  v4: Prefix;
  v6: Prefix;
}

export function planWorkloads(
  count: number,
  tenants: readonly TenantPlan[],
  hosts: readonly string[],
  prng: Prng,
): PlannedWorkload[] {
  const perTenant = new Map<string, number>();
  const out: PlannedWorkload[] = [];
  if (tenants.length === 0 || hosts.length === 0) return out;
  for (let k = 0; k < count; k++) {
    const tenant = tenants[k % tenants.length] as TenantPlan;
    const n = perTenant.get(tenant.name) ?? 0;
    perTenant.set(tenant.name, n + 1);
    const v4 = hostAddress(tenant.pools4, n);
    const v6 = addOffset(pool(tenant.pools6[0]), BigInt(0x10 + n) << 64n, 64);
    out.push({
      record: {
        name: `${tenant.name}-vm${n + 1}`,
        tenant: tenant.name,
        vrf: tenant.vrf ?? 'default',
        host: prng.pick(hosts),
        // IFNAMSIZ: 'tap-' + at most 6 + '-' + the index stays within 15 characters.
        tap: `tap-${tenant.name.slice(0, 6)}-${n + 1}`,
        ipv4: v4.text.split('/')[0] ?? '',
        ipv6Prefix: v6.text,
      },
      v4,
      v6,
    });
  }
  return out;
}
