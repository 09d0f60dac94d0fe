import type { Family, Route } from './route.ts';

/**
 * A device's routing tables, all VRFs and both families, held compactly (full Internet tables reach
 * 1M+ routes, so rows are materialised as Route objects only when asked for).
 */
export interface RouteTable {
  readonly size: number;
  at(index: number): Route;
  [Symbol.iterator](): Iterator<Route>;
  vrfs(): string[];
  /** Longest-prefix match over selected routes of one VRF (default VRF when omitted). */
  lookup(address: string, vrf?: string): Route | undefined;
  /** Indexes of routes in a VRF/family, in table order (for virtual scrolling and filters). */
  indexesOf(vrf: string, family?: Family): Uint32Array;
  /** Approximate bytes held by the table's own storage. */
  bytesUsed(): number;
  /**
   * Set when this table is another one with some VRF/family tables re-read (a poll that read only
   * what moved): what it was built from — held weakly, so tables never chain — and which of its
   * tables it kept row for row. What was derived from those rows may be carried over.
   */
  readonly basis?: TableBasis;
  /**
   * When a VRF/family table's rows were read from the device (a held table is older than the poll that
   * kept it): FRR's uptime text is as of then. Undefined when not known. With `prefix`: that prefix's
   * rows may have been read at their own time (a router's answer for it, see withPrefixAnswer).
   */
  readAtOf?(vrf: string, family: Family, prefix?: string): number | undefined;
}

export interface TableBasis {
  readonly table: WeakRef<RouteTable>;
  kept(vrf: string, family: Family): boolean;
  /**
   * For a table not kept whole that is the basis's rows with the rows of some prefixes replaced (a
   * router's answer for one prefix, a poll's delta): those prefixes — every other prefix's rows are the
   * basis's. Undefined when the table was read afresh (any prefix's rows may differ).
   */
  changed?(vrf: string, family: Family): ReadonlySet<string> | undefined;
}
