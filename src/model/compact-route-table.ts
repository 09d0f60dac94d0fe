import { formatV4, formatV6, parseIpWords } from './ip-words.ts';
import { PrefixIndex } from './prefix-index.ts';
import type { Columns } from './route-columns.ts';
import {
  emptyColumns,
  trimRows,
  HAS_DISTANCE,
  HAS_METRIC,
  INSTALLED,
  NH_ACTIVE,
  NH_ONLINK,
  SELECTED,
  V6,
} from './route-columns.ts';
import type { Family, Nexthop, Route } from './route.ts';
import type { RouteTable, TableBasis } from './route-table.ts';

/** Columnar, interned route storage: ~22 bytes a route plus shared strings (figures in bench/run.ts). */
export class CompactRouteTable implements RouteTable {
  private readonly indexes = new Map<number, PrefixIndex>();
  private readonly views = new Map<string, Uint32Array>();
  private readonly query = new Uint32Array(5);

  /** Use CompactRouteTableBuilder (compact-route-builder.ts). */
  constructor(
    readonly size: number,
    private readonly c: Readonly<Columns>,
    readonly basis?: TableBasis,
    private readonly readTimes?: {
      tables: ReadonlyMap<string, number>;
      rest: number | undefined;
      prefixes?: ReadonlyMap<string, number>;
    },
  ) {}

  /** The storage itself, for a builder copying rows (never changed once finished). */
  get columns(): Readonly<Columns> {
    return this.c;
  }

  readAtOf(vrf: string, family: Family, prefix?: string): number | undefined {
    if (prefix !== undefined && this.readTimes?.prefixes?.size) {
      const own = this.readTimes.prefixes.get(`${vrf}\u0000${prefix}`);
      if (own !== undefined) return own;
    }
    // A kept table read at an unknown time is not the fresh rows' time.
    const at = this.readTimes?.tables.get(`${vrf}\u0000${family}`);
    if (at !== undefined) return Number.isNaN(at) ? undefined : at;
    return this.readTimes?.rest;
  }

  /** Prefixes whose rows were read at their own time (a router's answer for each, route-answer.ts). */
  answeredPrefixes(): { vrf: string; prefix: string; family: Family; at: number }[] {
    const out: { vrf: string; prefix: string; family: Family; at: number }[] = [];
    for (const [key, at] of this.readTimes?.prefixes ?? []) {
      const cut = key.indexOf('\u0000');
      const prefix = key.slice(cut + 1);
      out.push({ vrf: key.slice(0, cut), prefix, family: prefix.includes(':') ? 6 : 4, at });
    }
    return out;
  }

  /** This table's rows, caches aside, naming `basis` (which of its tables another table held row for row). */
  withBasis(basis: TableBasis): CompactRouteTable {
    return new CompactRouteTable(this.size, this.c, basis, this.readTimes);
  }

  /**
   * Whether `other` holds this table's rows of one VRF/family table, in the same order, FRR's uptime text
   * aside: column by column, interned ids matched one to one (two reads of a 100k-route router compared
   * without a Route object).
   */
  sameRowsAs(other: CompactRouteTable, vrf: string, family: Family): boolean {
    const ra = this.indexesOf(vrf, family);
    const rb = other.indexesOf(vrf, family);
    if (ra.length !== rb.length) return false;
    const a = this.c;
    const b = other.c;
    const proto = matcher((x, y) => a.protocols.get(x) === b.protocols.get(y));
    const hop = matcher(
      (x, y) =>
        a.nhFlags[x] === b.nhFlags[y] &&
        a.strings.get(a.nhIp[x]!) === b.strings.get(b.nhIp[y]!) &&
        a.strings.get(a.nhIf[x]!) === b.strings.get(b.nhIf[y]!),
    );
    const group = matcher((x, y) => {
      const [sx, sy] = [a.groupStarts[x]!, b.groupStarts[y]!];
      const n = a.groupStarts[x + 1]! - sx;
      if (n !== b.groupStarts[y + 1]! - sy) return false;
      for (let m = 0; m < n; m++) if (!hop(a.groupMembers[sx + m]!, b.groupMembers[sy + m]!)) return false;
      return true;
    });
    for (let k = 0; k < ra.length; k++) {
      const [i, j] = [ra[k]!, rb[k]!];
      const f = a.flags[i]!;
      if (f !== b.flags[j] || a.plen[i] !== b.plen[j]) return false;
      if (f & V6) {
        const [x, y] = [a.addr[i]! * 4, b.addr[j]! * 4];
        for (let w = 0; w < 4; w++) if (a.addr6[x + w] !== b.addr6[y + w]) return false;
      } else if (a.addr[i] !== b.addr[j]) return false;
      if (f & HAS_DISTANCE && a.distance[i] !== b.distance[j]) return false;
      if (f & HAS_METRIC && a.metric[i] !== b.metric[j]) return false;
      if (a.oddPrefixes.get(i) !== b.oddPrefixes.get(j)) return false;
      if (!proto(a.proto[i]!, b.proto[j]!) || !group(a.nh[i]!, b.nh[j]!)) return false;
    }
    return true;
  }

  static empty(): CompactRouteTable {
    const c = emptyColumns();
    for (const interner of [c.strings, c.vrfNames, c.protocols]) interner.seal();
    return new CompactRouteTable(0, trimRows(c, 0, 0));
  }

  at(index: number): Route {
    if (!Number.isInteger(index) || index < 0 || index >= this.size)
      throw new RangeError(`no route ${index}`);
    const c = this.c;
    const f = c.flags[index]!;
    const nexthops = this.nexthopsAt(index);
    return {
      vrf: c.vrfNames.get(c.vrf[index]!) ?? 'default',
      family: f & V6 ? 6 : 4,
      prefix: this.prefixAt(index),
      protocol: c.protocols.get(c.proto[index]!) ?? 'unknown',
      selected: (f & SELECTED) !== 0,
      installed: (f & INSTALLED) !== 0,
      distance: f & HAS_DISTANCE ? c.distance[index]! : null,
      metric: f & HAS_METRIC ? c.metric[index]! : null,
      uptime: c.strings.get(c.uptime[index]!) ?? null,
      nexthops,
    };
  }

  /** The prefix text of a row without materialising the whole Route (for filters and sorting). */
  prefixAt(index: number): string {
    const c = this.c;
    const odd = c.oddPrefixes.get(index);
    if (odd !== undefined) return odd;
    const a = c.addr[index]!;
    return `${c.flags[index]! & V6 ? formatV6(c.addr6, a * 4) : formatV4(a)}/${c.plen[index]!}`;
  }

  *[Symbol.iterator](): Iterator<Route> {
    for (let i = 0; i < this.size; i++) yield this.at(i);
  }

  vrfs(): string[] {
    return this.c.vrfNames.values.slice(1);
  }

  indexesOf(vrf: string, family?: Family): Uint32Array {
    const key = `${vrf}\u0000${family ?? ''}`;
    let view = this.views.get(key);
    if (!view) {
      view = this.rowsWhere(this.c.vrfNames.find(vrf), family === undefined ? 0 : V6, family === 6 ? V6 : 0);
      this.views.set(key, view);
    }
    return view;
  }

  /** Rows of VRF id `v` whose flags masked by `mask` equal `want`, in table order. */
  private rowsWhere(v: number, mask: number, want: number): Uint32Array {
    const c = this.c;
    const out = new Uint32Array(v === 0 ? 0 : this.size);
    let n = 0;
    for (let i = 0; i < out.length; i++) if (c.vrf[i] === v && (c.flags[i]! & mask) === want) out[n++] = i;
    return out.slice(0, n);
  }

  /**
   * The selected row for exactly `prefix` in `vrf` — the longest match of its address, when that is as
   * long as the prefix — or -1. What `lookup` + comparing prefixes answers, without materialising a Route
   * (the workload index asks it for every workload prefix of every new table).
   */
  selectedRowOf(prefix: string, vrf = 'default'): number {
    const q = this.query;
    q.fill(0);
    const family = parseIpWords(prefix, q);
    const v = this.c.vrfNames.find(vrf);
    if (family === 0 || v === 0) return -1;
    const row = this.prefixIndex(v, family).lookup(q);
    return row >= 0 && this.c.plen[row] === q[4] ? row : -1;
  }

  /** Whether a row is its prefix's selected route, without materialising it. */
  selectedAt(row: number): boolean {
    return (this.c.flags[row]! & SELECTED) !== 0;
  }

  /** A row's VRF, without materialising it. */
  vrfAt(row: number): string {
    return this.c.vrfNames.get(this.c.vrf[row]!) ?? 'default';
  }

  /** A row's address family, without materialising it. */
  familyAt(row: number): Family {
    return this.c.flags[row]! & V6 ? 6 : 4;
  }

  /** A row's protocol (see selectedRowOf). */
  protocolAt(row: number): string {
    return this.c.protocols.get(this.c.proto[row]!) ?? 'unknown';
  }

  /** A row's next hops, as `at(row).nexthops`. */
  nexthopsAt(row: number): Nexthop[] {
    const c = this.c;
    const group = c.nh[row]!;
    const nexthops: Nexthop[] = [];
    for (let g = c.groupStarts[group]!; g < c.groupStarts[group + 1]!; g++) {
      const t = c.groupMembers[g]!;
      const nh: Nexthop = { active: (c.nhFlags[t]! & NH_ACTIVE) !== 0 };
      const ip = c.strings.get(c.nhIp[t]!);
      const iface = c.strings.get(c.nhIf[t]!);
      if (ip !== undefined) nh.ip = ip;
      if (iface !== undefined) nh.interface = iface;
      if (c.nhFlags[t]! & NH_ONLINK) nh.onLink = true;
      nexthops.push(nh);
    }
    return nexthops;
  }

  lookup(address: string, vrf = 'default'): Route | undefined {
    const query = new Uint32Array(5);
    const family = parseIpWords(address, query);
    const v = this.c.vrfNames.find(vrf);
    if (family === 0 || v === 0) return undefined;
    const row = this.prefixIndex(v, family).lookup(query);
    return row < 0 ? undefined : this.at(row);
  }

  /** Built on first lookup per VRF/family: most tables are only ever scrolled, never looked up. */
  private prefixIndex(v: number, family: 4 | 6): PrefixIndex {
    const id = v * 2 + (family === 6 ? 1 : 0);
    let ix = this.indexes.get(id);
    if (ix) return ix;
    const c = this.c;
    const rows = this.rowsWhere(v, SELECTED | V6, SELECTED | (family === 6 ? V6 : 0));
    ix = new PrefixIndex(
      family === 6 ? 4 : 1,
      rows,
      (row) => c.plen[row]!,
      (row, w) => (family === 6 ? c.addr6[c.addr[row]! * 4 + w]! : c.addr[row]!),
    );
    this.indexes.set(id, ix);
    return ix;
  }

  bytesUsed(): number {
    const c = this.c;
    let bytes = c.strings.bytes() + c.vrfNames.bytes() + c.protocols.bytes() + c.oddPrefixes.size * 64;
    for (const col of [
      c.addr,
      c.addr6,
      c.plen,
      c.flags,
      c.vrf,
      c.proto,
      c.distance,
      c.metric,
      c.uptime,
      c.nh,
    ]) {
      bytes += col.byteLength;
    }
    // Plain arrays of small integers: 8 bytes an element is V8's worst case.
    bytes += (c.nhIp.length * 3 + c.groupMembers.length + c.groupStarts.length) * 8;
    for (const ix of this.indexes.values()) bytes += ix.bytes();
    for (const view of this.views.values()) bytes += view.byteLength;
    return bytes;
  }
}

/**
 * Whether ids of one table stand for the same values as ids of another: `same` decides a pair once; after
 * that an id must meet its partner again (ids are interned, so equal values have one id in each table).
 */
function matcher(same: (x: number, y: number) => boolean): (x: number, y: number) => boolean {
  const partners = new Map<number, number>();
  return (x, y) => {
    const known = partners.get(x);
    if (known !== undefined) return known === y;
    if (!same(x, y)) return false;
    partners.set(x, y);
    return true;
  };
}
