/**
 * Which tenant's pool holds a prefix, on numbers parsed once (issue 16: the workload index asked ip-num
 * for every prefix × pool at every rebuild — string-based IPv6 parsing dominated its profile). ip-num
 * stays at the edges (inventory validation, IPAM); this is the hot path. Answers are cached per
 * (VRF, prefix) for the life of the tenant list.
 */
import { parseIpWords } from '../model/ip-words.ts';
import type { TenantSpec } from '../model/workload.ts';

interface Pool {
  tenant: string;
  vrf: string;
  family: 4 | 6;
  words: Uint32Array;
  length: number;
}

/** True when the first `length` bits of `a` and `b` (four big-endian words each) agree. */
function samePrefix(a: Uint32Array, b: Uint32Array, length: number): boolean {
  for (let i = 0, left = length; left > 0; i++, left -= 32) {
    const bits = Math.min(left, 32);
    const mask = bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if (((a[i]! ^ b[i]!) & mask) >>> 0 !== 0) return false;
  }
  return true;
}

export class PoolMatcher {
  private readonly pools: Pool[] = [];
  private readonly cache = new Map<string, string | null>();
  private readonly scratch = new Uint32Array(5);

  constructor(tenants: readonly TenantSpec[]) {
    for (const tenant of tenants) {
      for (const pool of [...tenant.pools4, ...tenant.pools6]) {
        const words = new Uint32Array(5);
        const family = parseIpWords(pool, words);
        // The inventory validated every pool; one that does not parse here can hold nothing.
        if (family === 0) continue;
        this.pools.push({
          tenant: tenant.name,
          vrf: tenant.vrf ?? 'default',
          family,
          words,
          length: words[4]!,
        });
      }
    }
  }

  /** The tenant whose pool holds `prefix` in `vrf` (any tenant's pool in the default VRF); null when none. */
  ownerOf(vrf: string, prefix: string): string | null {
    const key = `${vrf}|${prefix}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const q = this.scratch;
    q.fill(0);
    const family = parseIpWords(prefix, q);
    let owner: string | null = null;
    if (family !== 0) {
      for (const pool of this.pools) {
        if (pool.family !== family || pool.length > q[4]!) continue;
        if (vrf !== 'default' && pool.vrf !== vrf) continue;
        if (samePrefix(pool.words, q, pool.length)) {
          owner = pool.tenant;
          break;
        }
      }
    }
    this.cache.set(key, owner);
    return owner;
  }
}

const matchers = new WeakMap<readonly TenantSpec[], PoolMatcher>();

/** One matcher (and its cache) per tenant list: the store's list lives as long as the console. */
export function poolMatcher(tenants: readonly TenantSpec[]): PoolMatcher {
  let matcher = matchers.get(tenants);
  if (!matcher) {
    matcher = new PoolMatcher(tenants);
    matchers.set(tenants, matcher);
  }
  return matcher;
}
