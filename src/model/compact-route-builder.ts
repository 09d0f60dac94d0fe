/**
 * Builds a CompactRouteTable: rows added one by one (the streaming parser's path), or taken over from
 * another table (a poll that re-reads some VRFs keeps the rest), then finished once.
 */
import { CompactRouteTable } from './compact-route-table.ts';
import { formatV4, formatV6, parseIpWords } from './ip-words.ts';
import { NexthopIds } from './nexthop-ids.ts';
import { Interner, type Columns } from './route-columns.ts';
import {
  emptyColumns,
  mostlyUsed,
  grown,
  growRows,
  trimRows,
  INSTALLED,
  NH_ACTIVE,
  NH_ONLINK,
  SELECTED,
  HAS_DISTANCE,
  HAS_METRIC,
  V6,
} from './route-columns.ts';
import type { Family, Nexthop, Route } from './route.ts';
import type { RouteTable, TableBasis } from './route-table.ts';

export class CompactRouteTableBuilder {
  private n = 0;
  private n6 = 0;
  private done = false;
  private readonly words = new Uint32Array(5);
  private readonly c: Columns = emptyColumns();
  /** Next hops and nexthop groups by what they hold (nexthop-ids.ts). */
  private readonly ids = new NexthopIds(this.c);
  private basis: TableBasis | undefined;
  /** The table adoptRows took its ids from: its rows can be copied here as they are (copyReplacing). */
  private adopted: WeakRef<CompactRouteTable> | undefined;
  private fromCount = 0;
  /** Read times of the tables taken over by addFrom, by `vrf\0family`. */
  /** Kept VRF/family tables → when they were read (NaN: kept from a table that did not say). */
  private readonly readTimes = new Map<string, number>();
  /** Rows of one prefix read at their own time (a router's answer for it), by `vrf\0prefix`. */
  private readonly prefixTimes = new Map<string, number>();
  /** Per `vrf\0family` copied from the basis with some prefixes' rows replaced: those prefixes. */
  private readonly replaced = new Map<string, Set<string>>();

  get size(): number {
    return this.n;
  }

  add(route: Route): void {
    const { vrf, prefix, protocol, selected, installed, distance, metric, uptime, nexthops } = route;
    this.addParsed(vrf, prefix, protocol, selected, installed, distance, metric, uptime, nexthops);
  }

  /** Adds one route without building a Route object first (the streaming parser's path). */
  addParsed(
    vrf: string,
    prefix: string,
    protocol: string,
    selected: boolean,
    installed: boolean,
    distance: number | null,
    metric: number | null,
    uptime: string | null,
    nexthops: readonly Nexthop[],
  ): void {
    if (this.done) throw new Error('route table is finished');
    const w = this.words;
    const family = parseIpWords(prefix, w);
    if (family === 0) throw new RangeError(`invalid prefix "${prefix}"`);
    if (distance !== null && !(Number.isInteger(distance) && distance >= 0 && distance <= 255)) {
      throw new RangeError(`distance ${distance} out of range for ${prefix}`);
    }
    if (metric !== null && !(Number.isInteger(metric) && metric >= 0 && metric <= 0xffffffff)) {
      throw new RangeError(`metric ${metric} out of range for ${prefix}`);
    }
    const i = this.n;
    const c = growRows(this.c, i + 1);
    let flags = (selected ? SELECTED : 0) | (installed ? INSTALLED : 0);
    if (family === 6) {
      c.addr6 = grown(c.addr6, (this.n6 + 1) * 4);
      c.addr6.set(w.subarray(0, 4), this.n6 * 4);
      c.addr[i] = this.n6++;
      flags |= V6;
    } else c.addr[i] = w[0]!;
    c.plen[i] = w[4]!;
    if (distance !== null) {
      c.distance[i] = distance;
      flags |= HAS_DISTANCE;
    }
    if (metric !== null) {
      c.metric[i] = metric;
      flags |= HAS_METRIC;
    }
    c.flags[i] = flags;
    c.vrf[i] = c.vrfNames.id(vrf);
    c.proto[i] = c.protocols.id(protocol);
    c.uptime[i] = c.strings.id(uptime);
    c.nh[i] = this.groupOf(nexthops);
    this.n++;
    const slash = prefix.indexOf('/');
    // Canonical IPv4 round-trips by construction (leading zeros are refused); IPv6 has several spellings.
    const canonical =
      slash > 0 &&
      String(w[4]) === prefix.slice(slash + 1) &&
      (family === 4 || formatV6(w) === prefix.slice(0, slash));
    if (!canonical) c.oddPrefixes.set(i, prefix);
  }

  /** Adds rows of another table (what a poll keeps of the last one while re-reading some VRFs). */
  addFrom(table: RouteTable, keep: (vrf: string, family: Family) => boolean): void {
    // The finished table names its basis only when it is one table's kept rows plus fresh ones.
    this.basis =
      ++this.fromCount === 1 && this.n === 0 ? { table: new WeakRef(table), kept: keep } : undefined;
    if (table instanceof CompactRouteTable) {
      for (const a of table.answeredPrefixes())
        if (keep(a.vrf, a.family)) this.prefixReadAt(a.vrf, a.prefix, a.at);
      this.copyRows(table, keep);
      return;
    }
    const whole = new Map<string, boolean>();
    for (let i = 0; i < table.size; i++) {
      const r = table.at(i);
      const key = `${r.vrf}\u0000${r.family}`;
      let kept = whole.get(key);
      if (kept === undefined) {
        whole.set(key, (kept = keep(r.vrf, r.family)));
        const at = kept ? table.readAtOf?.(r.vrf, r.family) : undefined;
        if (kept) this.readTimes.set(key, at ?? NaN);
      }
      if (kept) this.add(r);
    }
  }

  /**
   * addFrom for a compact table: rows are copied column by column with their interned ids mapped, never
   * materialised as Route objects and parsed again (a poll that re-read one VRF of a 100k-route router
   * spent seconds of a loaded console's CPU here). The rows are the ones `at()` + `add()` would give.
   */
  private copyRows(table: CompactRouteTable, keep: (vrf: string, family: Family) => boolean): void {
    if (this.isEmpty() && mostlyUsed(table.columns, table.size)) return this.adoptRows(table, keep);
    const src = table.columns;
    const c = this.c;
    const decided = new Map<number, boolean>();
    const mapped = (from: Interner, to: Interner): ((id: number) => number) => {
      const ids = new Int32Array(from.values.length).fill(-1);
      return (id) => {
        let out = ids[id]!;
        if (out < 0) ids[id] = out = to.id(from.get(id));
        return out;
      };
    };
    const vrfId = mapped(src.vrfNames, c.vrfNames);
    const protoId = mapped(src.protocols, c.protocols);
    const stringId = mapped(src.strings, c.strings);
    const groups = new Int32Array(src.groupStarts.length).fill(-1);
    for (let i = 0; i < table.size; i++) {
      const f = src.flags[i]!;
      const v = src.vrf[i]!;
      const table6 = v * 2 + (f & V6 ? 1 : 0);
      let kept = decided.get(table6);
      if (kept === undefined) {
        const vrf = src.vrfNames.get(v) ?? 'default';
        const family: Family = f & V6 ? 6 : 4;
        decided.set(table6, (kept = keep(vrf, family)));
        if (kept) this.readTimes.set(`${vrf}\u0000${family}`, table.readAtOf(vrf, family) ?? NaN);
      }
      if (!kept) continue;
      const j = this.appendRowOf(src, i);
      const d = this.c;
      d.vrf[j] = vrfId(v);
      d.proto[j] = protoId(src.proto[i]!);
      d.uptime[j] = stringId(src.uptime[i]!);
      const group = src.nh[i]!;
      let g = groups[group]!;
      if (g < 0) {
        const ids: number[] = [];
        for (let m = src.groupStarts[group]!; m < src.groupStarts[group + 1]!; m++) {
          const t = src.groupMembers[m]!;
          ids.push(this.ids.nexthopId(stringId(src.nhIp[t]!), stringId(src.nhIf[t]!), src.nhFlags[t]!));
        }
        groups[group] = g = this.ids.groupId(ids);
      }
      d.nh[j] = g;
    }
  }

  /**
   * Appends row `i` of `src` — address (an IPv6 one in a slot of its own), length, flags, distance,
   * metric, a non-canonical spelling — and returns its index; the caller sets its interned ids.
   */
  private appendRowOf(src: Readonly<Columns>, i: number): number {
    const j = this.n;
    const d = growRows(this.c, j + 1);
    const f = src.flags[i]!;
    if (f & V6) {
      d.addr6 = grown(d.addr6, (this.n6 + 1) * 4);
      const from = src.addr[i]! * 4;
      d.addr6.set(src.addr6.subarray(from, from + 4), this.n6 * 4);
      d.addr[j] = this.n6++;
    } else d.addr[j] = src.addr[i]!;
    d.plen[j] = src.plen[i]!;
    d.flags[j] = f;
    d.distance[j] = src.distance[i]!;
    d.metric[j] = src.metric[i]!;
    const odd = src.oddPrefixes.get(i);
    if (odd !== undefined) d.oddPrefixes.set(j, odd);
    this.n++;
    return j;
  }

  /**
   * addReplacing's rows when this builder took its ids from `table` (adoptRows: a poll or an answer
   * keeping a router's other tables): the VRF/family table's rows copied column by column as they are,
   * the rows of each prefix in `answers` replaced by its answer in their place. False, adding nothing,
   * when the ids are not `table`'s. Materialising each row as a Route and adding it again looked up
   * every row's strings, next hops and group (a router's VRF of thousands of rows, at every answer).
   */
  copyReplacing(
    table: RouteTable,
    vrf: string,
    family: Family,
    answers: ReadonlyMap<string, readonly Route[]>,
    placed: Set<string>,
  ): boolean {
    if (!(table instanceof CompactRouteTable) || this.adopted?.deref() !== table || this.done) return false;
    const src = table.columns;
    const words = [...answers.keys()].map((prefix) => {
      const w = new Uint32Array(5);
      return { prefix, w, ok: parseIpWords(prefix, w) === family };
    });
    const answerOf = (i: number): string | undefined => {
      const odd = src.oddPrefixes.get(i);
      if (odd !== undefined) return answers.has(odd) ? odd : undefined;
      for (const { prefix, w, ok } of words) {
        if (!ok || src.plen[i] !== w[4]) continue;
        if (family === 4 ? src.addr[i] === w[0] : sameAddr6(src.addr6, src.addr[i]! * 4, w)) {
          // A non-canonical answer key never equals a canonical row's text: as the text comparison.
          const canonical = family === 4 ? formatV4(w[0]!) : formatV6(w);
          return `${canonical}/${w[4]}` === prefix ? prefix : undefined;
        }
      }
      return undefined;
    };
    for (const i of table.indexesOf(vrf, family)) {
      const prefix = answerOf(i);
      if (prefix !== undefined) {
        if (!placed.has(prefix)) {
          placed.add(prefix);
          for (const row of answers.get(prefix)!) this.add(row);
        }
        continue;
      }
      // The same ids: this builder took them from `table`.
      const j = this.appendRowOf(src, i);
      const d = this.c;
      d.vrf[j] = src.vrf[i]!;
      d.proto[j] = src.proto[i]!;
      d.uptime[j] = src.uptime[i]!;
      d.nh[j] = src.nh[i]!;
    }
    return true;
  }

  /** Nothing added yet: no rows, no strings, no next hops (a copy may take the source's ids as they are). */
  private isEmpty(): boolean {
    const c = this.c;
    return (
      this.n === 0 &&
      c.nhIp.length === 0 &&
      c.groupStarts.length === 2 &&
      c.strings.values.length === 1 &&
      c.vrfNames.values.length === 1 &&
      c.protocols.values.length === 1
    );
  }

  /**
   * copyRows into an empty builder (a poll that re-read one table keeps a router's 120k others): the
   * source's strings, next hops and groups are taken under their own ids, so runs of kept rows are
   * copied column by column in bulk; only an IPv6 row's address slot is renumbered (the dropped rows'
   * slots are not kept). A loaded console spent ~110 ms a router per delta on the row-by-row copy.
   */
  private adoptRows(table: CompactRouteTable, keep: (vrf: string, family: Family) => boolean): void {
    const src = table.columns;
    const c = this.c;
    c.strings = Interner.copyOf(src.strings);
    c.vrfNames = Interner.copyOf(src.vrfNames, 0xffff);
    c.protocols = Interner.copyOf(src.protocols, 0xff);
    c.nhIp = src.nhIp.slice();
    c.nhIf = src.nhIf.slice();
    c.nhFlags = src.nhFlags.slice();
    c.groupStarts = src.groupStarts.slice();
    c.groupMembers = src.groupMembers.slice();
    // Rows added after the copy find these next hops and groups as they are (NexthopIds.adopted).
    this.ids.adopted();
    this.adopted = new WeakRef(table);
    const size = table.size;
    const d = growRows(c, size);
    d.addr6 = grown(d.addr6, src.addr6.length);
    const decided = new Map<number, boolean>();
    const keptAt = (i: number): boolean => {
      const f = src.flags[i]!;
      const table6 = src.vrf[i]! * 2 + (f & V6 ? 1 : 0);
      let kept = decided.get(table6);
      if (kept === undefined) {
        const vrf = src.vrfNames.get(src.vrf[i]!) ?? 'default';
        const family: Family = f & V6 ? 6 : 4;
        decided.set(table6, (kept = keep(vrf, family)));
        if (kept) this.readTimes.set(`${vrf}\u0000${family}`, table.readAtOf(vrf, family) ?? NaN);
      }
      return kept;
    };
    const runs: [from: number, to: number, at: number][] = [];
    for (let i = 0; i < size;) {
      const kept = keptAt(i);
      let end = i + 1;
      while (end < size && src.vrf[end] === src.vrf[i] && (src.flags[end]! & V6) === (src.flags[i]! & V6))
        end++;
      if (kept) {
        const at = this.n;
        d.addr.set(src.addr.subarray(i, end), at);
        d.plen.set(src.plen.subarray(i, end), at);
        d.flags.set(src.flags.subarray(i, end), at);
        d.distance.set(src.distance.subarray(i, end), at);
        d.metric.set(src.metric.subarray(i, end), at);
        d.vrf.set(src.vrf.subarray(i, end), at);
        d.proto.set(src.proto.subarray(i, end), at);
        d.uptime.set(src.uptime.subarray(i, end), at);
        d.nh.set(src.nh.subarray(i, end), at);
        if (src.flags[i]! & V6)
          for (let r = i; r < end; r++) {
            const from = src.addr[r]! * 4;
            const to = this.n6 * 4;
            d.addr6[to] = src.addr6[from]!;
            d.addr6[to + 1] = src.addr6[from + 1]!;
            d.addr6[to + 2] = src.addr6[from + 2]!;
            d.addr6[to + 3] = src.addr6[from + 3]!;
            d.addr[at + r - i] = this.n6++;
          }
        runs.push([i, end, at]);
        this.n += end - i;
      }
      i = end;
    }
    for (const [row, text] of src.oddPrefixes)
      for (const [from, to, at] of runs)
        if (row >= from && row < to) {
          d.oddPrefixes.set(at + row - from, text);
          break;
        }
  }

  /** Drops rows added after `size` (a stream that failed half-way must not leave half a table). */
  truncate(size: number): void {
    if (size >= this.n) return;
    let n6 = 0;
    for (let i = 0; i < size; i++) if (this.c.flags[i]! & V6) n6++;
    for (const row of this.c.oddPrefixes.keys()) if (row >= size) this.c.oddPrefixes.delete(row);
    this.n = size;
    this.n6 = n6;
  }

  /** The rows of `prefix` in `vrf` added here were read at `at` (not when the rest of their table was). */
  /**
   * Says that the rows of `vrf`/`family` added next are `from`'s with only `prefixes`' rows replaced
   * (route-answer.ts addReplacing): when `from` is this table's basis, what was derived from the other
   * prefixes' rows may be carried over (TableBasis.changed). Each prefix also in FRR's own spelling.
   */
  noteReplaced(from: RouteTable, vrf: string, family: Family, prefixes: Iterable<string>): void {
    if (this.basis?.table.deref() !== from) return;
    const key = `${vrf}\u0000${family}`;
    let set = this.replaced.get(key);
    if (!set) this.replaced.set(key, (set = new Set()));
    const w = new Uint32Array(5);
    for (const prefix of prefixes) {
      set.add(prefix);
      const f = parseIpWords(prefix, w);
      if (f === 4) set.add(`${formatV4(w[0]!)}/${w[4]}`);
      else if (f === 6) set.add(`${formatV6(w)}/${w[4]}`);
    }
  }

  /** When the rows of one VRF/family table added here were read (over finish's `readAt`). */
  tableReadAt(vrf: string, family: Family, at: number): void {
    this.readTimes.set(`${vrf}\u0000${family}`, at);
  }

  prefixReadAt(vrf: string, prefix: string, at: number): void {
    this.prefixTimes.set(`${vrf}\u0000${prefix}`, at);
  }

  /** `readAt`: when the rows added here (not those taken over by addFrom) were read from the device. */
  finish(readAt?: number): CompactRouteTable {
    this.done = true;
    const c = this.c;
    const n = this.n;
    const trimmed = trimRows(c, n, this.n6);
    for (const interner of [c.strings, c.vrfNames, c.protocols]) interner.seal();
    this.ids.clear();
    const replaced = this.replaced;
    const basis: TableBasis | undefined =
      this.basis && replaced.size > 0
        ? { ...this.basis, changed: (vrf, family) => replaced.get(`${vrf}\u0000${family}`) }
        : this.basis;
    return new CompactRouteTable(n, trimmed, basis, {
      tables: this.readTimes,
      rest: readAt,
      prefixes: this.prefixTimes,
    });
  }

  private groupOf(nexthops: readonly Nexthop[]): number {
    const c = this.c;
    const ids: number[] = [];
    for (const nh of nexthops) {
      const flags = (nh.active ? NH_ACTIVE : 0) | (nh.onLink ? NH_ONLINK : 0);
      ids.push(this.ids.nexthopId(c.strings.id(nh.ip), c.strings.id(nh.interface), flags));
    }
    return this.ids.groupId(ids);
  }
}

function sameAddr6(addr6: Uint32Array, from: number, w: Uint32Array): boolean {
  return (
    addr6[from] === w[0] && addr6[from + 1] === w[1] && addr6[from + 2] === w[2] && addr6[from + 3] === w[3]
  );
}
