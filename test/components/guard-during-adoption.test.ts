import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';

// A console's registry learns the fabric's live workloads only when the console adopts them (after
// every device's first answer; at 1,000 hosts, ~45 s of batches). Until then each TAP's anti-spoofing
// elements have no workload in the registry: `:guard` drew ~100,000 red `stale` rows, and `R` would
// have planned deleting every live workload's allowed sources. Now drift waits for the adoption.
describe(':guard while the console is still recording the live workloads', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-guard-adopt-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 5, jitterMs: 1 },
    });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 } } },
    );
    await fabric.poller.pollNow();
    fabric.poller.start();
    workflows = await openWorkflows(inventory, fabric, {
      registryPath: path.join(parent, 'registry.sqlite'),
      operator: 'alice',
    });
    // As runConsole: the console will adopt once every device has answered — not yet.
    workflows.service.expectAdoption();
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: workflows.service,
      cols: 80,
      rows: 24,
    });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    workflows?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  const joined = () => screen.text().replace(/\n\s*/g, ' ');

  it('Workloads says the registry is still to record them: rows unnamed until then', async () => {
    await screen.type(':', 'workloads', KEY.enter);
    // At 80 columns, whole: rows show NAME `-` until then.
    await screen.waitForText('names: the registry records the live workloads once every device has answered');
  });

  it('no drift is drawn from a registry that does not know the workloads yet: each host says why', async () => {
    expect(workflows.service.registry.workloads()).toEqual([]);
    await screen.type(':', 'guard', KEY.enter);
    await screen.waitForText(/HOST +TAP +DRIFT +SET +ELEMENT +SPOOF +WHY/);
    for (const hv of ['hv1', 'hv2', 'hv3', 'hv4'])
      await screen.waitForText(new RegExp(`${hv} +- +not compared`));
    await screen.waitFor(() => /the registry records the live workloads/.test(joined()), 'the reason');
    expect(screen.text()).not.toMatch(/stale|missing|extra/);
  });

  it('R refuses, saying why and when to try again; nothing is planned', async () => {
    const plans = workflows.service.registry.plans().length;
    await screen.type('R');
    await screen.waitForText("Repair anti-spoofing drift: make the hosts' vmguard sets say");
    await screen.type(KEY.enter);
    await screen.waitFor(
      () => /✗ the registry records the live workloads .*repair after it \(R again\)/.test(joined()),
      'the refusal',
    );
    expect(workflows.service.registry.plans()).toHaveLength(plans);
    await screen.type(KEY.esc);
    await screen.waitForText('guard-repair cancelled; nothing was planned');
  });

  it('once the workloads are recorded every host is compared again: clean', async () => {
    await workflows.service.adoptLiveGradually();
    expect(workflows.service.adoption()).toBeNull();
    expect(workflows.service.registry.workloads().length).toBe(lab.fabric.workloads().length);
    for (const hv of ['hv1', 'hv2', 'hv3', 'hv4'])
      await screen.waitForText(new RegExp(`${hv} +- +clean +\\d+ \\d+ elements, as the registry`));
    expect(screen.text()).not.toMatch(/stale|missing|extra/);
    // And Workloads names them, its note gone.
    await screen.type(':', 'workloads', KEY.enter);
    const name = lab.fabric.workloads()[0]!.tap.replace(/^tap-/, '');
    await screen.waitFor(() => joined().includes(name), `${name} named`);
    expect(joined()).not.toMatch(/names: the registry/);
  });
});
