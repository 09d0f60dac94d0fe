/**
 * `nft -j list table inet vmguard` (nftables 1.0.6) → GuardState. Set elements are
 * `{"concat": [ifname, addr]}` where a host address is bare and a network is
 * `{"prefix": {"addr", "len"}}`; the per-TAP drops are the `spoofed` set's element counters
 * (`{"elem": {"val": ifname, "counter": {packets, bytes}}}`).
 */
import { IPv4, IPv6, Validator } from 'ip-num';
import { z } from 'zod';
import { canonicalIpv6 } from '../../addr/cidr.ts';
import type { GuardElement, GuardState, SpoofCounter, UnparsedGuardElement } from '../../model/guard.ts';
import { formatV6, parseIpWords } from '../../model/ip-words.ts';
import { safeText } from '../../model/text.ts';
import { ParseError } from '../errors.ts';
import { isValidInterfaceName } from '../names.ts';
import { parseJsonWith } from '../json.ts';

export const GUARD_TABLE = 'vmguard';
export const SPOOF_SET = 'spoofed';

const counter = z.object({ packets: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() });
const prefix = z.object({ prefix: z.object({ addr: z.string(), len: z.number().int() }) });
const range = z.object({ range: z.tuple([z.string(), z.string()]) });
const setItem = z.object({
  set: z.object({
    name: z.string(),
    table: z.string(),
    elem: z.array(z.unknown()).optional(),
  }),
});
const ruleItem = z.object({
  rule: z.object({ chain: z.string(), expr: z.array(z.record(z.string(), z.unknown())) }),
});
const listing = z.object({ nftables: z.array(z.record(z.string(), z.unknown())) });

const concatElem = z.object({ concat: z.tuple([z.string(), z.union([z.string(), prefix, range])]) });
const counterElem = z.object({ elem: z.object({ val: z.string(), counter: counter.optional() }) });

type AllowSet = 'allow4' | 'allow6';
const FAMILY: Record<AllowSet, 4 | 6> = { allow4: 4, allow6: 6 };

const words = new Uint32Array(5);

/**
 * An address of the set's family, canonical (ip-num parses it; nothing else is accepted). A plain IPv6
 * address — the common case, a hundred a host — is read into words and printed back (the same RFC 5952
 * text): through ip-num it cost ~20 µs, most of a 1,000-host fleet's first guard listings.
 */
export function guardAddress(family: 4 | 6, text: string): string | null {
  if (family === 4) return Validator.isValidIPv4String(text)[0] ? IPv4.fromString(text).toString() : null;
  if (text.indexOf('.') < 0 && text.indexOf('/') < 0 && parseIpWords(text, words) === 6) {
    const canonical = formatV6(words);
    if (canonical.indexOf('.') < 0) return canonical;
  }
  if (!Validator.isValidIPv6String(text)[0]) return null;
  // ip-num accepts a zone (`::1%eth0`), which no nft set holds and URL's printer refuses: not an address.
  try {
    return canonicalIpv6(IPv6.fromString(text).toString());
  } catch {
    return null;
  }
}

function address(set: AllowSet, text: string): string | null {
  return guardAddress(FAMILY[set], text);
}

/**
 * One `ifname . address` element into validated values, or why not. Commands are later rendered
 * from these values only, so an element crafted to close the set literal (`}`, `;`, a comma and a
 * second element) cannot reach a command: it fails here and is shown as unparsed.
 */
export function parseGuardElement(
  set: AllowSet,
  tap: string,
  addr: string | { addr: string; len: number } | { range: readonly [string, string] },
): GuardElement | { why: string } {
  if (!isValidInterfaceName(tap)) return { why: 'the interface name is not a valid Linux interface name' };
  const max = FAMILY[set] === 4 ? 32 : 128;
  if (typeof addr === 'string') {
    const a = address(set, addr);
    return a ? { set, tap, cidr: `${a}/${max}` } : { why: `not an IPv${FAMILY[set]} address` };
  }
  if ('range' in addr) {
    // A range nft could not print as a prefix (added as a-b): kept as it is, never matches a registry prefix.
    const from = address(set, addr.range[0]);
    const to = address(set, addr.range[1]);
    return from && to
      ? { set, tap, cidr: `${from}-${to}` }
      : { why: `not a range of IPv${FAMILY[set]} addresses` };
  }
  const a = address(set, addr.addr);
  if (!a || !Number.isInteger(addr.len) || addr.len < 0 || addr.len > max)
    return { why: `not an IPv${FAMILY[set]} prefix` };
  return { set, tap, cidr: `${a}/${addr.len}` };
}

/** Splits a set's raw elements into validated ones and ones shown as unparsed. */
function allowElements(
  set: AllowSet,
  raws: readonly unknown[],
): { elements: GuardElement[]; unparsed: UnparsedGuardElement[] } {
  const elements: GuardElement[] = [];
  const unparsed: UnparsedGuardElement[] = [];
  // The element's text only for what is shown as unparsed (a host lists a hundred good ones a set).
  const textOf = (raw: unknown) => safeText(JSON.stringify(raw) ?? String(raw));
  for (const raw of raws) {
    const e = concatElem.safeParse(raw);
    if (!e.success) {
      unparsed.push({ set, text: textOf(raw), why: 'not an "ifname . address" element' });
      continue;
    }
    const [tap, addr] = e.data.concat;
    const parsed = parseGuardElement(
      set,
      tap,
      typeof addr === 'string' || 'range' in addr ? addr : addr.prefix,
    );
    if ('why' in parsed) unparsed.push({ set, text: textOf(raw), why: parsed.why });
    else elements.push(parsed);
  }
  return { elements, unparsed };
}

function spoofCounter(raw: unknown): SpoofCounter {
  const e = counterElem.safeParse(raw);
  if (!e.success)
    throw new ParseError(`${SPOOF_SET}: an element is not "ifname counter …": ${JSON.stringify(raw)}`);
  return {
    tap: e.data.elem.val,
    packets: e.data.elem.counter?.packets ?? 0,
    bytes: e.data.elem.counter?.bytes ?? 0,
  };
}

/** The last rule of chain `pre` ends in `drop` with a counter: the reference's spoofed-source rule. */
function finalDropCounter(rules: z.infer<typeof ruleItem>[]): number | null {
  const last = rules.filter((r) => r.rule.chain === 'pre').at(-1);
  const expr = last?.rule.expr ?? [];
  if (!expr.some((e) => 'drop' in e)) return null;
  const c = counter.safeParse(expr.find((e) => 'counter' in e)?.counter);
  return c.success ? c.data.packets : null;
}

export function parseNftGuard(text: string): GuardState {
  const doc = parseJsonWith(listing, text, 'nft JSON listing');
  const sets = doc.nftables.flatMap((item) => {
    const s = setItem.safeParse(item);
    return s.success && s.data.set.table === GUARD_TABLE ? [s.data.set] : [];
  });
  const rules = doc.nftables.flatMap((item) => {
    const r = ruleItem.safeParse(item);
    return r.success ? [r.data] : [];
  });
  if (!doc.nftables.some((i) => 'table' in i)) throw new ParseError('nft listing has no table');
  const elements: GuardElement[] = [];
  const unparsed: UnparsedGuardElement[] = [];
  for (const name of ['allow4', 'allow6'] as const) {
    const set = sets.find((s) => s.name === name);
    if (!set) throw new ParseError(`table inet ${GUARD_TABLE} has no set ${name}`);
    const parsed = allowElements(name, set.elem ?? []);
    elements.push(...parsed.elements);
    unparsed.push(...parsed.unparsed);
  }
  const spoofSet = sets.find((s) => s.name === SPOOF_SET);
  return {
    present: true,
    elements,
    unparsed,
    spoofed: (spoofSet?.elem ?? []).map(spoofCounter),
    perTap: spoofSet !== undefined,
    droppedTotal: finalDropCounter(rules),
  };
}

/** nft's answer when the table does not exist (exit 1): a state of the host, not a failure. */
export function isNoSuchTable(stderr: string): boolean {
  return /No such file or directory/.test(stderr) && /list table inet vmguard/.test(stderr);
}
