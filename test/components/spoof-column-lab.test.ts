import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';

const RED = 1;

// The Workloads view's SPOOF column on the embedded lab: the lab makes a TAP send from a foreign
// source, the next poll of its hypervisor counts it, and the row shows the count in red.
describe('SPOOF column on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let screen: Screen;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-spoof-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { workloads: 6 },
    });
    fabric = openFabric(
      loadInventoryFile(lab.inventoryPath),
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 } } },
    );
    fabric.poller.start();
    screen = renderConsole({ store: fabric.store, poller: fabric.poller, cols: 120, rows: 30 });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('counts the drops of the spoofing TAP on its rows only, in red', async () => {
    const w = lab.fabric.workloads()[0]!;
    const row = (prefix: string) => screen.lines().find((l) => l.includes(`${prefix} `)) ?? '';
    await screen.type(':', 'workloads', KEY.enter);
    await screen.waitForText(/SPOOF/);
    await screen.waitFor(() => / 0( |$)/.test(row(w.ipv4)), 'the workload row with 0 drops');

    lab.faults.spoof(w.host, w.tap, 37);
    await screen.waitFor(() => / 37( |$)/.test(row(w.ipv4)), 'the row to count 37 drops');
    // One row per workload: the /64 is on the same row as the /32.
    expect(row(w.ipv4)).toContain(w.ipv6Prefix);
    // The 37 in that row's SPOOF cell (an address elsewhere may contain 37 too).
    const term = screen.term;
    const y = screen.lines().findIndex((l) => l.includes(`${w.ipv4} `));
    const line = term.buffer.active.getLine(term.buffer.active.viewportY + y)!;
    const cell = line.getCell(line.translateToString(false).indexOf(' 37') + 1);
    expect(cell?.isFgPalette() ? cell.getFgColor() : undefined).toBe(RED);
    const others = lab.fabric.workloads().filter((x) => x.tap !== w.tap || x.host !== w.host);
    for (const o of others) expect(row(o.ipv4)).not.toMatch(/ 37( |$)/);
  });
});
