import type { CompactRouteTable } from '../../src/model/compact-route-table.ts';

/**
 * A compact table seen only through the RouteTable interface: a builder copies it row by row with ids
 * of its own — the reference its column-by-column copies are compared with.
 */
export const opaque = (t: CompactRouteTable) => ({
  size: t.size,
  at: (i: number) => t.at(i),
  [Symbol.iterator]: () => t[Symbol.iterator](),
  vrfs: () => t.vrfs(),
  lookup: (a: string, v?: string) => t.lookup(a, v),
  indexesOf: (v: string, f?: 4 | 6) => t.indexesOf(v, f),
  bytesUsed: () => t.bytesUsed(),
  readAtOf: (v: string, f: 4 | 6) => t.readAtOf(v, f),
});
