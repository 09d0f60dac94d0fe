import { afterEach, describe, expect, it } from 'vitest';
import { session, snapshot } from '../helpers/snapshots.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

const RED = 1;

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

async function open(options: Partial<Parameters<typeof renderConsole>[0]> = {}): Promise<Screen> {
  screen = renderConsole({ store: labStore(), now: () => NOW, ...options });
  await screen.waitForText('spine1');
  return screen;
}

const tableRows = (s: Screen, pattern: RegExp) => s.lines().filter((line) => pattern.test(line));

describe('console shell', () => {
  it('shows the source label and device health counts in the header', async () => {
    const s = await open();
    const header = s.lines()[0]!;
    expect(header).toContain('LAB (simulated)');
    expect(header).toContain('ok 3');
    expect(header).toContain('down 1');
    expect(s.text()).toContain('frr-linux (sim)');
    expect(s.text()).toContain('ECONNREFUSED');
  });

  it(':bgp lists sessions with the ones that are not Established first, and keeps the label', async () => {
    const s = await open();
    await s.type(':', 'bgp', KEY.enter);
    await s.waitForText('Active');
    const rows = tableRows(s, /Established|Active/);
    expect(rows[0]).toMatch(/spine2.*Active/);
    expect(rows).toHaveLength(5);
    expect(s.colorOf('Active')).toBe(RED);
    expect(s.lines()[0]).toContain('LAB (simulated)');
  });

  it('completes commands with Tab', async () => {
    const s = await open();
    await s.type(':', 'bg', KEY.tab, 'spi', KEY.tab);
    await s.waitForText(':bgp spine');
    await s.type('2', KEY.enter);
    // A `:` jump starts a new breadcrumb.
    await s.waitFor((x) => x.lines()[1]!.startsWith('bgp spine2 '), 'the title bgp spine2');
    expect(tableRows(s, /Established|Active/)).toHaveLength(2);
  });

  it('an unknown command is an error on the status line', async () => {
    const s = await open();
    await s.type(':', 'bogus', KEY.enter);
    await s.waitForText('unknown command :bogus');
    expect(s.colorOf('unknown command')).toBe(RED);
  });

  it('/spine filters, /!spine inverts, a bad regex is reported without a crash', async () => {
    const s = await open();
    await s.type(':', 'bgp', KEY.enter);
    await s.waitForText('Active');
    await s.type('/', 'spine2');
    await s.waitForText('[1/2 of 5]');
    expect(tableRows(s, /Established|Active/).every((line) => line.startsWith('spine2'))).toBe(true);
    // `/` reopens the line with the filter in force; replace it with its inverse.
    await s.type(KEY.enter, '/', ...Array<string>(6).fill(KEY.backspace), '!spine2', KEY.enter);
    await s.waitForText('[1/3 of 5]');
    expect(tableRows(s, /Established|Active/).some((line) => line.startsWith('spine2'))).toBe(false);
    await s.type('/', '(');
    await s.waitForText('bad filter');
    expect(s.colorOf('bad filter')).toBe(RED);
    await s.type(KEY.esc);
    await s.waitForText('[1/3 of 5]');
    expect(s.text()).not.toContain('bad filter');
  });

  it('/spine in the device list keeps the spines', async () => {
    const s = await open();
    await s.type('/', 'spine', KEY.enter);
    // '/spi' already leaves two rows: wait for the whole filter, not only the count.
    await s.waitFor((x) => x.lines()[1]!.includes('/spine'), 'the filter /spine in the title');
    await s.waitForText('[1/2 of 4]');
    expect(s.text()).not.toContain('hypervisor');
  });

  it('? lists the keys of the key table, Esc closes it', async () => {
    const s = await open();
    await s.type('?');
    await s.waitForText('KEYS (devices)');
    for (const text of ['command line', 'filter rows', 'drill in', 'last row', 'quit the console'])
      expect(s.text()).toContain(text);
    await s.type(KEY.esc);
    await s.waitFor((x) => !x.text().includes('KEYS ('), 'help to close');
    expect(s.text()).toContain('spine2');
  });

  it('Enter drills from a device into its BGP sessions, Esc goes back up the breadcrumb', async () => {
    const s = await open();
    await s.type('j', KEY.enter);
    await s.waitForText('devices › bgp spine2');
    expect(tableRows(s, /Established|Active/)).toHaveLength(2);
    await s.type(KEY.esc);
    await s.waitFor((x) => x.lines()[1]!.startsWith('devices ') && !x.text().includes('bgp spine2'), 'back');
    expect(s.text()).toContain('hypervisor');
  });

  it('a session that leaves Established turns red at the next frame', async () => {
    const store = labStore();
    const s = await open({ store });
    await s.type(':', 'bgp spine1', KEY.enter);
    await s.waitForText('bgp spine1');
    expect(tableRows(s, /Active/)).toHaveLength(0);
    store.getState().pollSucceeded(
      'spine1',
      snapshot('spine1', {
        at: NOW,
        bgp: [
          session('spine1', 'swp1', 'Established', { hostname: 'hv1' }),
          session('spine1', 'swp2', 'Active', { hostname: 'hv2' }),
        ],
      }),
    );
    await s.waitFor((x) => x.colorOf('swp2 (hv2)') === RED, 'the session row to turn red');
    expect(tableRows(s, /Established|Active/)[0]).toContain('Active');
    expect(s.text()).toContain('FLAPS');
  });

  it('keys that arrive in one chunk (SSH, tmux, paste) act one by one and only where they belong', async () => {
    const s = await open();
    await s.burst(':bgp\r');
    await s.waitFor((x) => x.lines()[1]!.startsWith('bgp '), 'the title bgp');
    await s.burst('/jk\r');
    await s.waitForText('[0/0 of 5]');
    // `j` and `k` were filter text, not cursor moves; `jj⏎` below are moves and a drill-in.
    await s.type(KEY.esc);
    await s.burst(':devices\r');
    await s.waitFor((x) => x.lines()[1]!.startsWith('devices '), 'back to devices');
    await s.burst('jj\r');
    await s.waitForText('devices › bgp hv1');
  });

  it('q quits', async () => {
    const s = await open();
    await s.type('q');
    await s.handle.waitUntilExit();
  });
});
