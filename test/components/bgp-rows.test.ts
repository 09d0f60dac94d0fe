/**
 * The BGP view's rows (components/views/bgp-rows.ts): sessions that are down first, each part in device
 * order, split once per snapshot and never copied — at 1,000 hosts the view holds ~320,000 sessions;
 * remaking and sorting them at every poll the store publishes held the console for seconds, and a copy
 * of each held ~55 MB. Uptime (as of the poll) and flaps are read for the rows drawn.
 */
import { describe, expect, it } from 'vitest';
import { bgpRows, rowFacts } from '../../components/views/bgp-rows.ts';
import { sessionKey, type AppState } from '../../src/state/store.ts';
import { session, snapshot } from '../helpers/snapshots.ts';

function fabric(at: number) {
  const make = (name: string, states: string[]) => {
    const snap = snapshot(name, { at, bgp: states.map((st, i) => session(name, `eth${i}`, st)) });
    return { snapshot: { ...snap, bgpReadAt: at - 500 } };
  };
  return {
    rr1: make('rr1', ['Established', 'Active', 'Established']),
    hv1: make('hv1', ['Established', 'Established']),
    hv2: make('hv2', ['Idle', 'Established']),
  } as unknown as AppState['devices'];
}
const ORDER = ['rr1', 'hv1', 'hv2'];
const names = (rows: ReturnType<typeof bgpRows>) => rows.map((r) => `${r.device}/${r.peer}`);

describe('the BGP view’s rows', () => {
  it('lists sessions that are down first, each part in device order, uptimes as of the poll', () => {
    const devices = fabric(10_000);
    const rows = bgpRows(devices, ORDER);
    expect(names(rows)).toEqual([
      'rr1/eth1',
      'hv2/eth0',
      'rr1/eth0',
      'rr1/eth2',
      'hv1/eth0',
      'hv1/eth1',
      'hv2/eth1',
    ]);
    // 1 s when FRR was asked, read 0.5 s before the poll confirmed it.
    const facts = rowFacts(devices, {});
    expect(facts.uptimeMs(rows.find((r) => r.peer === 'eth0' && r.device === 'rr1')!)).toBe(1500);
    expect(bgpRows(devices, ORDER, 'hv2').map((r) => r.peer)).toEqual(['eth0', 'eth1']);
  });

  it('rows are the snapshots’ sessions, not copies; uptime and flaps read from the current poll and counts', () => {
    const devices = fabric(10_000);
    const first = bgpRows(devices, ORDER);
    // Nothing is made per session: at 1,000 hosts that was ~320,000 objects on entering the view.
    expect(first).toContain(devices['rr1']!.snapshot!.bgp[0]);
    const polled = {
      ...devices,
      hv1: { snapshot: { ...devices['hv1']!.snapshot!, collectedAt: 12_000 } },
    } as unknown as AppState['devices'];
    const second = bgpRows(polled, ORDER);
    const row = (rows: typeof first, device: string, peer: string) =>
      rows.find((r) => r.device === device && r.peer === peer)!;
    // hv1's uptime as of its new poll (read 2.5 s before it), the others' as of theirs.
    expect(rowFacts(polled, {}).uptimeMs(row(second, 'hv1', 'eth0'))).toBe(3500);
    expect(rowFacts(polled, {}).uptimeMs(row(second, 'rr1', 'eth0'))).toBe(1500);
    // A new flap count needs no new rows: the same list, the count read when drawn.
    const flaps = { [sessionKey('hv2', 'default', 'ipv4Unicast', 'eth0')]: 3 };
    expect(bgpRows(polled, ORDER)).toEqual(second);
    expect(rowFacts(polled, flaps).flaps(row(second, 'hv2', 'eth0'))).toBe(3);
    expect(rowFacts(polled, flaps).flaps(row(second, 'rr1', 'eth0'))).toBe(0);
  });

  it('is the same list while every device keeps its sessions (a publish, a poll whose probes confirmed them); a changed one remakes it', () => {
    const devices = fabric(10_000);
    const first = bgpRows(devices, ORDER);
    // A new record and new snapshots, the same session arrays: nothing made (at 1,000 hosts a 2.5 MB list
    // several times a second).
    const republished = Object.fromEntries(
      Object.entries(devices).map(([n, d]) => [n, { snapshot: { ...d.snapshot!, collectedAt: 11_000 } }]),
    ) as unknown as AppState['devices'];
    expect(bgpRows(republished, ORDER)).toBe(first);
    // hv1's session went down: a new list, with it among the sessions that are down.
    const hv1 = devices['hv1']!.snapshot!;
    const down = { ...hv1.bgp[1]!, state: 'Idle', established: false };
    const changed = {
      ...republished,
      hv1: { snapshot: { ...hv1, bgp: [hv1.bgp[0]!, down] } },
    } as unknown as AppState['devices'];
    const third = bgpRows(changed, ORDER);
    expect(third).not.toBe(first);
    expect(names(third).slice(0, 3)).toEqual(['rr1/eth1', 'hv1/eth1', 'hv2/eth0']);
    // Another device only: the list for it alone, not the whole one.
    expect(names(bgpRows(changed, ORDER, 'hv1'))).toEqual(['hv1/eth1', 'hv1/eth0']);
  });
});
