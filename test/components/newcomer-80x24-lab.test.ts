import { KEY, renderConsole, type Screen } from './harness.ts';
import { openDecommission } from './open-decommission.ts';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';

// Issue 18: the console as a newcomer first meets it, on the embedded lab at 80×24 — nothing that
// matters cut with `…` for good, one row per workload, help that scrolls, a breadcrumb that keeps
// the current view, and filter messages that say what the filter did.
describe('the console at 80×24 on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-80x24-'));
    lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: 300, hypervisor: 300 }, maxBackoffMs: 1_000 } },
    );
    await fabric.poller.pollNow();
    fabric.poller.start();
    workflows = await openWorkflows(inventory, fabric, {
      registryPath: path.join(parent, 'registry.sqlite'),
      operator: 'alice',
    });
    workflows.service.adoptLive();
    screen = renderConsole({ store: fabric.store, poller: fabric.poller, workflows: workflows.service });
  }, 180_000);

  afterAll(async () => {
    await screen?.close();
    workflows?.close();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  const title = () => screen.lines()[1]!;
  const status = () => screen.lines()[screen.term.rows - 3]!;

  it('Workloads: one row per workload with both prefixes, its host, state and routers 2/2', async () => {
    const acme1 = workflows.service.registry.workloads().find((w) => w.name === 'acme-1')!;
    await screen.type(':', 'workloads', KEY.enter);
    await screen.waitForText(/^acme-1 /m);
    const row = new RegExp(
      `^acme-1 +acme +\\S+ +${acme1.ipv4.replace(/\./g, '\\.')} +${acme1.ipv6Prefix} +${acme1.host} +active +2/2 `,
    );
    await screen.waitFor((s) => s.lines().some((l) => row.test(l)), 'the acme-1 row with routers 2/2');
    const rows = screen.lines().filter((l) => /^acme-\d /.test(l));
    // Each workload once (its /32 and /64 on one row), and no host/TAP or router list cut on any row.
    expect(rows.filter((l) => l.startsWith('acme-1 '))).toHaveLength(1);
    expect(rows.join('\n')).not.toMatch(/tap…|spine1…/);
    expect(screen.text()).toContain('ROUTERS');
  });

  it('Enter on a workload shows each prefix per router, with its TAP', async () => {
    const acme1 = workflows.service.registry.workloads().find((w) => w.name === 'acme-1')!;
    await screen.type('g', KEY.enter);
    await screen.waitForText('workload acme-1');
    const v4 = `${acme1.ipv4}/32`;
    for (const router of ['spine1', 'spine2'])
      for (const prefix of [v4, acme1.ipv6Prefix])
        await screen.waitForText(
          new RegExp(
            `^${prefix.replace(/\./g, '\\.')} +${acme1.host}/${acme1.tap} +${router} +bgp +yes `,
            'm',
          ),
        );
    await screen.type(KEY.esc);
    await screen.waitFor(
      (s) => /^devices › workloads +\[/.test(title()) || /^workloads/.test(s.lines()[1]!),
      'back on Workloads',
    );
  });

  it('a filter with no match says so and how many rows it hides', async () => {
    await screen.type(':', 'devices', KEY.enter);
    await screen.waitForText(/^hv4 /m);
    await screen.type('/', 'zzz', KEY.enter);
    await screen.waitForText('no row matches /zzz/ (6 hidden)');
    await screen.type(KEY.esc);
    await screen.waitForText(/^hv4 /m);
  });

  it('a device that fails: its whole reason reads on one line when its row is selected', async () => {
    await screen.type(':', 'devices', KEY.enter);
    lab.faults.dropSsh('hv2', 60_000);
    await screen.waitForText(/^hv2 .*unreachable/m);
    const error = () => fabric.store.getState().devices['hv2']?.lastError ?? '';
    await screen.waitFor(() => error() !== '', 'hv2 to have an error');
    // At 80 columns the ERROR column is a few cells wide: the row alone cannot say why.
    const hv2Row = screen.lines().find((l) => l.startsWith('hv2 '))!;
    expect(hv2Row).not.toContain(error());
    const index = fabric.store.getState().deviceOrder.indexOf('hv2');
    await screen.type('g', ...Array<string>(index).fill('j'));
    await screen.waitFor(
      () => status().startsWith('ERROR: ') && error().startsWith(status().slice(7).replace(/…$/, '')),
      `the status line to give hv2's error (${error()})`,
    );
    if (error().length <= 80 - 7) expect(status().trimEnd()).toBe(`ERROR: ${error()}`);
    lab.faults.clear('hv2');
    await screen.waitForText(/ok 6/);
  });

  it('? help scrolls past the terminal height, down to its last key', async () => {
    await screen.type('?');
    await screen.waitForText(/KEYS \(devices\) lines 1–\d+ of \d+/);
    expect(screen.text()).not.toContain('last row');
    await screen.type('G');
    await screen.waitForText('last row');
    expect(screen.text()).toMatch(/lines \d+–(\d+) of \1/);
    await screen.type('g');
    await screen.waitForText(/lines 1–/);
    await screen.type(KEY.esc);
    await screen.waitForText(/^NAME +ROLE/m);
  });

  it('a : jump replaces the breadcrumb: the current view is always on the title line', async () => {
    for (const view of ['guard', 'overlay', 'vrfs', 'bgp', 'devices']) {
      await screen.type(':', view, KEY.enter);
      await screen.waitFor(() => title().startsWith(`${view} `), `the title to read ${view}`);
    }
    expect(title()).not.toMatch(/guard|overlay/);
    // Drilling in still builds a trail, and the current view stays visible at its end.
    await screen.type('g', KEY.enter);
    await screen.waitFor(() => /^devices › bgp \S+/.test(title()), 'devices › bgp spine1');
  });

  it(':note on the timeline of a finished apply shows on that timeline and goes to its plan in the audit', async () => {
    await screen.type(':', 'workloads', KEY.enter, '/', '^acme-7 ', KEY.enter);
    await screen.waitForText(/^acme-7 /m);
    await openDecommission(screen, 'acme-7', () => fabric.poller.pollNow());
    await screen.type('acme-7', KEY.enter);
    await screen.waitForText('Status: APPLIED');
    await screen.type(':', 'note checked the routers', KEY.enter);
    await screen.waitForText(/Note at \+[\d.]+ m?s \(after the end\): checked the routers/);
    const plan = workflows.service.registry.plans().at(-1)!;
    const notes = workflows.service.registry.audit({}).filter((a) => a.kind === 'note');
    expect(notes.map((a) => [a.planId, a.message])).toEqual([[plan.plan.id, 'checked the routers']]);
    await screen.type(KEY.esc);
    await screen.waitFor((s) => !s.text().includes('Status: APPLIED'), 'the timeline to close');
  });

  it('Tab takes the single greyed suggestion the prompt shows', async () => {
    await screen.type(':', 'bgp sp', KEY.tab);
    await screen.waitFor(() => title().startsWith(':bgp spine 1'), 'the prompt :bgp spine with 1 greyed');
    await screen.type(KEY.tab, KEY.enter);
    await screen.waitFor(() => title().startsWith('bgp spine1 '), 'the BGP view of spine1');
  });

  it('the migrate wizard shows the selected mode whole at 80 columns', async () => {
    await screen.type(':', 'workloads', KEY.enter, '/', '^acme-1 ', KEY.enter);
    await screen.waitForText(/^acme-1 /m);
    await screen.type('m');
    await screen.waitForText('Migrate acme-1');
    await screen.type(KEY.tab, '\u001b[C');
    await screen.waitForText('[break-before-make]');
    await screen.type(KEY.esc);
    await screen.waitForText(/^acme-1 /m);
  });
});
