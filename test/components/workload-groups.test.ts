/**
 * Grouping the index into workloads (one row per /32 + /64 on one TAP) after an index change: rows of
 * groups whose entries, record and routers are the same objects are the last rows (at fleet size most
 * of 100k entries are), and every group that changed gets a row that says what changed.
 */
import { describe, expect, it } from 'vitest';
import {
  groupWorkloads,
  regroupWorkloads,
  type WorkloadRow,
} from '../../components/views/workload-groups.ts';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';

const entry = (prefix: string, host: string, tap: string, routers: string[]): WorkloadEntry => ({
  vrf: 'default',
  prefix,
  family: prefix.includes(':') ? 6 : 4,
  tenant: 'acme',
  announcers: [{ host, interface: tap, metric: 0, source: 'host', hostProblem: null }],
  seenBy: routers.map((router) => ({
    router,
    protocol: 'bgp',
    selected: true,
    nexthops: [{ viaHost: host }],
  })),
  conflicts: [],
});
const ROUTERS = ['rr1', 'rr2'];

describe('groupWorkloads after an index change', () => {
  it('keeps the rows of unchanged groups and makes new ones for changed groups', () => {
    const a4 = entry('198.51.100.1/32', 'hv1', 'tap1', ROUTERS);
    const a6 = entry('2001:db8:a:1::/64', 'hv1', 'tap1', ROUTERS);
    const b4 = entry('198.51.100.2/32', 'hv2', 'tap2', ROUTERS);
    const none = () => undefined;
    const first = groupWorkloads([a4, b4, a6], none, ROUTERS);
    expect(first.map((r) => `${r.ipv4} ${r.ipv6} ${r.hosts} ${r.routersSeeing}/${r.routers}`)).toEqual([
      '198.51.100.1 2001:db8:a:1::/64 hv1 2/2',
      '198.51.100.2 - hv2 2/2',
    ]);
    // The same entries (a new list): the same rows.
    const again = groupWorkloads([a4, b4, a6], none, [...ROUTERS]);
    expect(again[0]).toBe(first[0]);
    expect(again[1]).toBe(first[1]);

    // b moved to hv3 and only rr1 sees it there yet: its row is new, a's stands.
    const moved = entry('198.51.100.2/32', 'hv3', 'tap9', ['rr1']);
    const after = groupWorkloads([a4, moved, a6], none, ROUTERS);
    expect(after[0]).toBe(first[0]);
    expect(after[1]).not.toBe(first[1]);
    expect(`${after[1]!.hosts} ${after[1]!.routersSeeing}/${after[1]!.routers}`).toBe('hv3 1/2');

    // A registry record for a: named, a new row; a router more: every row again.
    const record = { name: 'web1' } as WorkloadRecord;
    const named = groupWorkloads(
      [a4, moved, a6],
      (_v, p) => (p.startsWith('198.51.100.1/') || p.startsWith('2001:db8:a:1:') ? record : undefined),
      ROUTERS,
    );
    expect(named[0]!.name).toBe('web1');
    expect(named[0]).not.toBe(after[0]);
    const three = groupWorkloads([a4, moved, a6], none, [...ROUTERS, 'rr3']);
    expect(three.map((r) => r.routers)).toEqual([3, 3]);
  });
});

describe('regroupWorkloads: only the groups an index change touched are made again', () => {
  /** Deterministic pseudo-random numbers. */
  const rng = (seed: number) => () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

  it('after migrations, views moving and workloads merging or splitting: the rows a regroup from scratch gives', () => {
    const random = rng(7);
    const none = () => undefined;
    // 200 workloads, each a /32 and a /64 on its own TAP; the /32s first, as the index orders them.
    const v4 = Array.from({ length: 200 }, (_, w) =>
      entry(`198.51.${w >> 8}.${w & 255}/32`, `hv${w % 20}`, `tap${w}`, ROUTERS),
    );
    const v6 = Array.from({ length: 200 }, (_, w) =>
      entry(`2001:db8:${w.toString(16)}::/64`, `hv${w % 20}`, `tap${w}`, ROUTERS),
    );
    let entries = [...v4, ...v6];
    let grouping = regroupWorkloads(null, entries, none, ROUTERS);
    expect(grouping.rows).toHaveLength(200);
    for (let round = 0; round < 60; round++) {
      const next = entries.slice();
      // Mostly a few workloads at once; every fifth round forty (a fleet's hosts first read by the hundred).
      const count = round % 5 === 4 ? 40 : 1 + Math.floor(random() * 4);
      for (let k = 0; k < count; k++) {
        const w = Math.floor(random() * 200);
        const kind = Math.floor(random() * 4);
        const [at4, at6] = [w, 200 + w];
        const host = `hv${Math.floor(random() * 20)}`;
        const other = Math.floor(random() * 200);
        if (kind === 0) {
          // Migrated: both prefixes to another host's TAP.
          next[at4] = entry(next[at4]!.prefix, host, `tap${w}`, ROUTERS);
          next[at6] = entry(next[at6]!.prefix, host, `tap${w}`, ROUTERS);
        } else if (kind === 1) {
          // One router does not see the /32 (yet): same group, another row.
          next[at4] = entry(
            next[at4]!.prefix,
            next[at4]!.announcers[0]!.host,
            next[at4]!.announcers[0]!.interface!,
            ['rr1'],
          );
        } else if (kind === 2) {
          // The /64 routed to another workload's TAP: it joins that group, its own loses it.
          const to = next[other]!.announcers[0]!;
          next[at6] = entry(next[at6]!.prefix, to.host, to.interface!, ROUTERS);
        } else {
          // The /32 alone moved: the workload splits in two rows.
          next[at4] = entry(next[at4]!.prefix, host, `tap-split${w}`, ROUTERS);
        }
      }
      const before = grouping.rows;
      grouping = regroupWorkloads(grouping, next, none, ROUTERS);
      const scratch = groupWorkloads(next, none, ROUTERS);
      const text = (rows: typeof before) =>
        rows.map((r) => `${r.key} ${r.ipv4} ${r.ipv6} ${r.hosts} ${r.routersSeeing}`);
      expect(text(grouping.rows), `round ${round}`).toEqual(text(scratch));
      // Rows whose members did not change are the same objects as before.
      const byKey = new Map(before.map((row) => [row.key, row]));
      let kept = 0;
      for (const row of grouping.rows) {
        const last = byKey.get(row.key);
        if (!last || last.entries.length !== row.entries.length) continue;
        if (!last.entries.every((e, i) => e === row.entries[i])) continue;
        expect(row, `round ${round} ${row.key}`).toBe(last);
        kept++;
      }
      expect(kept).toBeGreaterThan(count >= 40 ? 80 : 150);
      entries = next;
    }
  });

  it('while entries come and go (hosts first read, workloads created and removed): the rows a regroup from scratch gives', () => {
    const random = rng(11);
    // Records looked up: a regroup from scratch asks for every entry's.
    let lookups = 0;
    const none = () => {
      lookups++;
      return undefined;
    };
    // The index's order: every /32, then every /64 (as by prefix); a workload is its two entries.
    const workloads = new Map<number, { v4: WorkloadEntry; v6: WorkloadEntry }>();
    const make = (w: number, host: string) => ({
      v4: entry(`198.51.${w >> 8}.${w & 255}/32`, host, `tap${w}`, ROUTERS),
      v6: entry(`2001:db8:${w.toString(16)}::/64`, host, `tap${w}`, ROUTERS),
    });
    for (let w = 0; w < 100; w++) workloads.set(w * 3, make(w * 3, `hv${w % 10}`));
    const index = () => {
      const ws = [...workloads.keys()].sort((a, b) => a - b).map((w) => workloads.get(w)!);
      return [...ws.map((w) => w.v4), ...ws.map((w) => w.v6)];
    };
    let entries = index();
    let grouping = regroupWorkloads(null, entries, none, ROUTERS);
    let fromScratch = 0;
    for (let round = 0; round < 80; round++) {
      const count = 1 + Math.floor(random() * 6);
      for (let k = 0; k < count; k++) {
        const w = Math.floor(random() * 400);
        const kind = Math.floor(random() * 3);
        if (kind === 0 && !workloads.has(w)) workloads.set(w, make(w, `hv${Math.floor(random() * 10)}`));
        else if (kind === 1) workloads.delete(w);
        else if (workloads.has(w)) {
          // Moved: both entries new objects, in the same places.
          workloads.set(w, make(w, `hv${Math.floor(random() * 10)}`));
        }
      }
      const next = index();
      const before = grouping;
      // The entries of the last index (the regroup takes its grouping's maps over).
      const lastEntries = new Set(before.entries);
      lookups = 0;
      grouping = regroupWorkloads(grouping, next, none, ROUTERS);
      // Only the entries that came or went, and each touched group's first: not the other ~200.
      expect(lookups, `round ${round}`).toBeLessThanOrEqual(6 * count);
      const scratch = groupWorkloads(next, none, ROUTERS);
      const text = (rows: readonly WorkloadRow[]) =>
        rows.map((r) => `${r.key} ${r.ipv4} ${r.ipv6} ${r.hosts} ${r.routersSeeing}`);
      expect(text(grouping.rows), `round ${round}`).toEqual(text(scratch));
      // Workloads no change touched keep their row objects (not made again from scratch).
      const kept = new Set(next.filter((e) => lastEntries.has(e)));
      const untouched = grouping.rows.filter((row) => row.entries.every((e) => kept.has(e)));
      const same = untouched.filter((row) => before.rows.includes(row));
      if (same.length < untouched.length) fromScratch++;
      entries = next;
    }
    expect(fromScratch).toBe(0);
    expect(entries.length).not.toBe(200);
  });

  it("a row's columns: both prefixes, each host once (an unread one with its reason), routers seeing every prefix, conflicts once", () => {
    const v4 = entry('198.51.100.7/32', 'hv1', 'tap-a', ['rr1', 'rr2']);
    const v6 = entry('2001:db8:a::/64', 'hv1', 'tap-a', ['rr1']);
    const conflict = 'announced from 2 hosts: hv1, hv3';
    const unread = {
      host: 'hv3',
      interface: null,
      metric: null,
      source: 'routers',
      hostProblem: 'host unreachable',
    } as const;
    const rows = groupWorkloads(
      [
        { ...v4, announcers: [...v4.announcers, unread], conflicts: [conflict] },
        { ...v6, announcers: [...v6.announcers, unread], conflicts: [conflict, 'not seen by rr2'] },
      ],
      () => undefined,
      ROUTERS,
    );
    expect(rows).toHaveLength(2); // the TAPs differ from the bare prefixes' key: hv3 has none
    const all = groupWorkloads([v6, v4], () => undefined, ROUTERS);
    expect(all.map((r) => [r.ipv4, r.ipv6, r.hosts, r.taps, `${r.routersSeeing}/${r.routers}`])).toEqual([
      ['198.51.100.7', '2001:db8:a::/64', 'hv1', 'hv1/tap-a', '1/2'],
    ]);
    expect(rows.map((r) => [r.ipv4, r.ipv6, r.hosts, r.taps, r.conflicts])).toEqual([
      ['198.51.100.7', '-', 'hv1,hv3/? (host unreachable)', 'hv1/tap-a,hv3/? (host unreachable)', [conflict]],
      [
        '-',
        '2001:db8:a::/64',
        'hv1,hv3/? (host unreachable)',
        'hv1/tap-a,hv3/? (host unreachable)',
        [conflict, 'not seen by rr2'],
      ],
    ]);
  });

  it('a router read for the first time (every entry replaced, most announcers kept): the rows from scratch, routers and conflicts updated', () => {
    const none = () => undefined;
    const index: WorkloadEntry[] = [];
    for (let n = 0; n < 20; n++)
      for (const prefix of [`198.51.100.${n}/32`, `2001:db8:a:${n.toString(16)}::/64`])
        index.push({ ...entry(prefix, `hv${n % 3}`, `tap-${n}`, ['rr1']), conflicts: ['not seen by rr2'] });
    // A prefix only the routers tell of (its host not read yet): a row of its own, keyed by the prefix.
    const unread = {
      host: 'hv3',
      interface: null,
      metric: null,
      source: 'routers',
      hostProblem: 'host not polled yet',
    } as const;
    index.push({
      ...entry('203.0.113.9/32', 'hv3', 'x', ['rr1']),
      announcers: [unread],
      conflicts: ['not seen by rr2'],
    });
    const g = regroupWorkloads(null, index, none, ROUTERS);
    expect(g.rows.map((r) => r.routersSeeing)).toEqual(Array(21).fill(1));
    expect(g.rows[20]!.hosts).toBe('hv3/? (host not polled yet)');
    // rr2 joins: every entry new, its announcers the same array; one workload's /64 it does not see.
    const joined = index.map((e, i) => ({
      ...e,
      seenBy: i === 5 ? e.seenBy : [...e.seenBy, { ...e.seenBy[0]!, router: 'rr2' }],
      conflicts: i === 5 ? e.conflicts : [],
      // …and one workload moved to hv9 meanwhile (new announcers).
      announcers: i === 8 || i === 9 ? [{ ...e.announcers[0]!, host: 'hv9' }] : e.announcers,
    }));
    // …and the unread host is down now: the same row key, new announcers.
    joined[40] = { ...joined[40]!, announcers: [{ ...unread, hostProblem: 'host unreachable' }] };
    const rows = regroupWorkloads(g, joined, none, ROUTERS).rows;
    expect(rows).toEqual(groupWorkloads(joined, none, ROUTERS));
    expect(rows.map((r) => `${r.routersSeeing}/${r.routers} ${r.conflicts.join(';')}`)).toEqual(
      Array.from({ length: 21 }, (_, n) => (n === 2 ? '1/2 not seen by rr2' : '2/2 ')),
    );
    expect(rows[20]!.hosts).toBe('hv3/? (host unreachable)');
    expect(
      rows.every(
        (r, n) =>
          r.entries.every((e) => joined.includes(e)) &&
          (n === 20 || r.hosts === (n === 4 ? 'hv9' : `hv${n % 3}`)),
      ),
    ).toBe(true);
  });

  it('the same index again is the same rows; another router list regroups from scratch', () => {
    const none = () => undefined;
    const a = [
      entry('198.51.100.1/32', 'hv1', 'tap1', ROUTERS),
      entry('2001:db8:a:1::/64', 'hv1', 'tap1', ROUTERS),
    ];
    const g = regroupWorkloads(null, a, none, ROUTERS);
    expect(regroupWorkloads(g, a, none, ROUTERS)).toBe(g);
    const longer = [...a, entry('198.51.100.2/32', 'hv2', 'tap2', ROUTERS)];
    expect(regroupWorkloads(g, longer, none, ROUTERS).rows.map((r) => r.hosts)).toEqual(['hv1', 'hv2']);
    const routers = [...ROUTERS, 'rr3'];
    expect(regroupWorkloads(g, a, none, routers).rows.map((r) => r.routers)).toEqual([3]);
  });
});
