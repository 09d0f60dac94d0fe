/**
 * `:audit` in the console on a team registry (PostgreSQL): another console's plan shows up with its
 * operator and outcome while this one watches, pushed by NOTIFY (no key pressed, no poll waited for).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { openRegistry } from '../../src/registry/index.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { KEY, renderConsole, type Screen } from '../components/harness.ts';
import { useBackends } from '../registry/backends.ts';
import { samplePlan } from '../registry/helpers.ts';

const pgBackend = useBackends().find((b) => b.name === 'postgres')!;

describe.skipIf(pgBackend.skip)(':audit on a team registry', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  let url = '';

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-audit-ui-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 5, jitterMs: 1 },
    });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(inventory, { kind: 'lab-sim', label: 'LAB (simulated)' });
    await fabric.poller.pollNow();
    url = await pgBackend.location();
    workflows = await openWorkflows(inventory, fabric, { registryPath: url, operator: 'alice' });
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: workflows.service,
      cols: 120,
      rows: 24,
    });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    workflows?.close();
    await fabric?.close();
    await lab?.stop();
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it("lists the team's plans, newest first, with who and how it ended", async () => {
    await screen.type(':', ...'audit', KEY.enter);
    await screen.waitForText('no plans in the registry yet');
    const bob = openRegistry({ path: url });
    try {
      bob.savePlan({ ...samplePlan('plan-bob-1', 'web-7'), operator: 'bob' }, 'applying');
      await screen.waitForText(/bob\s+applying\s+create\s+web-7\s+plan-bob-1/);
      bob.setPlanStatus('plan-bob-1', 'rolled-back', 'verify timed out on r1');
      await screen.waitForText(
        /bob\s+rolled-back\s+create\s+web-7\s+plan-bob-1\s+create web-7: verify timed out on r1/,
      );
    } finally {
      bob.close();
    }
  }, 180_000);
});
