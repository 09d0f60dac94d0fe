import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CompactRouteTable } from '../../src/model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import { createAppStore, type AppStore } from '../../src/state/store.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW, spec } from './fixtures.ts';

const ROUTES = 1_000_000;

/** A border router's full table: one million /24s in the default VRF, as the bench fixture has. */
function fullTable(): CompactRouteTable {
  const builder = new CompactRouteTableBuilder();
  const nexthops = [{ ip: '192.0.2.1', interface: 'eth0', active: true }];
  for (let i = 0; i < ROUTES; i++) {
    const prefix = `${(i >>> 16) + 1}.${(i >>> 8) & 255}.${i & 255}.0/24`;
    builder.addParsed('default', prefix, 'bgp', true, true, 20, 0, '1d02h', nexthops);
  }
  return builder.finish();
}

let table: CompactRouteTable;
beforeAll(() => {
  table = fullTable();
}, 180_000);

function borderStore(): AppStore {
  const store = createAppStore({
    source: { kind: 'lab-sim', label: 'LAB (simulated)' },
    devices: [spec('border1', 'router')],
    tenants: [],
  });
  const snap: DeviceSnapshot = {
    device: 'border1',
    collectedAt: NOW,
    bgp: [],
    routes: table,
    interfaces: [],
    vrfs: [],
    workloadRoutes: [],
    partialErrors: [],
  };
  store.getState().pollSucceeded('border1', snap);
  return store;
}

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

describe('routes', () => {
  it('device → VRF → table, and :routes spine1 vrf blue straight to the table', async () => {
    screen = renderConsole({ store: labStore(), now: () => NOW });
    await screen.waitForText('spine1');
    await screen.type(':', 'routes', KEY.enter);
    await screen.waitForText('VRFS');
    await screen.type(KEY.enter);
    await screen.waitForText('routes spine1');
    await screen.waitForText('blue');
    await screen.type(':', 'routes spine1 vrf blue', KEY.enter);
    await screen.waitForText('routes spine1/blue');
    expect(screen.text()).toContain('198.51.100.10/32');
    expect(screen.text()).toContain('198.51.100.0/24');
    await screen.type('/', '198.51.100.77', KEY.enter);
    await screen.waitForText('longest match for 198.51.100.77 in blue: 198.51.100.0/24');
  });

  // How fast is bench/console-latency.ts's business: a test asserts what shows, not how soon.
  it('a 1M-route table shows its first screen and G jumps to the last route', async () => {
    screen = renderConsole({
      store: borderStore(),
      now: () => NOW,
      initialView: 'route-table',
      initialArgs: { device: 'border1', vrf: 'default' },
    });
    await screen.waitForText(`[1/${ROUTES}]`);
    expect(screen.text()).toContain('1.0.0.0/24');
    await screen.type('G');
    await screen.waitForText(`[${ROUTES}/${ROUTES}]`);
    expect(screen.text()).toContain('16.66.63.0/24');
    await screen.type('g');
    await screen.waitForText(`[1/${ROUTES}]`);
  });

  it('filters 1M routes in slices: progress shows, keys still work, the result arrives', async () => {
    screen = renderConsole({
      store: borderStore(),
      now: () => NOW,
      initialView: 'route-table',
      initialArgs: { device: 'border1', vrf: 'default' },
    });
    await screen.waitForText('1.0.0.0/24');
    await screen.type('/', '^7\\.1\\.', KEY.enter);
    // The raw output, not the current frame: on a fast machine the filter may finish between two looks.
    await screen.waitFor((s) => s.raw().includes('filtering…'), 'the filter to show its progress');
    // The filter is running; moving the cursor is answered meanwhile.
    await screen.type('j');
    await screen.waitForText(`[2/${ROUTES}]`);
    await screen.waitForText(`of ${ROUTES}]`);
    expect(screen.text()).toContain('[2/256 of 1000000]');
    expect(screen.text()).toContain('7.1.0.0/24');
    expect(screen.text()).not.toContain('filtering…');
  });

  it('an address in a big table is a longest-prefix lookup on the index, not a scan', async () => {
    screen = renderConsole({
      store: borderStore(),
      now: () => NOW,
      initialView: 'route-table',
      initialArgs: { device: 'border1', vrf: 'default' },
    });
    await screen.waitForText('1.0.0.0/24');
    await screen.type('/', '9.200.3.77', KEY.enter);
    await screen.waitForText('longest match for 9.200.3.77 in default: 9.200.3.0/24');
    expect(screen.text()).toContain(`[1/1 of ${ROUTES}]`);
  });
});
