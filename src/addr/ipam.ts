/**
 * Next-free allocation inside a tenant pool (issue 6, item 2). Pure: the caller passes the pool,
 * the registry's allocations (`used`) and what the live fabric announces (`announced`); an address
 * announced anywhere is not free even when the registry forgot it.
 *
 * Pools are per VRF: the same 10.0.0.0/16 in two VRFs is two independent pools, so the caller
 * passes the used/announced sets of that VRF only.
 *
 * Cost is O(k log k) in the number k of entries inside the pool: entries become sorted intervals
 * and the first gap is found in one pass. The pool itself is never materialised.
 */
import { IPv4CidrRange, IPv6, IPv6CidrRange } from 'ip-num';
import { AddressError, canonicalIpv6, familyOf, parseCidr } from './cidr.ts';

export class PoolExhaustedError extends Error {
  constructor(readonly pool: string) {
    super(`pool ${pool} has no free address left (every candidate is allocated or announced)`);
    this.name = 'PoolExhaustedError';
  }
}

type Interval = [bigint, bigint];

/**
 * Dotted-quad parse by character codes: ip-num's validator (and even split + Number) dominate the
 * cost on 60k entries, which must stay well under 50 ms cold.
 */
function ipv4Number(text: string): number | null {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return null;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else return null;
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : null;
}

function ipv6Value(text: string): bigint | null {
  return familyOf(text) === 6 ? IPv6.fromString(text).getValue() : null;
}

/**
 * Turns entries (`a.b.c.d`, `a.b.c.d/32`, or any prefix) into intervals of `unitBits`-sized units
 * relative to `base`, clipped to [0, last]. Entries of the other family or outside the pool are ignored.
 */
function intervals(
  entries: Iterable<string>,
  family: 4 | 6,
  base: bigint,
  last: bigint,
  unitBits: number,
): Interval[] {
  const width = family === 4 ? 32 : 128;
  const out: Interval[] = [];
  for (const entry of entries) {
    // Family by shape, not by ip-num's validator: it is the slow part on 60k entries.
    if (entry.includes(':') !== (family === 6)) continue;
    const [addressText = '', lengthText] = entry.split('/');
    const length = lengthText === undefined ? width : Number(lengthText);
    const v4 = family === 4 ? ipv4Number(addressText) : null;
    const value = family === 4 ? (v4 === null ? null : BigInt(v4)) : ipv6Value(addressText);
    // A malformed entry must not be skipped silently: that could hand out an address in use.
    if (value === null || !Number.isInteger(length) || length < 0 || length > width) {
      throw new AddressError(`"${entry}" is not a valid IPv${family} address or prefix`);
    }
    // A prefix shorter than a unit covers several units; a longer one (or an address) covers one.
    // Host bits of the entry are masked off, as the kernel would.
    const shift = BigInt(Math.max(width - length, unitBits));
    const start = ((value >> shift) << (shift - BigInt(unitBits))) - base;
    const end = start + (1n << (shift - BigInt(unitBits))) - 1n;
    if (end < 0n || start > last) continue;
    out.push([start < 0n ? 0n : start, end > last ? last : end]);
  }
  return out;
}

/** The first unit in [first, last] not covered by any interval, or null. */
function firstGap(blocked: Interval[], first: bigint, last: bigint): bigint | null {
  blocked.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let candidate = first;
  for (const [start, end] of blocked) {
    if (start > candidate) break;
    if (end >= candidate) candidate = end + 1n;
  }
  return candidate <= last ? candidate : null;
}

/**
 * The next free /32 in an IPv4 pool, as a bare address.
 *
 * Every address of a routed /32 is usable on the wire (no shared subnet, so no broadcast domain),
 * but we still skip the pool's network and broadcast addresses: guests, firewalls and some
 * hypervisor tooling treat x.x.x.0 / x.x.x.255 of a "subnet-looking" pool specially, and the pool
 * may later be carved into real subnets. Pools of /31 and /32 have no such addresses (RFC 3021).
 */
export function nextFreeIpv4(pool: string, used: Set<string>, announced: Set<string>): string {
  const range = parseCidr(pool);
  if (!(range instanceof IPv4CidrRange)) throw new AddressError(`"${pool}" is not an IPv4 pool`);
  const base = Number(range.getFirst().getValue());
  const size = Number(range.getSize());
  const skipEnds = range.getPrefix().getValue() <= 30n;
  const last = size - 1 - (skipEnds ? 1 : 0);
  // Offsets fit a double (< 2^32), so the hot path avoids bigint: single addresses go in a Set of
  // numbers (the common case), shorter prefixes in a sorted range list walked with one pointer.
  const singles = new Set<number>();
  const ranges: [number, number][] = [];
  for (const set of [used, announced]) {
    for (const entry of set) {
      if (entry.includes(':')) continue;
      const slash = entry.indexOf('/');
      const value = ipv4Number(slash < 0 ? entry : entry.slice(0, slash));
      const length = slash < 0 ? 32 : Number(entry.slice(slash + 1));
      if (value === null || !Number.isInteger(length) || length < 0 || length > 32) {
        throw new AddressError(`"${entry}" is not a valid IPv4 address or prefix`);
      }
      const block = 2 ** (32 - length);
      const lo = Math.floor(value / block) * block - base;
      const hi = lo + block - 1;
      if (hi < 0 || lo > size - 1) continue;
      if (lo === hi) singles.add(lo);
      else ranges.push([lo, hi]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  let candidate = skipEnds ? 1 : 0;
  let next = 0;
  // Each iteration either returns or moves past one blocked entry: O(used) overall.
  while (candidate <= last) {
    if (singles.has(candidate)) {
      candidate++;
      continue;
    }
    let moved = false;
    while (next < ranges.length && (ranges[next]?.[0] ?? Infinity) <= candidate) {
      const end = ranges[next]?.[1] ?? -1;
      next++;
      if (end >= candidate) {
        candidate = end + 1;
        moved = true;
      }
    }
    if (!moved) {
      const v = base + candidate;
      return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join('.');
    }
  }
  throw new PoolExhaustedError(pool);
}

/**
 * The next free /64 inside an IPv6 pool (a /48 or /56 typically). Any address, /128 or /64 in
 * `used`/`announced` blocks the /64 it falls in; a shorter prefix blocks every /64 beneath it.
 */
export function nextFreeIpv6Prefix(pool: string, used: Set<string>, announced: Set<string>): string {
  const range = parseCidr(pool);
  if (!(range instanceof IPv6CidrRange)) throw new AddressError(`"${pool}" is not an IPv6 pool`);
  const length = Number(range.getPrefix().getValue());
  if (length > 64) throw new AddressError(`IPv6 pool ${pool} is longer than /64; it cannot hold a /64`);
  const base = range.getFirst().getValue() >> 64n;
  const last = (1n << BigInt(64 - length)) - 1n;
  const blocked = [...intervals(used, 6, base, last, 64), ...intervals(announced, 6, base, last, 64)];
  const offset = firstGap(blocked, 0n, last);
  if (offset === null) throw new PoolExhaustedError(pool);
  const network = IPv6.fromBigInt((base + offset) << 64n).toString();
  return `${canonicalIpv6(network)}/64`;
}
