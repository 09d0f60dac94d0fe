import { KEY, renderConsole, type Screen } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';

const GREEN = 2;

// Issue 12, item 1 on the embedded lab: hv3's SSH dropped (`lab ctl drop-ssh hv3`) while its BGP
// sessions go on. What the console last read from hv3 must read as old, never as live.
describe('a hypervisor whose SSH drops: stale, never live', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-stale-ui-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 }, maxBackoffMs: 1_000 } },
    );
    // Judge age against a long interval: here staleness must come from the failed poll alone, never
    // from a busy machine's slow polls (the age rule itself is tested in test/state/freshness.test.ts).
    const state = fabric.store.getState();
    state.setPollIntervals(Object.fromEntries(state.deviceOrder.map((name) => [name, 600_000])));
    await fabric.poller.pollNow();
    fabric.poller.start();
    workflows = await openWorkflows(inventory, fabric, {
      registryPath: path.join(parent, 'registry.sqlite'),
      operator: 'alice',
    });
    workflows.service.adoptLive();
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: workflows.service,
      cols: 120,
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

  const hv3Rows = () => screen.lines().filter((line) => /^hv3 /.test(line));

  it('before: hv3’s sessions are green Established with a fresh age', async () => {
    await screen.waitForText(/ok 6/);
    await screen.type(':', 'bgp hv3', KEY.enter);
    await screen.waitForText(/hv3 +default +ipv4 +\S+ \(spine1\) .*Established +\d+s/);
    expect(screen.colorOf('Established')).toBe(GREEN);
    expect(screen.text()).not.toContain('stale');
  });

  it('the create wizard’s host health follows the store while it is open', async () => {
    await screen.type(':', 'workloads', KEY.enter);
    await screen.waitForText(/acme +default/);
    await screen.type('c');
    await screen.waitForText("Create a workload: a /32 and a /64 from the tenant's pools");
    await screen.waitForText(/hv3 +ok/);
    // Down for longer than any loaded machine takes to run this file; the lab's stop clears it.
    lab.faults.dropSsh('hv3', 3_600_000);
    await screen.waitForText(/down 1/);
    await screen.waitForText(/hv3 +unreachable/);
    expect(screen.text()).not.toMatch(/hv3 +ok/);
    await screen.type(KEY.esc);
  });

  it(':bgp hv3 — every session is drawn stale with its age, none green Established', async () => {
    await screen.type(':', 'bgp hv3', KEY.enter);
    await screen.waitFor(
      () => hv3Rows().length > 0 && hv3Rows().every((row) => /Established +stale \d+s/.test(row)),
      'every hv3 session to read stale',
    );
    expect(screen.colorOf('Established')).not.toBe(GREEN);
  });

  it(':devices — hv3’s BGP count sits next to its stale age', async () => {
    await screen.type(':', 'devices', KEY.enter);
    await screen.waitForText(/hv3 .*unreachable +stale \d+s +\d+\/\d+/);
    expect(screen.lines().find((line) => line.startsWith('hv1 '))).not.toContain('stale');
  });

  it(':workloads — hv3’s workloads stay, stale and flagged while the routers still route them', async () => {
    await screen.type(':', 'workloads', KEY.enter);
    // One row per workload: its host (the TAP is on its detail view), then the age and the conflict.
    await screen.waitForText(/ hv3 .*stale \d+s +host hv3 unreachable/);
    const fresh = screen.lines().filter((line) => / hv[124] /.test(line));
    expect(fresh.length).toBeGreaterThan(0);
    expect(fresh.filter((line) => line.includes('stale'))).toEqual([]);
  });
});
