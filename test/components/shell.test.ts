import { afterEach, describe, expect, it } from 'vitest';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

describe('console shell', () => {
  it('shows the source label and device health counts in the header', async () => {
    screen = renderConsole({ store: labStore(), now: () => NOW });
    await screen.waitForText('LAB (simulated)');
    const header = screen.lines()[0]!;
    expect(header).toContain('ok 3');
    expect(header).toContain('down 1');
    await screen.waitForText('spine1');
    expect(screen.text()).toContain('frr-linux (sim)');
    expect(screen.text()).toContain('ECONNREFUSED');
  });

  it(':bgp lists sessions with the ones that are not Established first', async () => {
    screen = renderConsole({ store: labStore(), now: () => NOW });
    await screen.waitForText('spine1');
    await screen.type(':', 'bgp', KEY.enter);
    await screen.waitForText('Active');
    const rows = screen.lines().filter((line) => /Established|Active/.test(line));
    expect(rows[0]).toContain('Active');
    expect(rows[0]).toContain('spine2');
    expect(rows).toHaveLength(5);
    expect(screen.lines()[0]).toContain('LAB (simulated)');
  });
});
