import { describe, expect, it } from 'vitest';
import { firstInstalled, parseRouteMonitor } from '../../src/lab/netns/route-monitor.ts';

// Captured from `TZ=UTC ip -n rd-rtr1 -ts monitor route` (iproute2 6.1, Debian 12) in the netns lab.
const OUTPUT = `[2026-11-23T12:35:00.001698] 198.51.100.200 nhid 14 via inet6 fe80::14a3:e2ff:fefe:3173 dev dn-hv1 proto bgp metric 20 
[2026-11-23T12:35:00.605617] Deleted 198.51.100.200 nhid 14 via inet6 fe80::14a3:e2ff:fefe:3173 dev dn-hv1 proto bgp metric 20 
[2026-11-23T12:35:01.100000] 2001:db8:a::/64 nhid 20 via fe80::c8f1:2ff:fe00:1 dev dn-hv2 proto bgp metric 20 pref medium
`;

describe('parseRouteMonitor', () => {
  it('reads time, deletion, prefix (with its length) and device', () => {
    const events = parseRouteMonitor(OUTPUT);
    expect(events).toEqual([
      {
        at: Date.UTC(2026, 10, 23, 12, 35, 0) + 1.698,
        deleted: false,
        prefix: '198.51.100.200/32',
        dev: 'dn-hv1',
      },
      {
        at: Date.UTC(2026, 10, 23, 12, 35, 0) + 605.617,
        deleted: true,
        prefix: '198.51.100.200/32',
        dev: 'dn-hv1',
      },
      {
        at: Date.UTC(2026, 10, 23, 12, 35, 1) + 100,
        deleted: false,
        prefix: '2001:db8:a::/64',
        dev: 'dn-hv2',
      },
    ]);
    expect(firstInstalled(events, 'rtr1', '2001:db8:a::/64', 'hv2', 0)).toBe(
      Date.UTC(2026, 10, 23, 12, 35, 1, 100),
    );
    expect(firstInstalled(events, 'rtr1', '198.51.100.200/32', 'hv2', 0)).toBeNull();
  });
});
