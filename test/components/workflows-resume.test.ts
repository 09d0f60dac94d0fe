import { DURATION } from '../helpers/duration.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyAndKill as killedApply } from './helpers/apply-and-kill.ts';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile, type Inventory } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { openRegistry } from '../../src/registry/index.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';

// A console killed mid-apply (SIGKILL, as a dropped SSH session or a crash would): the next console
// on the same registry offers the plan, and both resume and roll back finish it from the dialog.
describe('a console killed mid-apply: the next start offers resume / roll back', () => {
  let parent = '';
  let lab: SimLab;
  let inventory: Inventory;
  let fabric: Fabric;
  let registryPath = '';
  let open: { service: WorkflowService; close(): void } | null = null;
  let screen: Screen | null = null;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-wf-resume-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      {
        poller: { intervalMs: { router: 300, hypervisor: 300 } },
      },
    );
    await fabric.poller.pollNow();
    fabric.poller.start();
    registryPath = path.join(parent, 'registry.sqlite');
    const first = await openWorkflows(inventory, fabric, { registryPath, operator: 'alice' });
    first.service.adoptLive();
    first.close();
  }, 180_000);

  afterEach(async () => {
    await screen?.close();
    screen = null;
    open?.close();
    open = null;
  });

  afterAll(async () => {
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  const applyAndKill = (workload: string, target: string, step: string) =>
    killedApply({ inventoryPath: lab.inventoryPath, registryPath }, workload, target, step);

  /** A console started after the crash, on the same registry and the live fabric. */
  async function startConsole(): Promise<Screen> {
    open = await openWorkflows(inventory, fabric, { registryPath, operator: 'alice' });
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: open.service,
      cols: 100,
      rows: 30,
    });
    return screen;
  }

  const registry = () => open!.service.registry;
  /** The registry as another process sees it (the console's own handle may be closed). */
  function workload(name: string) {
    const reg = openRegistry({ path: registryPath });
    try {
      return reg.workload(name);
    } finally {
      reg.close();
    }
  }
  const target = (host: string) => (host === 'hv1' ? 'hv2' : 'hv1');

  it('r resumes the interrupted migration: the timeline ends applied and the registry moves it', async () => {
    const w = workload('acme-2')!;
    const to = target(w.host);
    const planId = await applyAndKill('acme-2', to, 'source-withdraw');

    const s = await startConsole();
    await s.waitForText('A console stopped while applying this plan:');
    expect(s.text()).toContain(`plan ${planId} by bob (migrate acme-2), interrupted`);
    expect(s.text()).toMatch(/steps done: target-tap, target-guard, target-announce-preferred \(3 of 6\)/);
    expect(s.text()).toContain('source-withdraw on');
    expect(s.lines().at(-2)).toMatch(/<r> resume <b> roll back <l> later/);
    await s.type('r');
    // No compute hook: the resume stops before the withdraw for the VM to be moved, as an apply does.
    await s.waitForText('then c (VM moved, continue)');
    expect(s.text()).toContain(`move acme-2 to ${to} now`);
    await s.type('c');
    await s.waitForText('Status: resume · APPLIED');
    expect(s.text()).toMatch(/✓ +3\. target-announce-preferred +\S+ ok\s*$/m);
    expect(s.text()).toMatch(new RegExp(`✓ +6\\. target-normal-metric +\\S+ ok +(?:${DURATION})`, 'm'));
    expect(workload('acme-2')).toMatchObject({ host: to, state: 'active' });
    expect(registry().plan(planId)?.status).toBe('applied');
  }, 180_000);

  it('l leaves it for later (offered again at the next start); b rolls it back to the source', async () => {
    const w = workload('acme-3')!;
    const planId = await applyAndKill('acme-3', target(w.host), 'target-announce-preferred');

    let s = await startConsole();
    await s.waitForText(`plan ${planId} by bob (migrate acme-3)`);
    await s.type('l');
    await s.waitForText(`plan ${planId} stays interrupted`);
    await s.close();
    screen = null;
    open!.close();
    open = null;

    s = await startConsole();
    await s.waitForText(`plan ${planId} by bob (migrate acme-3), interrupted`);
    await s.type('b');
    await s.waitForText('Status: rollback · ROLLED BACK');
    expect(s.text()).toMatch(/↺ +1\. target-tap +\S+ rolled back/);
    expect(workload('acme-3')).toMatchObject({ host: w.host, state: 'active' });
    expect(registry().plan(planId)?.status).toBe('rolled-back');
    await s.type(KEY.esc);
    await s.waitForText('LAB (simulated)');
  }, 180_000);
});
