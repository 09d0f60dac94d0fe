import { afterEach, describe, expect, it } from 'vitest';
import { colourSequences, KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

/** A frame is intact when each part sits on its own row, once: nothing wrapped, nothing left behind. */
function expectIntact(s: Screen, rows: number) {
  const lines = s.lines();
  expect(lines).toHaveLength(rows);
  expect(lines[0]).toMatch(/^LAB \(simulated\).*\d\d:\d\d:\d\d$/);
  expect(lines.filter((line) => line.includes('LAB (simulated)'))).toHaveLength(1);
  expect(lines.filter((line) => line.includes('<?> help'))).toHaveLength(1);
  expect(lines[rows - 2]).toContain('<?> help');
  expect(lines[2]).toMatch(/^DEVICE|^NAME/);
  expect(lines[rows - 1]).toBe('');
}

describe('terminal behaviour', () => {
  for (const [cols, rows] of [
    [80, 24],
    [200, 50],
  ] as const) {
    it(`renders ${cols}×${rows} without wrapped or garbled lines`, async () => {
      screen = renderConsole({ store: labStore(), now: () => NOW, cols, rows });
      await screen.waitForText('spine1');
      expectIntact(screen, rows);
      await screen.type(':', 'bgp', KEY.enter);
      await screen.waitForText('Active');
      expectIntact(screen, rows);
    });
  }

  it('redraws cleanly when the terminal is resized, narrower and wider', async () => {
    screen = renderConsole({ store: labStore(), now: () => NOW, cols: 120, rows: 30 });
    await screen.waitForText('spine1');
    screen.resize(80, 24);
    await screen.waitFor(
      (s) => s.lines()[23] === '' && s.lines()[22]!.includes('<?> help'),
      'the 80×24 frame',
    );
    expectIntact(screen, 24);
    screen.resize(160, 40);
    await screen.waitFor((s) => s.lines()[38]!.includes('<?> help'), 'the 160×40 frame');
    expectIntact(screen, 40);
  });

  it('NO_COLOR: no colour escape at all', async () => {
    screen = renderConsole({ store: labStore(), now: () => NOW, noColor: true });
    await screen.waitForText('spine1');
    await screen.type(':', 'bgp', KEY.enter);
    await screen.waitForText('Active');
    await screen.type('/', '(');
    await screen.waitForText('bad filter');
    expect(colourSequences(screen.raw())).toEqual([]);
  });

  it('with colour, the same screens do use colour (the check above can fail)', async () => {
    screen = renderConsole({ store: labStore(), now: () => NOW });
    await screen.waitForText('spine1');
    expect(colourSequences(screen.raw()).length).toBeGreaterThan(0);
  });
});
