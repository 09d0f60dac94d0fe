import { KEY, renderConsole, type Screen } from './harness.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { CommandRunner } from '../../src/transport/types.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';

// `F` on a Workloads row: a migration left half-done (its console died after the target announced)
// opens the reconcile plan on the usual plan screen; typing the name applies it.
describe('F (fix) on the Workloads view on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  /** While set, hv2 answers a metric-512 announce and vmguard deletes with an error (exit 1). */
  let inject = false;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-rc-ui-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    const loaded = loadInventoryFile(lab.inventoryPath);
    // A short rollback-retry window: the failing undo below ends FAILED after 3 s, not the default 90 s.
    const inventory = { ...loaded, workflows: { ...loaded.workflows, rollbackRetryMs: 3_000 } };
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 } } },
    );
    const get = fabric.ssh.get.bind(fabric.ssh);
    fabric.ssh.get = (spec) => {
      const runner = get(spec);
      const failing: CommandRunner = {
        exec: (command, options) =>
          inject && spec.name === 'hv2' && /metric 512$|nft delete element/.test(command)
            ? Promise.resolve({ code: 1, stdout: '', stderr: 'injected failure\n' })
            : runner.exec(command, options),
        execStream: (command, onStdout, options) => runner.execStream(command, onStdout, options),
      };
      return failing as ReturnType<typeof get>;
    };
    await fabric.poller.pollNow();
    workflows = await openWorkflows(inventory, fabric, {
      registryPath: path.join(parent, 'registry.sqlite'),
      operator: 'alice',
    });
    workflows.service.adoptLive();
    const { service } = workflows;
    const created = await service.apply(service.planCreate({ name: 'uf1', tenant: 'acme', host: 'hv1' }));
    expect(created.status).toBe('applied');
    // The applying console dies as the target's preferred announce finishes: before the compute hook.
    const migrate = service.planMigrate({ name: 'uf1', target: 'hv2' });
    await expect(
      service.apply(migrate, {
        onEvent: (e) => {
          if (e.type === 'step-done' && e.step === 'target-announce-preferred') throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    service.registry.setWorkloadState('uf1', 'migrating');
    await fabric.poller.pollNow();
    fabric.poller.start();
    screen = renderConsole({
      store: fabric.store,
      poller: fabric.poller,
      workflows: service,
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

  it('F on a consistent row says there is nothing to reconcile and plans nothing', async () => {
    await screen.waitForText(/ok 6/);
    await screen.type(':', 'workloads', KEY.enter, '/', 'acme-1', KEY.enter);
    await screen.waitForText(/acme-1 +acme +default .* +active/);
    const plans = workflows.service.registry.plans().length;
    await screen.type('F');
    await screen.waitForText(/nothing to reconcile: acme-1 is active on hv\d/);
    expect(workflows.service.registry.plans()).toHaveLength(plans);
  });

  it('F on the half-migrated row opens the reconcile plan; typing its name goes back to the source', async () => {
    await screen.type(KEY.esc, '/', 'uf1', KEY.enter);
    await screen.waitForText(/uf1 +acme +default .* +migrating/);
    await screen.type('F');
    await screen.waitForText('Type uf1 to apply');
    expect(screen.text()).toContain('plan reconcile uf1');
    await screen.waitForText('hv1 had not withdrawn; go back to hv1');
    await screen.waitForText('[hv2] withdraw-hv2');
    await screen.type('uf1', KEY.enter);
    await screen.waitForText('Status: APPLIED');
    await screen.waitForText('Registry: uf1: active on hv1');
    expect(workflows.service.registry.workload('uf1')).toMatchObject({ host: 'hv1', state: 'active' });
  });

  it('F on the timeline of a failed migrate (its rollback failed too) opens the reconcile plan', async () => {
    inject = true;
    await screen.type(KEY.esc);
    await screen.waitFor((s) => !s.text().includes('Status: APPLIED'), 'the timeline to close');
    await screen.type(':', 'workloads', KEY.enter, '/', 'uf1', KEY.enter);
    await screen.waitForText(/uf1 +acme +default .* +active/);
    await screen.type('m');
    await screen.waitForText('Migrate uf1 (tenant acme');
    await screen.type('hv2', KEY.enter);
    await screen.waitForText('[make-before-break]');
    await screen.type(KEY.enter);
    await screen.waitForText('Type uf1 to apply');
    await screen.type('uf1', KEY.enter);
    // The failing undo is retried for rollbackRetryMs (3 s here) before the plan ends failed.
    await screen.waitForText('Status: FAILED');
    expect(workflows.service.registry.workload('uf1')).toMatchObject({ host: 'hv1', state: 'migrating' });
    inject = false;
    await fabric.poller.pollNow();
    await screen.type('F');
    await screen.waitForText('Type uf1 to apply');
    expect(screen.text()).toContain('plan reconcile uf1');
    await screen.type('uf1', KEY.enter);
    await screen.waitForText('Status: APPLIED');
    await screen.waitForText('Registry: uf1: active on hv1');
  }, 180_000);
});
