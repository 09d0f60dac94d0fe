/**
 * `nft -j list table inet vmguard` (nftables 1.0.6) → GuardState. Set elements are
 * `{"concat": [ifname, addr]}` where a host address is bare and a network is
 * `{"prefix": {"addr", "len"}}`; the per-TAP drops are the `spoofed` set's element counters
 * (`{"elem": {"val": ifname, "counter": {packets, bytes}}}`).
 */
import { z } from 'zod';
import { canonicalIpv6 } from '../../addr/cidr.ts';
import type { GuardElement, GuardState, SpoofCounter } from '../../model/guard.ts';
import { ParseError } from '../errors.ts';
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

function canonical(addr: string, len: number | null): string {
  const six = addr.includes(':');
  const host = six ? canonicalIpv6(addr) : addr;
  return `${host}/${len ?? (six ? 128 : 32)}`;
}

function allowElement(set: 'allow4' | 'allow6', raw: unknown): GuardElement {
  const e = concatElem.safeParse(raw);
  if (!e.success)
    throw new ParseError(`${set}: an element is not "ifname . address": ${JSON.stringify(raw)}`);
  const [tap, addr] = e.data.concat;
  if (typeof addr === 'string') return { set, tap, cidr: canonical(addr, null) };
  // A range nft could not print as a prefix (added as a-b): shown as it is, never matches a registry prefix.
  if ('range' in addr) return { set, tap, cidr: `${addr.range[0]}-${addr.range[1]}` };
  return { set, tap, cidr: canonical(addr.prefix.addr, addr.prefix.len) };
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
  for (const name of ['allow4', 'allow6'] as const) {
    const set = sets.find((s) => s.name === name);
    if (!set) throw new ParseError(`table inet ${GUARD_TABLE} has no set ${name}`);
    for (const raw of set.elem ?? []) elements.push(allowElement(name, raw));
  }
  const spoofSet = sets.find((s) => s.name === SPOOF_SET);
  return {
    present: true,
    elements,
    spoofed: (spoofSet?.elem ?? []).map(spoofCounter),
    perTap: spoofSet !== undefined,
    droppedTotal: finalDropCounter(rules),
  };
}

/** nft's answer when the table does not exist (exit 1): a state of the host, not a failure. */
export function isNoSuchTable(stderr: string): boolean {
  return /No such file or directory/.test(stderr) && /list table inet vmguard/.test(stderr);
}
