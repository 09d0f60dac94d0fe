import { KEY, renderConsole, type Screen } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';

const RED = 1;

// The whole console on the embedded lab: real SSH and HTTPS to the simulated devices, the real
// drivers, store and poller, and the TUI drawn into a terminal emulator.
describe('the console on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let screen: Screen;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-app-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
    fabric = openFabric(
      loadInventoryFile(lab.inventoryPath),
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      {
        poller: { intervalMs: { router: 300, hypervisor: 300 } },
      },
    );
    fabric.poller.start();
    screen = renderConsole({ store: fabric.store, poller: fabric.poller, cols: 100, rows: 30 });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('opens on the lab, labelled as simulated, with every device ok', async () => {
    await screen.waitForText('LAB (simulated)');
    await screen.waitForText(/ok 6/);
    expect(screen.text()).toMatch(/spine1 .*vyos \(sim\)/);
  });

  it(':bgp shows the sessions; a flapped session goes red and comes back', async () => {
    await screen.type(':', 'bgp', KEY.enter);
    await screen.waitForText(/spine1 +default +ipv4 +eth1 \(hv1\) .*Established/);
    // Down long enough for a poll to see it even on a loaded machine, where polls run late.
    lab.faults.flap('spine1', 'eth2', 8_000);
    await screen.waitFor((s) => s.colorOf('eth2 (hv2)') === RED, 'the flapped session to turn red');
    // Not Established sessions are listed first.
    const firstRow = screen.lines().find((line) => /^(spine|hv)\d/.test(line));
    expect(firstRow).toMatch(/eth2 \(hv2\)|eth\d \(spine1\)/);
    await screen.waitFor((s) => s.colorOf('eth2 (hv2)') !== RED, 'the session to recover');
  });

  it('a device whose SSH drops is shown unreachable with the reason while the rest stay ok', async () => {
    await screen.type(':', 'devices', KEY.enter);
    await screen.waitForText(/hv2 .*ok/);
    lab.faults.dropSsh('hv2', 8_000);
    await screen.waitForText(/hv2 .*unreachable/);
    const rows = screen.lines().filter((line) => /^(spine|hv)\d .* ssh[+ ]/.test(line));
    expect(rows.filter((row) => /unreachable/.test(row))).toEqual([expect.stringMatching(/^hv2 /)]);
    expect(rows.filter((row) => / ok /.test(row))).toHaveLength(5);
    expect(rows.find((row) => row.startsWith('hv2 '))).toMatch(/Cannot connect to|Connection to hv2/);
    await screen.waitForText(/hv2 .* ok /);
  });
});
