import { openDecommission } from './open-decommission.ts';
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
import { DURATION } from '../helpers/duration.ts';

// The workflow screens on the embedded lab: the real service (registry file, IPAM, executor over
// SSH to the simulated hypervisors) driven from the keyboard, as an engineer would.
describe('create, migrate and decommission from the console on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  const sent: string[] = [];

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-wf-ui-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      writeState: false,
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    const inventory = loadInventoryFile(lab.inventoryPath);
    fabric = openFabric(
      inventory,
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      {
        poller: { intervalMs: { router: 300, hypervisor: 300 } },
      },
    );
    // Every command the executor sends goes through the pool: count them to prove a refusal sent nothing.
    const get = fabric.ssh.get.bind(fabric.ssh);
    fabric.ssh.get = (spec) => {
      const runner = get(spec);
      const counting: CommandRunner = {
        exec: (command, options) => {
          // Changes only: the poll reads the vmguard table with `nft -j list` on every hypervisor.
          if (/^sudo -n (ip|nft) /.test(command) && !/^sudo -n nft -j list /.test(command))
            sent.push(`${spec.name}: ${command}`);
          return runner.exec(command, options);
        },
        execStream: (command, onStdout, options) => runner.execStream(command, onStdout, options),
      };
      return counting as ReturnType<typeof get>;
    };
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

  const registry = () => workflows.service.registry;
  /**
   * Pages down the plan until `text` is on screen (the preview is longer than the terminal). Each
   * page waits for the preview's "lines A–B of N" to move on, not for a fixed time: a loaded
   * machine draws late, never wrongly, and no page is skipped.
   */
  async function scrollTo(text: string | RegExp) {
    const shows = () => (typeof text === 'string' ? screen.text().includes(text) : text.test(screen.text()));
    const position = () => /lines (\d+)–(\d+) of (\d+)/.exec(screen.text());
    for (let page = 0; page < 20; page++) {
      await screen.waitFor(() => position() !== null, 'the preview position');
      if (shows()) return;
      const [, first, last, total] = position()!;
      if (last === total) break;
      await screen.type(KEY.pageDown);
      await screen.waitFor(() => position()?.[1] !== first, `the next page looking for ${String(text)}`);
    }
    await screen.waitForText(text);
  }
  /** A timeline line "  spineN <what> at +<duration>", in whichever unit the duration came out. */
  const atDuration = (what: string) => new RegExp(`^ {2}spine\\d ${what} at \\+(?:${DURATION})$`);

  it('lists the registry name and state next to the live routes', async () => {
    await screen.waitForText(/ok 6/);
    await screen.type(':', 'workloads', KEY.enter);
    await screen.waitForText(
      /acme-1 +acme +default +198\.51\.100\.10 +2001:db8:a:10::\/64 +hv\d +active +2\/2/,
    );
    expect(screen.lines().at(-2)).toMatch(/<c> create <m> migrate <d> decommission/);
  });

  it('c: refusals are shown in the wizard and nothing is planned or sent', async () => {
    const plans = registry().plans().length;
    await screen.type('c');
    await screen.waitForText("Create a workload: a /32 and a /64 from the tenant's pools");
    await screen.type('acme-1', KEY.tab, KEY.tab, 'hv9', KEY.enter);
    await screen.waitForText('✗ host "hv9" is not a hypervisor in the inventory (hv1, hv2, hv3, hv4)');
    await screen.type(KEY.backspace, KEY.backspace, KEY.backspace, KEY.enter);
    await screen.waitForText(/✗ workload acme-1 already exists \(on hv\d, active\)/);
    expect(registry().plans()).toHaveLength(plans);
    expect(sent).toEqual([]);
  });

  it('c: the plan shows the exact commands and the diff; a wrong name applies nothing', async () => {
    await screen.type(KEY.up, KEY.up, ...Array<string>(6).fill(KEY.backspace), 'ui1');
    await screen.type(KEY.tab, KEY.tab, KEY.enter);
    await screen.waitForText('Type ui1 to apply, Esc to discard:');
    const w = registry().workload('ui1')!;
    expect(w).toMatchObject({ state: 'planned', host: 'hv1', tenant: 'acme' });
    await screen.waitForText('$ sudo -n ip tuntap add dev tap-ui1 mode tap');
    await scrollTo(`$ sudo -n ip route add ${w.ipv4}/32 dev tap-ui1`);
    await scrollTo(`+ route ${w.ipv4}/32 dev tap-ui1`);
    expect(screen.colorOf(`+ route ${w.ipv4}/32`)).toBe(2);
    await scrollTo(new RegExp(`spine1 +default +${w.ipv4.replace(/\./g, '\\.')}/32 +appears via hv1`));
    await scrollTo('Guest network-config (cloud-init):');

    await screen.type('ui2', KEY.enter);
    await screen.waitForText('"ui2" is not ui1: nothing applied');
    expect(registry().workload('ui1')?.state).toBe('planned');
    expect(sent).toEqual([]);
  });

  it('c: the right name applies; the timeline shows every step ok and each router switching', async () => {
    const w = registry().workload('ui1')!;
    await screen.type('ui1', KEY.enter);
    await screen.waitForText('Status: APPLIED');
    // The registry line follows once apply has recorded the outcome (just after the executor's last event).
    await screen.waitForText(`Registry: ui1: active on hv1, ${w.ipv4}/32`);
    const text = screen.text();
    for (const step of ['tap', 'guard', 'announce'])
      expect(text).toMatch(new RegExp(`✓ +\\d\\. ${step} +hv1 ok +(?:${DURATION}) +\\d cmd exit 0`));
    const convergence = screen.lines().filter((l) => atDuration('→ hv1').test(l));
    expect(convergence.map((l) => l.trim().split(' ')[0])).toEqual(['spine1', 'spine2']);
    expect(sent.filter((s) => s.includes(`${w.ipv4}/32 dev tap-ui1`))).toEqual([
      `hv1: sudo -n ip route add ${w.ipv4}/32 dev tap-ui1`,
    ]);

    await screen.type(KEY.esc, '/', 'ui1', KEY.enter);
    await screen.waitForText(/ui1 +acme +default +[\d.]+ +\S+ +hv1 +active +2\/2/);
  });

  it('m: migrate to another host; the timeline shows when each router switched', async () => {
    await screen.type('m');
    await screen.waitForText('Migrate ui1 (tenant acme');
    expect(screen.text()).not.toMatch(/\[hv1\]| hv1 /);
    await screen.type('hv2', KEY.enter);
    await screen.waitForText('[make-before-break]');
    await screen.type(KEY.enter);
    await screen.waitForText('Type ui1 to apply');
    // The lab has no compute hook: the plan says where the VM is to be moved by hand…
    await screen.waitForText('compute: none configured — move the VM yourself between steps 3 and 4');
    await screen.type('ui1', KEY.enter);
    // …and the apply waits there, the source still announcing, until the engineer says it is moved.
    await screen.waitForText('⏸ compute: none configured — move the VM yourself between steps 3 and 4');
    expect(screen.text()).not.toContain('Status: APPLIED');
    expect(screen.text()).toMatch(/source-withdraw +hv1 +waiting/);
    await screen.waitForText('<c> VM moved, continue');
    await screen.type('c');
    await screen.waitForText('Status: APPLIED');
    expect(screen.text()).not.toContain('⏸');
    expect(screen.text()).toContain('Convergence (target-announce-preferred: routers use hv2)');
    expect(screen.lines().filter((l) => atDuration('→ hv2').test(l))).toHaveLength(2);
    expect(screen.text()).toMatch(/✓ +6\. target-normal-metric +hv2 ok/);
    await screen.waitForText('Registry: ui1: active on hv2');
    expect(registry().workload('ui1')).toMatchObject({ host: 'hv2', state: 'active' });
    await screen.type(KEY.esc);
    await screen.waitForText(/ui1 +acme +default +[\d.]+ +\S+ +hv2 +active/);
  });

  it('Esc at the plan discards it: nothing sent, the record stays as it was', async () => {
    const before = sent.length;
    await openDecommission(screen, 'ui1', () => fabric.poller.pollNow());
    await screen.type(KEY.esc);
    await screen.waitForText(/plan .* discarded; nothing was sent/);
    expect(sent).toHaveLength(before);
    expect(registry().workload('ui1')?.state).toBe('active');
  });

  it('d: decommission; the routers drop it and the row is gone', async () => {
    await openDecommission(screen, 'ui1', () => fabric.poller.pollNow());
    await screen.type('ui1', KEY.enter);
    await screen.waitForText('Status: APPLIED');
    expect(screen.lines().filter((l) => atDuration('withdrawn').test(l))).toHaveLength(2);
    // The registry line follows once apply has recorded the outcome (just after the executor's last event).
    await screen.waitForText('Registry: ui1: retired, its addresses released');
    await screen.type(KEY.esc);
    await screen.waitFor((s) => !s.text().includes('tap-ui1'), 'the ui1 rows to go');
    await screen.waitForText('[0/0 of');
  });

  it('leaving the timeline during an apply: the status line follows it and t brings it back', async () => {
    await screen.type(KEY.esc, 'c', 'ui3', KEY.tab, KEY.tab, KEY.enter);
    await screen.waitForText('Type ui3 to apply');
    await screen.type('ui3', KEY.enter, KEY.esc);
    await screen.waitForText(/applying create ui3: step \d\/3|create ui3: applied — t for the timeline/);
    await screen.type('t');
    await screen.waitForText('Status: APPLIED');
    await screen.type(KEY.esc, ':', 'plan', KEY.enter);
    await screen.waitForText('create ui3 — plan');
  });

  it('Ctrl-C at the plan preview quits and discards the plan: its addresses are not left reserved', async () => {
    await screen.type(KEY.esc, 'c', 'ui4', KEY.tab, KEY.tab, KEY.enter);
    await screen.waitForText('Type ui4 to apply');
    const planId = registry().plans({ workload: 'ui4' })[0]!.plan.id;
    await screen.type('\u0003');
    await screen.handle.waitUntilExit();
    expect(registry().plan(planId)?.status).toBe('discarded');
    expect(registry().workload('ui4')).toBeUndefined();
  });
});
