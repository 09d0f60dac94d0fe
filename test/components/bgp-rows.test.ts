/**
 * The BGP view's rows (components/views/bgp-rows.ts): sessions that are down first, each part in device
 * order; a poll remakes only its own device's rows — at 1,000 hosts the view holds ~320,000 sessions
 * and remaking and sorting all of them at every poll the store publishes held the console for seconds.
 */
import { describe, expect, it } from 'vitest';
import { bgpRows } from '../../components/views/bgp-rows.ts';
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
    const rows = bgpRows(fabric(10_000), ORDER, {});
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
    expect(rows.find((r) => r.peer === 'eth0' && r.device === 'rr1')!.uptimeMs).toBe(1500);
    expect(bgpRows(fabric(10_000), ORDER, {}, 'hv2').map((r) => r.peer)).toEqual(['eth0', 'eth1']);
  });

  it('a poll remakes its own device’s rows only; a new flap count remakes them all', () => {
    const devices = fabric(10_000);
    // The store keeps its flap counts' object until a session flaps.
    const none = {};
    const first = bgpRows(devices, ORDER, none);
    const polled = { ...devices, hv1: { snapshot: { ...devices['hv1']!.snapshot!, collectedAt: 12_000 } } };
    const second = bgpRows(polled as unknown as AppState['devices'], ORDER, none);
    const row = (rows: typeof first, device: string, peer: string) =>
      rows.find((r) => r.device === device && r.peer === peer)!;
    // The other devices' rows are the same objects; hv1's are new, with the uptime as of its new poll.
    expect(row(second, 'rr1', 'eth0')).toBe(row(first, 'rr1', 'eth0'));
    expect(row(second, 'hv2', 'eth0')).toBe(row(first, 'hv2', 'eth0'));
    expect(row(second, 'hv1', 'eth0')).not.toBe(row(first, 'hv1', 'eth0'));
    expect(row(second, 'hv1', 'eth0').uptimeMs).toBe(3500);
    const flaps = { [sessionKey('hv2', 'default', 'ipv4Unicast', 'eth0')]: 3 };
    const third = bgpRows(polled as unknown as AppState['devices'], ORDER, flaps);
    expect(row(third, 'hv2', 'eth0').flaps).toBe(3);
    expect(row(third, 'rr1', 'eth0').flaps).toBe(0);
  });
});
