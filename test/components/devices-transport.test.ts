/**
 * The Devices view says how each device's VyOS API certificate is trusted when it is not by the
 * system's CAs: a pinned certificate (chain checks off for that one device, exactly one certificate
 * accepted) is an opt-out an engineer must be able to see.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createAppStore } from '../../src/state/store.ts';
import { renderConsole, type Screen } from './harness.ts';
import { NOW, spec } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

/** The screen line of a device's row (its name followed by a space). */
const line = (name: string) =>
  screen!
    .text()
    .split('\n')
    .find((l) => l.includes(`${name} `)) ?? '';

const api = (tls: { mode: 'system' } | { mode: 'ca'; caFile: string } | { mode: 'pin'; sha256: string }) => ({
  api: { url: 'https://192.0.2.1', key: { file: '/dev/null' }, tls },
});

describe('Devices view: API trust', () => {
  it('marks a pinned and a CA-file API, and says nothing extra for the system CAs', async () => {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [
        spec('vy-pin', 'router', { kind: 'vyos', ...api({ mode: 'pin', sha256: 'AA' }) }),
        spec('vy-ca', 'router', { kind: 'vyos', ...api({ mode: 'ca', caFile: '/etc/ca.pem' }) }),
        spec('vy-sys', 'router', { kind: 'vyos', ...api({ mode: 'system' }) }),
        spec('hv1', 'hypervisor'),
      ],
      tenants: [],
    });
    screen = renderConsole({ store, now: () => NOW, cols: 140, rows: 20 });
    await screen.waitForText('vy-sys');
    expect(line('vy-pin')).toMatch(/\+api pin/);
    expect(line('vy-ca')).toMatch(/\+api ca/);
    expect(line('vy-sys')).toMatch(/\+api(?! pin| ca)/);
    expect(line('hv1')).not.toContain('+api');
  });

  it('at 80 columns the address is cut, never how the API is trusted', async () => {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [
        spec('vy-pin', 'router', {
          kind: 'vyos',
          host: '203.0.113.254',
          port: 22022,
          ...api({ mode: 'pin', sha256: 'AA' }),
        }),
        spec('hv1', 'hypervisor'),
      ],
      tenants: [],
    });
    screen = renderConsole({ store, now: () => NOW, cols: 80, rows: 24 });
    await screen.waitForText('vy-pin');
    expect(line('vy-pin')).toMatch(/\+api pin/);
    expect(line('vy-pin').length).toBeLessThanOrEqual(80);
  });
});

describe('Devices view: route monitor', () => {
  it('marks a router whose route monitor is open (+mon), and drops the mark when it ends', async () => {
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [
        spec('vy-pin', 'router', { kind: 'vyos', ...api({ mode: 'pin', sha256: 'AA' }) }),
        spec('rtr2', 'router'),
        spec('hv1', 'hypervisor'),
      ],
      tenants: [],
    });
    store.getState().setChangeFeed('vy-pin', true, NOW);
    store.getState().setChangeFeed('rtr2', true, NOW);
    screen = renderConsole({ store, now: () => NOW, cols: 80, rows: 24 });
    await screen.waitForText('vy-pin');
    // At 80 columns too: the address gives way, not the trust nor the monitor.
    expect(line('vy-pin')).toMatch(/ssh\+api pin\+mon/);
    expect(line('rtr2')).toMatch(/ssh\+mon/);
    expect(line('hv1')).not.toContain('+mon');
    store.getState().setChangeFeed('rtr2', false, NOW, 'the device ended it or the connection dropped');
    await screen.waitFor(() => !line('rtr2').includes('+mon'), 'rtr2 without +mon');
    expect(line('vy-pin')).toContain('+mon');
  });
});
