/**
 * A router's table is held between reads while BGP's versions hold (route-check.ts): its rows' AGE is
 * FRR's uptime as of the read, advanced to now — never the frozen text of a read minutes ago.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { advanceUptime, formatFrrUptime, parseFrrUptime } from '../../components/format.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { createAppStore } from '../../src/state/store.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { NOW, spec } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

describe('route AGE', () => {
  it('reads and writes FRR’s uptime forms; unknown text is a lower bound', () => {
    expect(parseFrrUptime('00:01:02')).toBe(62);
    expect(parseFrrUptime('1d02h03m')).toBe(86_400 + 2 * 3600 + 180);
    expect(parseFrrUptime('02w3d04h')).toBe(2 * 604_800 + 3 * 86_400 + 4 * 3600);
    expect(parseFrrUptime('soon')).toBeNull();
    expect(formatFrrUptime(62)).toBe('00:01:02');
    expect(formatFrrUptime(86_400 + 7_380)).toBe('1d02h03m');
    expect(formatFrrUptime(2 * 604_800 + 3 * 86_400 + 4 * 3600)).toBe('02w3d04h');
    expect(advanceUptime('23:59:30', 60_000)).toBe('1d00h00m');
    expect(advanceUptime('00:01:02', 0)).toBe('00:01:02');
    expect(advanceUptime('soon', 5_000)).toBe('≥soon');
    expect(advanceUptime(null, 5_000)).toBe('-');
  });

  it('a table read 10 minutes ago shows its routes 10 minutes older than FRR printed then', async () => {
    const store = createAppStore({
      source: { kind: 'lab-sim', label: 'LAB (simulated)' },
      devices: [spec('spine1', 'router')],
      tenants: [],
    });
    const builder = new CompactRouteTableBuilder();
    const hop = [{ ip: '192.0.2.1', interface: 'eth0', active: true }];
    builder.addParsed('default', '198.51.100.7/32', 'bgp', true, true, 20, 0, '00:01:00', hop);
    // Held since the read at NOW − 10 min; the poll that kept it is recent.
    store.getState().pollSucceeded('spine1', {
      device: 'spine1',
      collectedAt: NOW - 1_000,
      bgp: [],
      routes: builder.finish(NOW - 600_000),
      interfaces: [],
      vrfs: [],
      workloadRoutes: [],
      partialErrors: [],
    });
    screen = renderConsole({ store, now: () => NOW, cols: 120, rows: 30 });
    await screen.waitForText('spine1');
    await screen.type(':', 'routes spine1 vrf default', KEY.enter);
    await screen.waitForText('198.51.100.7/32');
    const row = screen.lines().find((line) => line.includes('198.51.100.7/32'))!;
    expect(row).toContain('00:11:00');
    expect(row).not.toContain('00:01:00');
  });
});
