/**
 * Grouping the index into workloads (one row per /32 + /64 on one TAP) after an index change: rows of
 * groups whose entries, record and routers are the same objects are the last rows (at fleet size most
 * of 100k entries are), and every group that changed gets a row that says what changed.
 */
import { describe, expect, it } from 'vitest';
import { groupWorkloads } from '../../components/views/workload-groups.ts';
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
