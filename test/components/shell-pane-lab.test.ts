import { KEY, renderConsole, type Screen } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenShell } from '../../components/shell/session.ts';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile, type Inventory } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';

const CTRL_BRACKET = '\u001d';

// The shell pane on the embedded lab: a pty shell over the poller's own SSH connection, emulated
// and drawn inside the console, driven from the keyboard.
describe('the shell pane on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let inventory: Inventory;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  let openShell: OpenShell;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-shell-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
    inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 500, hypervisor: 500 } } },
    );
    fabric.poller.start();
    workflows = await openWorkflows(inventory, fabric, {
      registryPath: path.join(parent, 'registry.sqlite'),
      operator: 'alice',
    });
    openShell = (device, size) =>
      fabric.ssh.get(inventory.devices.find((d) => d.name === device)!).shell(size);
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: workflows.service,
      openShell,
      cols: 100,
      rows: 30,
    });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    workflows?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('s on hv2 opens its shell full screen; ip -br addr runs and displays', async () => {
    await screen.waitForText(/hv2 .* ok /);
    await screen.type('/', 'hv2', KEY.enter, 's');
    await screen.waitForText('shell hv2 (sim) — Ctrl-] back to console');
    await screen.waitForText('noc@hv2:~$ ');
    expect(screen.text()).not.toContain('LAB (simulated)');
    await screen.type('ip -br addr', KEY.enter);
    await screen.waitForText(/^lo {15}UNKNOWN {8}127\.0\.0\.1\/8 .*::1\/128$/m);
    await screen.waitForText(/^eth1 {13}UP {12}/m);
    // Keys the console would take (q, :, arrows, Ctrl-C) all go to the shell.
    await screen.type('q', KEY.up, '\u0003');
    await screen.waitForText(/noc@hv2:~\$ q\^C\n/);
  });

  it('resizing the terminal resizes the remote pty', async () => {
    screen.resize(110, 35);
    await screen.type('stty size', KEY.enter);
    // 35 rows less the title line and the line ink leaves free.
    await screen.waitForText(/^33 110$/m);
  });

  it('Ctrl-] goes back to the console with the shell kept; Ctrl-] in the console goes back into it', async () => {
    await screen.type(CTRL_BRACKET);
    await screen.waitForText('LAB (simulated)');
    await screen.waitForText(/hv2 .* ok /);
    await screen.type(CTRL_BRACKET);
    await screen.waitForText('shell hv2 (sim)');
    expect(screen.text()).toMatch(/^33 110$/m);
    expect(screen.text()).toMatch(/^lo {15}UNKNOWN/m);
  });

  it('several shells: :ssh opens another, :shells lists them, :shell N switches', async () => {
    await screen.type(CTRL_BRACKET, ':ssh sp', KEY.tab, '1', KEY.enter);
    await screen.waitForText('shell 2/2 spine1 (sim)');
    await screen.waitForText('spine1:~$ ');
    await screen.type('hostname', KEY.enter);
    await screen.waitForText(/^spine1$/m);
    // In one chunk, as tmux send-keys or a fast typist over SSH delivers it: what follows Ctrl-] is the console's.
    await screen.burst(`${CTRL_BRACKET}:shells\r`);
    await screen.waitForText('shells: 1 hv2 · 2 spine1 (:shell N)');
    await screen.type(':shell 1', KEY.enter);
    await screen.waitForText('shell 1/2 hv2 (sim)');
    expect(screen.text()).toMatch(/^33 110$/m);
  });

  it('exit closes the shell and the pane, with a flash', async () => {
    await screen.type('exit', KEY.enter);
    await screen.waitForText('shell on hv2 closed: exited with status 0');
    await screen.waitForText('LAB (simulated)');
    await screen.type(':shells', KEY.enter);
    await screen.waitForText('shells: 1 spine1 (:shell N)');
  });

  it(':note records a walkthrough marker in the audit log', async () => {
    await screen.type(':note checking hv2 before the migration', KEY.enter);
    await screen.waitForText('noted: checking hv2 before the migration');
    const notes = workflows.service.registry.audit({}).filter((a) => a.kind === 'note');
    expect(notes.map((a) => a.message)).toEqual(['checking hv2 before the migration']);
  });

  it('a read-only console has no shells and no notes: s, Ctrl-], :ssh and :note are refused', async () => {
    const ro = renderConsole({ store: fabric.store, readOnly: true, openShell, cols: 100, rows: 30 });
    try {
      await ro.waitForText(/hv2 .* ok /);
      await ro.type('s');
      await ro.waitForText('read-only console: shell refused');
      await ro.type(':ssh hv2', KEY.enter);
      await ro.waitForText(':ssh refused');
      await ro.type(':note hello', KEY.enter);
      await ro.waitForText(':note refused');
      await ro.type('?');
      await ro.waitForText('KEYS (devices, read-only)');
      expect(ro.text()).not.toMatch(/shell/);
    } finally {
      await ro.close();
    }
  });
});
