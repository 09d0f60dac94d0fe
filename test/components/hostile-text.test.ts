import { KEY, renderConsole, type Screen } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { HOSTILE_DEVICE, SHOWN, startHostileLab, type HostileLab } from '../cli/hostile-text-device.ts';

/**
 * What the device's text would have done had it reached the terminal raw. (The console's own
 * start clears the alternate screen once, so a clear is looked for as the device sent it.)
 */
const EXECUTED = [
  '\u001b]', // OSC: window title (the console sends none)
  '\u001b[2J\u001b[3J\u001b[H\u001b[41m', // the hostname's clear, home and red background
  '\u009b', // 8-bit CSI
  '\u202e', // right-to-left override
];

interface Style {
  fg: number;
  bg: number;
  fgMode: number;
  bgMode: number;
  invisible: boolean;
  inverse: boolean;
}

/** Row and column of `text` on screen, and the style of each of its cells. */
function cellsOf(screen: Screen, text: string): { row: number; styles: Style[] } | null {
  const buffer = screen.term.buffer.active;
  for (let y = 0; y < screen.term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    const x = line?.translateToString(false).indexOf(text) ?? -1;
    if (!line || x < 0) continue;
    const styles: Style[] = [];
    for (let i = 0; i < text.length; i++) {
      const cell = line.getCell(x + i)!;
      styles.push({
        fg: cell.getFgColor(),
        bg: cell.getBgColor(),
        fgMode: cell.getFgColorMode(),
        bgMode: cell.getBgColorMode(),
        invisible: cell.isInvisible() !== 0,
        inverse: cell.isInverse() !== 0,
      });
    }
    return { row: y, styles };
  }
  return null;
}

/** Device text drawn in one style from its first cell to its last: nothing in it restyled the rest. */
function expectOneStyle(screen: Screen, text: string): void {
  const found = cellsOf(screen, text);
  expect(found, `${text} on screen`).not.toBeNull();
  const [first, ...rest] = found!.styles;
  expect(first!.invisible).toBe(false);
  for (const style of rest) expect(style).toEqual(first);
}

// The whole console on a lab whose hv1 reports escapes over real SSH (a peer's hostname, a VRF, a
// TAP, a `%` error): every one is drawn as a visible escape and the terminal stays ours.
describe('the console on a device that sends terminal escapes', () => {
  let parent = '';
  let hostile: HostileLab;
  let fabric: Fabric;
  let screen: Screen;
  const titles: string[] = [];

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-hostile-tui-'));
    hostile = await startHostileLab(path.join(parent, 'sim'));
    fabric = openFabric(
      loadInventoryFile(hostile.lab.inventoryPath),
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 } } },
    );
    fabric.poller.start();
    screen = renderConsole({ store: fabric.store, poller: fabric.poller, cols: 220, rows: 30 });
    // Registered before xterm parses the first frame (it parses writes asynchronously).
    screen.term.onTitleChange((title) => titles.push(title));
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    await fabric?.close();
    await hostile?.close();
    await rm(parent, { recursive: true, force: true });
  });

  const expectTerminalIntact = () => {
    expect(titles).toEqual([]);
    for (const sequence of EXECUTED) expect(screen.raw()).not.toContain(sequence);
    // Not cleared, not scrolled: the header is still the first line.
    expect(screen.lines()[0]).toMatch(/^LAB \(simulated\)/);
  };

  it('devices: the `%` error in the ERROR column is escaped, in the row colour', async () => {
    await screen.waitForText(new RegExp(`${HOSTILE_DEVICE} .* degraded .*% Unknown command`));
    const row = screen.lines().find((line) => line.startsWith(`${HOSTILE_DEVICE} `))!;
    expect(row).toContain('% Unknown command: \\x9b2J\\x1b]2;pwned');
    expectOneStyle(screen, '% Unknown command: \\x9b2J\\x1b]2;pwned');
    expectTerminalIntact();
  });

  it("bgp: the peer's hostname and the VRF name are escaped; no cell takes their colours", async () => {
    await screen.type(':', `bgp ${HOSTILE_DEVICE}`, KEY.enter);
    const peer = `eth0.100 (${SHOWN.hostname.slice(0, 30)}`;
    await screen.waitForText(peer);
    const row = screen.lines().find((line) => line.includes(peer))!;
    expect(row).toContain(SHOWN.vrf);
    expect(row).toMatch(/Established/);
    expectOneStyle(screen, peer);
    expectOneStyle(screen, SHOWN.vrf);
    expectTerminalIntact();
  });

  it('breadcrumb: drilling into the VRF names it escaped in the title line; the TAP is escaped in the table', async () => {
    await screen.type('/', 'blue', KEY.enter);
    await screen.waitFor(
      (s) =>
        s
          .lines()
          .filter((line) => line.startsWith(`${HOSTILE_DEVICE} `))
          .every((l) => l.includes(SHOWN.vrf)),
      'the filter to keep the VRF blue sessions',
    );
    await screen.type(KEY.enter);
    const crumb = `routes ${HOSTILE_DEVICE}/${SHOWN.vrf}`;
    await screen.waitFor((s) => s.lines()[1]!.includes(crumb), 'the breadcrumb to name the VRF');
    expectOneStyle(screen, crumb);
    await screen.waitForText(SHOWN.tap);
    expectOneStyle(screen, SHOWN.tap);
    expectTerminalIntact();
  });

  it('status line: the device failing with the `%` error is reported escaped, in one colour', async () => {
    // A `:` jump starts a new breadcrumb: back to Devices by name.
    await screen.type(':', 'devices', KEY.enter);
    // The store reports a change of health: hv1 heals, then every command fails with the `%` text.
    hostile.fail('none');
    await screen.waitForText(new RegExp(`^${HOSTILE_DEVICE} .* ok `, 'm'));
    hostile.fail('all');
    const status = () => screen.lines()[screen.term.rows - 3]!;
    await screen.waitFor(
      // The event (`hv1: degraded: …`), or the selected row's cut ERROR in full (`ERROR: …`).
      () => /^(hv1: (degraded|unreachable)|ERROR): /.test(status()) && status().includes('% Unknown command'),
      'the status line to report hv1 failing',
    );
    expect(status()).toContain(SHOWN.error);
    expectOneStyle(screen, SHOWN.error);
    expectTerminalIntact();
  });
});
