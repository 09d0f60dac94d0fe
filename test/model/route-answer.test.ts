/**
 * A router's answer for one prefix put into its held table (issue 16: a migration's verification shows
 * the switch at once): the prefix's rows replaced in their place, everything else row for row, the
 * answer's own read time kept apart from its table's — and never over a table read after it.
 */
import { opaque } from '../helpers/opaque-table.ts';
import { describe, expect, it, vi } from 'vitest';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import type { Route } from '../../src/model/route.ts';
import { addReplacing, keepAnswers, withPrefixAnswer } from '../../src/model/route-answer.ts';
import { bgpRoute } from '../helpers/snapshots.ts';

const rows: Route[] = [
  bgpRoute('203.0.113.1/32', 'swp1'),
  bgpRoute('203.0.113.2/32', 'swp1', { uptime: '01:00:00' }),
  bgpRoute('203.0.113.3/32', 'swp2'),
  bgpRoute('2001:db8:b:1::/64', 'swp1'),
  bgpRoute('10.0.0.2/32', 'swp1', { vrf: 'blue' }),
];
function held(readAt: number) {
  const b = new CompactRouteTableBuilder();
  for (const r of rows) b.add(r);
  return b.finish(readAt);
}
const text = (t: Iterable<Route>) =>
  [...t].map((r) => `${r.vrf} ${r.prefix} ${r.nexthops.map((h) => h.interface).join(',')} ${r.uptime}`);

describe('addReplacing on a copy that took its ids from the table (rows copied as they are)', () => {
  // Rows of both families, several VRFs, a non-canonical IPv6 spelling, two rows of one prefix (ECMP
  // as two entries), rows without distance or uptime.
  const table = () => {
    const b = new CompactRouteTableBuilder();
    for (const r of [
      bgpRoute('203.0.113.1/32', 'swp1'),
      bgpRoute('203.0.113.2/32', 'swp1', { uptime: '01:00:00' }),
      bgpRoute('203.0.113.2/32', 'swp2', { selected: false, installed: false }),
      bgpRoute('203.0.113.3/32', 'swp2', { distance: null, uptime: null }),
      bgpRoute('2001:db8:b:1::/64', 'swp1'),
      bgpRoute('2001:0db8:b:2::/64', 'swp3'),
      bgpRoute('2001:db8:b:3::/64', 'swp1'),
      bgpRoute('10.0.0.2/32', 'swp1', { vrf: 'blue' }),
      bgpRoute('2001:db8:c:1::/64', 'swp4', { vrf: 'blue' }),
    ])
      b.add(r);
    return b.finish(1_000);
  };
  const cases: [string, 'default' | 'blue', 4 | 6, Map<string, Route[]>][] = [
    [
      'an ECMP prefix answered by one row',
      'default',
      4,
      new Map([['203.0.113.2/32', [bgpRoute('203.0.113.2/32', 'swp9')]]]),
    ],
    [
      'a prefix withdrawn, one added, one moved',
      'default',
      4,
      new Map([
        ['203.0.113.1/32', []],
        ['203.0.113.9/32', [bgpRoute('203.0.113.9/32', 'swp5')]],
        ['203.0.113.3/32', [bgpRoute('203.0.113.3/32', 'swp7', { uptime: '00:00:02' })]],
      ]),
    ],
    [
      'IPv6: a canonical answer beside a row spelled otherwise',
      'default',
      6,
      new Map([
        ['2001:db8:b:2::/64', [bgpRoute('2001:db8:b:2::/64', 'swp8')]],
        ['2001:db8:b:3::/64', [bgpRoute('2001:db8:b:3::/64', 'swp6')]],
        // Spelled otherwise than the table's row: another prefix text, as FRR's answer keys are.
        ['2001:0db8:b:1::/64', [bgpRoute('2001:0db8:b:1::/64', 'swp2')]],
      ]),
    ],
    [
      'IPv6: the row as spelled',
      'default',
      6,
      new Map([['2001:0db8:b:2::/64', [bgpRoute('2001:0db8:b:2::/64', 'swp8')]]]),
    ],
    [
      'another VRF',
      'blue',
      6,
      new Map([['2001:db8:c:1::/64', [bgpRoute('2001:db8:c:1::/64', 'swp1', { vrf: 'blue' })]]]),
    ],
  ];
  for (const [name, vrf, family, answers] of cases)
    it(`${name}: the rows, lookups and read times a row-by-row copy gives`, () => {
      const t = table();
      const build = (source: Parameters<CompactRouteTableBuilder['addFrom']>[0]) => {
        const b = new CompactRouteTableBuilder();
        b.addFrom(source, (v, f) => !(v === vrf && f === family));
        addReplacing(b, source, vrf, family, answers);
        return b.finish(5_000);
      };
      const fast = build(t);
      const slow = build(opaque(t));
      expect(text(fast)).toEqual(text(slow));
      expect([...fast]).toEqual([...slow]);
      for (const [prefix, rows] of answers)
        expect(fast.lookup(prefix.split('/')[0]!, vrf)?.nexthops ?? null).toEqual(
          rows.length > 0
            ? slow.lookup(prefix.split('/')[0]!, vrf)!.nexthops
            : (slow.lookup(prefix.split('/')[0]!, vrf)?.nexthops ?? null),
        );
      for (const v of ['default', 'blue'])
        for (const f of [4, 6] as const) expect(fast.readAtOf(v, f), `${v} ${f}`).toBe(slow.readAtOf(v, f));
    });
});

describe('withPrefixAnswer', () => {
  it('replaces the prefix’s rows in their place; other rows, VRFs and families as they were', () => {
    const table = held(1_000);
    const answer = [bgpRoute('203.0.113.2/32', 'swp9', { uptime: '00:00:01' })];
    const next = withPrefixAnswer(table, 'default', '203.0.113.2/32', answer, 4_000)!;
    expect(text([...next.indexesOf('default', 4)].map((i) => next.at(i)))).toEqual([
      'default 203.0.113.1/32 swp1 00:01:00',
      'default 203.0.113.2/32 swp9 00:00:01',
      'default 203.0.113.3/32 swp2 00:01:00',
    ]);
    expect(text(next).filter((r) => !r.includes('203.0.113.'))).toEqual(
      text(table).filter((r) => !r.includes('203.0.113.')),
    );
    expect(next.lookup('203.0.113.2')?.nexthops[0]?.interface).toBe('swp9');
    // The answer is as of 4 s; the rest of its table as of 1 s (AGE advances each from its own time).
    expect(next.readAtOf('default', 4, '203.0.113.2/32')).toBe(4_000);
    expect(next.readAtOf('default', 4, '203.0.113.1/32')).toBe(1_000);
    expect(next.readAtOf('blue', 4)).toBe(1_000);
    // Views derived from the other tables stand; the answered one's are derived again.
    expect(next.basis?.kept('default', 6)).toBe(true);
    expect(next.basis?.kept('default', 4)).toBe(false);
  });

  it('no rows: the prefix is gone; a prefix it did not have is added; earlier answers keep their times', () => {
    const first = withPrefixAnswer(held(1_000), 'default', '203.0.113.3/32', [], 2_000)!;
    expect(first.lookup('203.0.113.3')).toBeUndefined();
    expect(first.size).toBe(rows.length - 1);
    const second = withPrefixAnswer(
      first,
      'default',
      '203.0.113.9/32',
      [bgpRoute('203.0.113.9/32', 'swp4')],
      3_000,
    )!;
    expect(second.lookup('203.0.113.9')?.prefix).toBe('203.0.113.9/32');
    expect(second.readAtOf('default', 4, '203.0.113.3/32')).toBe(2_000);
    expect(second.readAtOf('default', 4, '203.0.113.9/32')).toBe(3_000);
  });

  it('a table read after the answer wins; an answer holding another prefix is refused', () => {
    const table = held(5_000);
    expect(withPrefixAnswer(table, 'default', '203.0.113.2/32', [], 4_000)).toBeNull();
    expect(() =>
      withPrefixAnswer(held(1_000), 'default', '203.0.113.2/32', [bgpRoute('203.0.113.7/32', 'swp1')], 4_000),
    ).toThrow(/holds a row of default 203.0.113.7\/32/);
  });
});

/** The verification's answer for 203.0.113.2 at 5 s: now via swp3. */
const answerVia3 = (table: ReturnType<typeof held>) =>
  withPrefixAnswer(table, 'default', '203.0.113.2/32', [bgpRoute('203.0.113.2/32', 'swp3')], 5_000)!;

/**
 * A held table read at 1 s, the verification's answer for 203.0.113.2 (now via swp3) at 5 s, and a
 * poll that started from the held table: its builder with every table but default IPv4 kept.
 */
function answeredThenPolling() {
  const t0 = held(1_000);
  const answered = answerVia3(t0);
  const b = new CompactRouteTableBuilder();
  b.addFrom(t0, (vrf, family) => !(vrf === 'default' && family === 4));
  return { t0, answered, b };
}

describe('keepAnswers', () => {
  it('a poll read before the answer: the answer stands, and the table names the poll’s basis with both prefixes changed', () => {
    const { t0, answered, b } = answeredThenPolling();
    // The poll read a delta for 203.0.113.3 at 4 s (before the answer).
    addReplacing(b, t0, 'default', 4, new Map([['203.0.113.3/32', [bgpRoute('203.0.113.3/32', 'swp1')]]]));
    const polled = b.finish(4_000);
    const kept = keepAnswers(answered, polled);
    expect(text(kept).some((l) => l.startsWith('default 203.0.113.2/32 swp3 '))).toBe(true);
    expect(text(kept).some((l) => l.startsWith('default 203.0.113.3/32 swp1 '))).toBe(true);
    expect(kept.basis?.table.deref()).toBe(t0);
    expect([...(kept.basis?.changed?.('default', 4) ?? [])].sort()).toEqual([
      '203.0.113.2/32',
      '203.0.113.3/32',
    ]);
    expect(kept.basis?.kept('default', 4)).toBe(false);
    expect(kept.basis?.kept('blue', 4)).toBe(true);
  });

  it('a poll that read the table whole before the answer: the answer stands, no prefix list (the table may differ anywhere)', () => {
    const { answered, b } = answeredThenPolling();
    for (const r of rows) if (r.vrf === 'default' && r.family === 4) b.add(r);
    const polled = b.finish(4_000);
    const kept = keepAnswers(answered, polled);
    expect(text(kept).some((l) => l.startsWith('default 203.0.113.2/32 swp3 '))).toBe(true);
    expect(kept.basis?.changed?.('default', 4)).toBeUndefined();
    expect(kept.basis?.kept('default', 6)).toBe(true);
  });

  it('a workload’s /32 and /64 answered after the poll read: both stand, with their own times, from one copy of the table', () => {
    const t0 = held(1_000);
    const v4 = answerVia3(t0);
    const both = withPrefixAnswer(v4, 'default', '2001:db8:b:1::/64', [], 5_100)!;
    const polled = held(4_000);
    let copies = 0;
    const addFrom = CompactRouteTableBuilder.prototype.addFrom;
    const spy = vi.spyOn(CompactRouteTableBuilder.prototype, 'addFrom').mockImplementation(function (
      this: CompactRouteTableBuilder,
      ...args: Parameters<typeof addFrom>
    ) {
      copies++;
      return addFrom.apply(this, args);
    });
    let kept: ReturnType<typeof keepAnswers>;
    try {
      kept = keepAnswers(both, polled);
    } finally {
      spy.mockRestore();
    }
    expect(kept).not.toBe(polled);
    expect(copies).toBe(1);
    expect(text(kept).some((l) => l.startsWith('default 203.0.113.2/32 swp3 '))).toBe(true);
    expect(text(kept).some((l) => l.includes('2001:db8:b:1::/64'))).toBe(false);
    expect(kept.readAtOf?.('default', 4, '203.0.113.2/32')).toBe(5_000);
    expect(kept.readAtOf?.('default', 6, '2001:db8:b:1::/64')).toBe(5_100);
    // The tables' other rows keep the poll's time.
    expect(kept.readAtOf?.('default', 4)).toBe(4_000);
    expect(kept.readAtOf?.('default', 6)).toBe(4_000);
    expect(kept.readAtOf?.('blue', 4)).toBe(4_000);
    expect(kept.size).toBe(polled.size - 1);
  });

  it('a poll read after the answer: the poll’s own table, as it was', () => {
    const t0 = held(1_000);
    const answered = withPrefixAnswer(t0, 'default', '203.0.113.2/32', [], 5_000)!;
    const polled = held(6_000);
    expect(keepAnswers(answered, polled)).toBe(polled);
  });
});
