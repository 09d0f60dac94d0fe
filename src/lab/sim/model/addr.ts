/**
 * Small, allocation-light IP helpers for the simulator. The shell must answer in well under a
 * millisecond, so these avoid ip-num and parse by hand; they also report the exact text iproute2
 * and vtysh print (RFC 5952 IPv6, host routes without a length in `ip -j route`).
 */
import type { Family } from '../../../model/route.ts';

export interface Prefix {
  family: Family;
  /** The network address as a number (BigInt for IPv6, so both families share one type). */
  value: bigint;
  length: number;
  /** Canonical CIDR text: `10.0.0.5/32`, `2001:db8:a:10::/64`. */
  text: string;
}

const V4_MAX = 32;
const V6_MAX = 128;

export function parseIpv4(text: string): bigint | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = (v << 8n) | BigInt(n);
  }
  return v;
}

export function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.split('::').length > 2) return null;
  const [head = '', tail] = text.split('::');
  const words = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const w of s.split(':')) {
      if (w.includes('.')) {
        const v4 = parseIpv4(w);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(w)) out.push(parseInt(w, 16));
      else return null;
    }
    return out;
  };
  const h = words(head);
  const t = tail === undefined ? [] : words(tail);
  if (!h || !t) return null;
  const fill = 8 - h.length - t.length;
  if ((tail === undefined && fill !== 0) || (tail !== undefined && fill < 1)) return null;
  let v = 0n;
  for (const w of [...h, ...Array<number>(tail === undefined ? 0 : fill).fill(0), ...t])
    v = (v << 16n) | BigInt(w);
  return v;
}

export function formatIpv4(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((v >> s) & 0xffn)).join('.');
}

/** RFC 5952: lowercase, longest run (≥ 2) of zero words compressed, first run on a tie. */
export function formatIpv6(v: bigint): string {
  const w: number[] = [];
  for (let i = 7; i >= 0; i--) w.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (w[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && w[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = w.map((x) => x.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

export function parseAddress(text: string): { family: Family; value: bigint } | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = text.includes(':') ? parseIpv6(text) : null;
  return v6 === null ? null : { family: 6, value: v6 };
}

export function formatAddress(family: Family, v: bigint): string {
  return family === 4 ? formatIpv4(v) : formatIpv6(v);
}

function mask(family: Family, length: number): bigint {
  const bits = family === 4 ? V4_MAX : V6_MAX;
  return ((1n << BigInt(length)) - 1n) << BigInt(bits - length);
}

export interface ParsedCidr extends Prefix {
  /** The address as written, before masking (for `ip addr add 10.0.0.1/24`). */
  address: bigint;
}

/**
 * Parsed prefixes by text, frozen and shared: the lab renders every host's kernel tables from its links'
 * addresses, and a thousand hosts' TAPs carry the same few (169.254.0.1, fe80::1/64, ff00::/8) — parsed
 * through BigInt at each listing, they were most of a starting fleet lab's route rendering.
 */
const parsedCidrs = new Map<string, ParsedCidr | null>();
const PARSED_CIDRS_MAX = 100_000;

/** `A/L` or a bare address (a host prefix); `strict` refuses host bits like FRR's `ip route`. */
export function parseCidr(text: string, family?: Family): ParsedCidr | null {
  let parsed = parsedCidrs.get(text);
  if (parsed === undefined) {
    if (parsedCidrs.size >= PARSED_CIDRS_MAX) parsedCidrs.clear();
    parsed = parseCidrText(text);
    parsedCidrs.set(text, parsed && Object.freeze(parsed));
  }
  return parsed && (family === undefined || parsed.family === family) ? parsed : null;
}

function parseCidrText(text: string): ParsedCidr | null {
  const [addr = '', len, extra] = text.split('/');
  if (extra !== undefined) return null;
  const a = parseAddress(addr);
  if (!a) return null;
  const max = a.family === 4 ? V4_MAX : V6_MAX;
  if (len !== undefined && !/^\d{1,3}$/.test(len)) return null;
  const length = len === undefined ? max : Number(len);
  if (length > max) return null;
  const value = a.value & mask(a.family, length);
  return {
    family: a.family,
    value,
    length,
    address: a.value,
    text: `${formatAddress(a.family, value)}/${length}`,
  };
}

export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  return (
    outer.family === inner.family &&
    inner.length >= outer.length &&
    (inner.value & mask(outer.family, outer.length)) === outer.value
  );
}

/** zebra's route-table order: by address, then shorter prefix first (a trie walked in order). */
export function comparePrefix(a: Prefix, b: Prefix): number {
  if (a.value !== b.value) return a.value < b.value ? -1 : 1;
  return a.length - b.length;
}

export function addOffset(p: Prefix, offset: bigint, length: number): Prefix {
  const value = (p.value + offset) & mask(p.family, length);
  return { family: p.family, value, length, text: `${formatAddress(p.family, value)}/${length}` };
}

/** How iproute2 prints a route destination: host routes bare, `default` for the zero prefix. */
export function ipRouteDst(p: Prefix): string {
  if (p.length === 0) return 'default';
  const max = p.family === 4 ? V4_MAX : V6_MAX;
  return p.length === max ? formatAddress(p.family, p.value) : p.text;
}

/** EUI-64 link-local address from a MAC, as the kernel derives it (addr_gen_mode eui64). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const [b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0] = b;
  const words = [0xfe80, 0, 0, 0, ((b0 ^ 2) << 8) | b1, (b2 << 8) | 0xff, 0xfe00 | b3, (b4 << 8) | b5];
  let v = 0n;
  for (const w of words) v = (v << 16n) | BigInt(w);
  return formatIpv6(v);
}
