/** Storage primitives of the compact route table (see compact-route-table.ts). */

// Row flags (one byte a route). Absent distance/metric are flags so the numeric columns stay dense.
export const SELECTED = 1;
export const INSTALLED = 2;
export const V6 = 4;
export const HAS_DISTANCE = 8;
export const HAS_METRIC = 16;
export const NH_ACTIVE = 1;
export const NH_ONLINK = 2;

export type Column = Uint8Array | Uint16Array | Uint32Array;

export function grown<T extends Column>(a: T, min: number): T {
  if (a.length >= min) return a;
  const b = new (a.constructor as new (n: number) => T)(Math.max(min, a.length * 2));
  b.set(a);
  return b;
}

/**
 * Lookups a copied interner or builder answers by scanning before it makes its map: a scan of ~20k
 * values costs ~20–50 µs, the map ~5–20 ms.
 */
export const COPY_SCANS = 64;

/** Strings kept once; id 0 means "absent" so a typed column can hold null. */
export class Interner {
  readonly values: string[] = [''];
  private ids: Map<string, number> | null = new Map();
  private chars = 0;
  /** A copy's lookups left before its map is made (see copyOf); 0: none pending. */
  private scansLeft = 0;
  constructor(private readonly limit = 0xffffffff) {}
  id(s: string | null | undefined): number {
    if (s == null) return 0;
    const ids = this.ids;
    if (ids === null) return this.idUnmapped(s);
    let id = ids.get(s);
    if (id === undefined) id = this.append(s, ids);
    return id;
  }
  private append(s: string, ids: Map<string, number> | null): number {
    const id = this.values.length;
    if (id > this.limit) throw new RangeError(`more than ${this.limit} distinct values (at "${s}")`);
    this.values.push(s);
    ids?.set(s, id);
    this.chars += s.length;
    return id;
  }
  /** A copy looked up by scanning its values, up to COPY_SCANS times; then its map is made. */
  private idUnmapped(s: string): number {
    if (this.scansLeft === 0) throw new Error('route table is finished');
    if (--this.scansLeft > 0) {
      const found = this.values.indexOf(s, 1);
      return found > 0 ? found : this.append(s, null);
    }
    const ids = new Map<string, number>();
    // The first id of a repeated value, as the map of the table copied had it.
    for (let id = this.values.length - 1; id > 0; id--) ids.set(this.values[id]!, id);
    this.ids = ids;
    return this.id(s);
  }
  get(id: number): string | undefined {
    return id === 0 ? undefined : this.values[id];
  }
  find(s: string): number {
    const i = this.values.indexOf(s, 1);
    return i < 0 ? 0 : i;
  }
  /**
   * A builder's interner holding `other`'s values under the same ids (other may be sealed). Its map is
   * made only if it is looked up more than a few times: a poll that keeps a router's other tables adds
   * a few rows, or none, after the copy, and remaking the map of a router's ~20k strings was most of
   * the copy's cost.
   */
  static copyOf(other: Interner, limit = 0xffffffff): Interner {
    const out = new Interner(limit);
    for (let id = 1; id < other.values.length; id++) out.values.push(other.values[id]!);
    out.chars = other.chars;
    out.ids = null;
    out.scansLeft = COPY_SCANS;
    return out;
  }
  /** The lookup map only serves the builder; dropping it saves ~50 bytes a distinct string. */
  seal(): void {
    this.ids = null;
    this.scansLeft = 0;
  }
  bytes(): number {
    return this.chars * 2 + this.values.length * 24 + (this.ids ? this.ids.size * 48 : 0);
  }
}

/** Rows are parallel typed columns; nexthop lists are interned as groups (a full table has few distinct ones). */
export interface Columns {
  addr: Uint32Array; // IPv4 address, or for IPv6 the slot in addr6 (4 words a slot)
  addr6: Uint32Array;
  plen: Uint8Array;
  flags: Uint8Array;
  vrf: Uint16Array;
  proto: Uint8Array;
  distance: Uint8Array;
  metric: Uint32Array;
  uptime: Uint32Array;
  nh: Uint32Array; // nexthop group id
  nhIp: number[]; // per distinct nexthop: string ids and NH_* flags
  nhIf: number[];
  nhFlags: number[];
  groupStarts: number[]; // group g = groupMembers[groupStarts[g] .. groupStarts[g + 1])
  groupMembers: number[];
  strings: Interner;
  vrfNames: Interner;
  protocols: Interner;
  /** Prefix texts that don't round-trip through the words (non-canonical input); kept verbatim. */
  oddPrefixes: Map<number, string>;
}

export function emptyColumns(): Columns {
  return {
    addr: new Uint32Array(1024),
    addr6: new Uint32Array(1024),
    plen: new Uint8Array(1024),
    flags: new Uint8Array(1024),
    vrf: new Uint16Array(1024),
    proto: new Uint8Array(1024),
    distance: new Uint8Array(1024),
    metric: new Uint32Array(1024),
    uptime: new Uint32Array(1024),
    nh: new Uint32Array(1024),
    nhIp: [],
    nhIf: [],
    nhFlags: [],
    groupStarts: [0, 0],
    groupMembers: [],
    strings: new Interner(),
    vrfNames: new Interner(0xffff),
    protocols: new Interner(0xff),
    oddPrefixes: new Map(),
  };
}

/** Makes room for `min` rows, doubling every per-row column together. */
export function growRows(c: Columns, min: number): Columns {
  if (c.addr.length >= min) return c;
  c.addr = grown(c.addr, min);
  c.plen = grown(c.plen, min);
  c.flags = grown(c.flags, min);
  c.vrf = grown(c.vrf, min);
  c.proto = grown(c.proto, min);
  c.distance = grown(c.distance, min);
  c.metric = grown(c.metric, min);
  c.uptime = grown(c.uptime, min);
  c.nh = grown(c.nh, min);
  return c;
}

/** Exact-size copies: the doubling slack would otherwise count against bytes a route. */
export function trimRows(c: Columns, n: number, n6: number): Columns {
  return {
    ...c,
    addr: c.addr.slice(0, n),
    addr6: c.addr6.slice(0, n6 * 4),
    plen: c.plen.slice(0, n),
    flags: c.flags.slice(0, n),
    vrf: c.vrf.slice(0, n),
    proto: c.proto.slice(0, n),
    distance: c.distance.slice(0, n),
    metric: c.metric.slice(0, n),
    uptime: c.uptime.slice(0, n),
    nh: c.nh.slice(0, n),
  };
}

/**
 * Whether most of a table's strings are still some row's (uptimes, next hops): a copy that takes them
 * all (adoptRows) then carries little dead weight. Each partial re-read adds the re-read rows' uptimes;
 * once more than half are no row's, the row-by-row copy keeps only the used ones.
 */
export function mostlyUsed(c: Columns, size: number): boolean {
  const total = c.strings.values.length;
  const used = new Uint8Array(total);
  let count = 0;
  const mark = (id: number) => {
    if (used[id] === 0) {
      used[id] = 1;
      count++;
    }
  };
  for (let i = 0; i < size; i++) mark(c.uptime[i]!);
  for (let k = 0; k < c.nhIp.length; k++) {
    mark(c.nhIp[k]!);
    mark(c.nhIf[k]!);
  }
  return total <= 2 * count + 1024;
}
