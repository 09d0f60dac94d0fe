/**
 * The Workloads view marks a workload another console holds a plan on (issue 19): who and which plan,
 * on the row, within the feed's refresh — here two consoles on one SQLite registry; the PostgreSQL
 * path delivers the same feed through NOTIFY (test/registry/team.test.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { openRegistry } from '../../src/registry/index.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { samplePlan } from '../registry/helpers.ts';
import { renderConsole, type Screen } from './harness.ts';

describe('another console’s plan on a workload', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  let registryPath = '';

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-team-mark-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(inventory, { kind: 'lab-sim', label: 'LAB (simulated)' });
    await fabric.poller.pollNow();
    registryPath = path.join(parent, 'registry.sqlite');
    workflows = await openWorkflows(inventory, fabric, { registryPath, operator: 'alice' });
    workflows.service.adoptLive();
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: workflows.service,
      initialView: 'workloads',
      cols: 120,
      rows: 30,
    });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    workflows?.close();
    await fabric?.close();
    await lab?.stop();
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it('shows who holds it and the plan on the row, and clears when the lease is released', async () => {
    const name = workflows.service.registry.workloads()[0]!.name;
    await screen.waitForText(new RegExp(`${name}\\s`));
    expect(screen.text()).not.toMatch(/ by bob /);
    const bob = openRegistry({ path: registryPath });
    try {
      bob.savePlan({ ...samplePlan('plan-bob-1', name), operator: 'bob' }, 'applying');
      bob.acquireLease(name, 'plan-bob-1', {
        console: 'bob-console',
        operator: 'bob',
        pid: process.pid,
        host: hostname(),
      });
      await screen.waitForText(new RegExp(`${name}\\s.*create by bob \\(plan-bob-1\\)`));
      bob.releaseLeasesOf('plan-bob-1');
      await screen.waitFor((s) => !/ by bob /.test(s.text()), 'the mark to clear');
    } finally {
      bob.close();
    }
  }, 180_000);
});
