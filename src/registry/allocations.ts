import { z } from 'zod';
import type { Family } from '../model/route.ts';
import { canonicalIpv6, cidrContains, familyOf, parseCidr } from '../addr/cidr.ts';
import { maskWord, parseIpWords } from '../model/ip-words.ts';
import { keyOf, parseRow, type Ctx } from './context.ts';
import { AllocationConflictError, RegistryError, UnknownTenantError } from './errors.ts';
import type { TenantRecord } from './tenants.ts';

export interface Allocation {
  vrf: string;
  /** Canonical CIDR text: `/32` or `/128` is added to a bare address; IPv6 is RFC 5952. */
  address: string;
  family: Family;
  tenant: string;
  workload: string;
  allocatedAt: Date;
}

const row = z.object({
  vrf: z.string().min(1),
  address: z.string().min(1),
  family: z.union([z.literal(4), z.literal(6)]),
  tenant: z.string().min(1),
  workload: z.string().min(1),
  allocated_at: z.number().int(),
});

/**
 * One spelling per address, so the (vrf, address) key cannot be dodged by writing
 * `2001:db8::1` as `2001:0db8:0::1`, or `10.0.0.5` as `10.0.0.5/32`.
 *
 * Addresses read from devices (a fleet's first start records 100,000 of them) are parsed into words
 * here, not through ip-num (~5 µs of string-based parsing each, a third of recording a workload);
 * anything the words do not plainly accept — host bits, an IPv4 tail in IPv6, a length written
 * `/032` — goes through parseCidr, which refuses it with its own message.
 */
export function canonicalAddress(text: string): { address: string; family: Family } {
  return quickCanonical(text) ?? checkedCanonical(text);
}

const WORDS = new Uint32Array(5);

function quickCanonical(text: string): { address: string; family: Family } | null {
  if (typeof text !== 'string') return null;
  const family = parseIpWords(text, WORDS);
  if (family === 0) return null;
  const slash = text.indexOf('/');
  const ip = slash < 0 ? text : text.slice(0, slash);
  if (slash >= 0 && String(WORDS[4]) !== text.slice(slash + 1)) return null;
  if (family === 6 && ip.includes('.')) return null;
  const len = WORDS[4]!;
  if (!isNetwork(WORDS, family)) return null;
  return family === 4
    ? { address: `${ip}/${len}`, family }
    : { address: `${canonicalIpv6(ip)}/${len}`, family };
}

/** No bit set past the length (`words` as parseIpWords fills them: the address, then the length). */
function isNetwork(words: Uint32Array, family: 4 | 6): boolean {
  for (let w = 0; w < (family === 4 ? 1 : 4); w++)
    if ((words[w]! & ~maskWord(words[4]!, w)) !== 0) return false;
  return true;
}

function checkedCanonical(text: string): { address: string; family: Family } {
  const family = familyOf(text);
  const [ip = '', len] = text.split('/');
  if (family === null || (len !== undefined && !/^\d{1,3}$/.test(len))) {
    throw new RegistryError(`"${text}" is not an IPv4 or IPv6 address or prefix`);
  }
  if (family === 4) {
    const address = `${ip}/${len ?? 32}`;
    parseCidr(address);
    return { address, family };
  }
  const address = `${canonicalIpv6(ip)}/${len ?? 128}`;
  parseCidr(address);
  return { address, family };
}

/** A pool as its family, words and length, parsed once: tenants have a few pools, and every allocation asks. */
const poolWords = new Map<string, { family: 4 | 6; words: Uint32Array } | null>();

function wordsOfPool(pool: string): { family: 4 | 6; words: Uint32Array } | null {
  let p = poolWords.get(pool);
  if (p === undefined) {
    const words = new Uint32Array(5);
    const family = parseIpWords(pool, words);
    // Host bits (never in a pool a tenant was written with): parseCidr says so, as it did.
    p = family !== 0 && isNetwork(words, family) ? { family, words } : null;
    if (poolWords.size > 10_000) poolWords.clear();
    poolWords.set(pool, p);
  }
  return p;
}

/**
 * Whether the canonical `address` (as canonicalAddress gives it) lies within `pool`; the same answer as
 * ip-num's containment, from words (a pool the words do not read is asked of ip-num, as before).
 */
export function poolContains(pool: string, address: string): boolean {
  const p = wordsOfPool(pool);
  const family = parseIpWords(address, WORDS);
  if (p === null || family === 0) return cidrContains(parseCidr(pool), address);
  const len = p.words[4]!;
  if (family !== p.family || WORDS[4]! < len) return false;
  for (let w = 0; w < (family === 4 ? 1 : 4); w++) {
    const mask = maskWord(len, w);
    if ((WORDS[w]! & mask) >>> 0 !== (p.words[w]! & mask) >>> 0) return false;
  }
  return true;
}

export function allocationsApi(ctx: Ctx, tenantOf: (name: string) => TenantRecord | undefined) {
  const { db } = ctx;
  const toAllocation = (r: unknown): Allocation => {
    const v = parseRow(row, r, 'allocations', keyOf(r, 'address'));
    return {
      vrf: v.vrf,
      address: v.address,
      family: v.family,
      tenant: v.tenant,
      workload: v.workload,
      allocatedAt: new Date(v.allocated_at),
    };
  };

  /**
   * Records that `workload` owns `address` in the tenant's VRF. The address must lie in one of the
   * tenant's pools of that family. Call it inside `registry.transaction` together with the
   * next-free pick, so the pick and the write happen under one write lock.
   */
  function allocate(tenantName: string, family: Family, address: string, workload: string): Allocation {
    return ctx.tx(() => {
      const tenant = tenantOf(tenantName);
      if (!tenant) throw new UnknownTenantError(tenantName);
      const canon = canonicalAddress(address);
      if (canon.family !== family) throw new RegistryError(`${address} is not an IPv${family} address`);
      const pools = family === 4 ? tenant.pools4 : tenant.pools6;
      if (!pools.some((p) => poolContains(p, canon.address))) {
        throw new RegistryError(
          `${canon.address} is outside tenant ${tenant.name}'s IPv${family} pools (${pools.join(', ') || 'none'})`,
        );
      }
      const held = db
        .prepare('SELECT * FROM allocations WHERE vrf = ? AND address = ?')
        .get(tenant.vrf, canon.address);
      if (held !== undefined) {
        const h = toAllocation(held);
        throw new AllocationConflictError(tenant.vrf, canon.address, {
          tenant: h.tenant,
          workload: h.workload,
        });
      }
      const at = ctx.now();
      db.prepare(
        'INSERT INTO allocations (vrf, address, family, tenant, workload, allocated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(tenant.vrf, canon.address, family, tenant.name, workload, at);
      return { ...canon, vrf: tenant.vrf, tenant: tenant.name, workload, allocatedAt: new Date(at) };
    });
  }

  /** Frees every address the workload holds; returns what was freed. */
  function release(workload: string): Allocation[] {
    return ctx.tx(() => {
      const freed = (
        db.prepare('SELECT * FROM allocations WHERE workload = ?').all(workload) as unknown[]
      ).map(toAllocation);
      db.prepare('DELETE FROM allocations WHERE workload = ?').run(workload);
      return freed;
    });
  }

  /** Allocations of one tenant or of one VRF (all tenants in it), in address order. */
  function allocated(scope: { tenant: string } | { vrf: string }): Allocation[] {
    const rows =
      'tenant' in scope
        ? db.prepare('SELECT * FROM allocations WHERE tenant = ? ORDER BY family, address').all(scope.tenant)
        : db.prepare('SELECT * FROM allocations WHERE vrf = ? ORDER BY family, address').all(scope.vrf);
    return (rows as unknown[]).map(toAllocation);
  }

  return { allocate, release, allocated };
}
