/**
 * Issue 15 item 2 in the console: rolling back an interrupted migration whose target stays down
 * retries the undo up to the inventory's bound, then the timeline ends FAILED with the reason, the
 * steps left not undone, and the exact next command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyAndKill as killedApply } from './helpers/apply-and-kill.ts';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile, type Inventory } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { MAX_FAULT_MS } from '../../src/lab/sim/server/faults.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { renderConsole, type Screen } from './harness.ts';

describe('console: a rollback whose undo cannot reach its device', () => {
  let parent = '';
  let lab: SimLab;
  let inventory: Inventory;
  let fabric: Fabric;
  let registryPath = '';
  let open: { service: WorkflowService; close(): void } | null = null;
  let screen: Screen | null = null;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-wf-rbfail-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    const loaded = loadInventoryFile(lab.inventoryPath);
    // A short bound keeps the test short (the default, 90 s, outlasts a 30 s SSH drop).
    inventory = { ...loaded, workflows: { ...loaded.workflows, rollbackRetryMs: 300 } };
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 } } },
    );
    await fabric.poller.pollNow();
    fabric.poller.start();
    registryPath = path.join(parent, 'registry.sqlite');
    const first = await openWorkflows(inventory, fabric, { registryPath, operator: 'alice' });
    first.service.adoptLive();
    first.close();
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    open?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  const applyAndKill = (workload: string, target: string, step: string) =>
    killedApply({ inventoryPath: lab.inventoryPath, registryPath }, workload, target, step);

  it('b on the resume dialog: retried, then FAILED with Reason, the steps not undone and Next: plan reconcile', async () => {
    open = await openWorkflows(inventory, fabric, { registryPath, operator: 'alice' });
    const w = open.service.registry.workload('acme-1')!;
    open.close();
    open = null;
    const to = w.host === 'hv1' ? 'hv2' : 'hv1';
    const planId = await applyAndKill('acme-1', to, 'target-announce-preferred');
    lab.faults.dropSsh(to, MAX_FAULT_MS);
    try {
      open = await openWorkflows(inventory, fabric, { registryPath, operator: 'alice' });
      screen = renderConsole({
        store: fabric.store,
        poller: fabric.poller,
        workflows: open.service,
        cols: 120,
        rows: 40,
      });
      await screen.waitForText(`plan ${planId} by bob (migrate acme-1), interrupted`);
      await screen.type('b');
      await screen.waitForText('Status: rollback · FAILED');
      const text = screen.text();
      expect(text).toMatch(
        /Reason: rollback of interrupted plan requested by alice; rollback of target-announce-preferred on/,
      );
      expect(text).toContain('Next: routedeck plan reconcile acme-1');
      expect(text).toMatch(/✗ +3\. target-announce-preferred +\S+ +rollback failed/);
      expect(text).toMatch(/! +2\. target-guard +\S+ +not undone/);
      expect(text).toMatch(/! +1\. target-tap +\S+ +not undone/);
      const stored = open.service.registry.plan(planId);
      expect(stored?.status).toBe('failed');
      expect(stored?.detail).toMatch(
        /\d+ attempts, retried for [\d.]+ s after the first failure, retry bound 0\.3 s/,
      );
    } finally {
      lab.faults.clear(to);
    }
  }, 180_000);
});
