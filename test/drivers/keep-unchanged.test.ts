/**
 * What a poll's table says about the last one (drivers/route-check.ts keepUnchanged): tables kept row
 * for row, and — for a table built from a delta — which prefixes' rows were replaced, so the workload
 * index looks up only those (issue 16).
 */
import { describe, expect, it } from 'vitest';
import { keepUnchanged } from '../../src/drivers/route-check.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { addReplacing } from '../../src/model/route-answer.ts';
import { bgpRoute, snapshot } from '../helpers/snapshots.ts';

const last = snapshot('rr', {
  routes: [
    bgpRoute('198.51.100.1/32', 'swp1', { vrf: 'blue' }),
    bgpRoute('198.51.100.2/32', 'swp2', { vrf: 'blue' }),
    bgpRoute('2001:db8:a:1::/64', 'swp1', { vrf: 'blue' }),
    bgpRoute('203.0.113.1/32', 'swp1'),
  ],
}).routes;

function delta(answers: Map<string, ReturnType<typeof bgpRoute>[]>) {
  const builder = new CompactRouteTableBuilder();
  builder.addFrom(last, (vrf, family) => !(vrf === 'blue' && family === 4));
  addReplacing(builder, last, 'blue', 4, answers);
  return builder.finish();
}

describe('keepUnchanged after a delta read', () => {
  it('names the replaced prefixes of the moved table, and the untouched tables as kept', () => {
    const fresh = delta(
      new Map([['198.51.100.1/32', [bgpRoute('198.51.100.1/32', 'swp2', { vrf: 'blue' })]]]),
    );
    const kept = keepUnchanged(last, fresh, [{ path: '', vrf: 'blue', family: 4 }]);
    expect(kept).not.toBe(last);
    expect(kept.basis?.table.deref()).toBe(last);
    expect(kept.basis?.kept('blue', 4)).toBe(false);
    expect(kept.basis?.kept('blue', 6)).toBe(true);
    expect(kept.basis?.kept('default', 4)).toBe(true);
    expect([...(kept.basis?.changed?.('blue', 4) ?? [])]).toEqual(['198.51.100.1/32']);
  });

  it('a delta that found the rows as they were: the last table itself', () => {
    const fresh = delta(
      new Map([['198.51.100.1/32', [bgpRoute('198.51.100.1/32', 'swp1', { vrf: 'blue' })]]]),
    );
    expect(keepUnchanged(last, fresh, [{ path: '', vrf: 'blue', family: 4 }])).toBe(last);
  });

  it('a table read whole names no prefixes: anything in it may have moved', () => {
    const builder = new CompactRouteTableBuilder();
    builder.addFrom(last, (vrf, family) => !(vrf === 'blue' && family === 4));
    builder.add(bgpRoute('198.51.100.1/32', 'swp2', { vrf: 'blue' }));
    const kept = keepUnchanged(last, builder.finish(), [{ path: '', vrf: 'blue', family: 4 }]);
    expect(kept.basis?.kept('blue', 4)).toBe(false);
    expect(kept.basis?.changed?.('blue', 4)).toBeUndefined();
  });

  it('a delta on another table than the basis names nothing (its rows are not the basis’s)', () => {
    const other = snapshot('rr', { routes: [bgpRoute('198.51.100.1/32', 'swp1', { vrf: 'blue' })] }).routes;
    const builder = new CompactRouteTableBuilder();
    builder.addFrom(last, (vrf, family) => !(vrf === 'blue' && family === 4));
    addReplacing(builder, other, 'blue', 4, new Map([['198.51.100.1/32', []]]));
    expect(builder.finish().basis?.changed?.('blue', 4)).toBeUndefined();
  });
});
