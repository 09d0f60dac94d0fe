import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { CommandRunner } from '../../src/transport/types.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';

const RED = 1;

// `:guard` on the embedded lab at 80×24: drift injected behind routedeck's back (the lab's faults)
// is listed red on top, R plans its repair through the same plan → type-to-confirm → timeline flow
// as the workload wizards, and the next poll shows the host clean again.
describe(':guard on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;
  let workflows: { service: WorkflowService; close(): void };
  let screen: Screen;
  const sent: string[] = [];

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-guard-ui-'));
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
    // Changes only (the poll lists the vmguard table with `nft -j list` on every hypervisor).
    const get = fabric.ssh.get.bind(fabric.ssh);
    fabric.ssh.get = (spec) => {
      const runner = get(spec);
      const counting: CommandRunner = {
        exec: (command, options) => {
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

  /** The screen with wrapped lines joined: a long nft command reads as one. */
  const joined = () => screen.text().replace(/\n\s*/g, ' ');
  const row = (re: RegExp) => screen.lines().find((l) => re.test(l));

  it('a fresh lab: every hypervisor clean, nothing red; R is in the footer', async () => {
    await screen.type(':', 'guard', KEY.enter);
    await screen.waitForText(/HOST +TAP +DRIFT +SET +ELEMENT +SPOOF +WHY/);
    for (const hv of ['hv1', 'hv2', 'hv3', 'hv4'])
      await screen.waitForText(new RegExp(`${hv} +- +clean +\\d+ \\d+ elements, as the registry`));
    expect(screen.text()).not.toMatch(/missing|stale|extra/);
    expect(screen.lines().at(-2)).toMatch(/<R> repair/);
    // Bad input: a clear error, the view stays as it was.
    await screen.type(':', 'guard spine9', KEY.enter);
    await screen.waitForText('unknown device spine9');
    expect(screen.text()).toMatch(/hv4 +- +clean/);
  });

  it('drift and a spoofing TAP injected on hv2 are listed red on top, with the reason', async () => {
    const w = lab.fabric.workloads().find((x) => x.host === 'hv2')!;
    const other = lab.fabric.workloads().find((x) => x.host === 'hv2' && x.name !== w.name)!;
    lab.faults.guardDrift('hv2', 'delete', 'allow4', w.tap, `${w.ipv4}/32`);
    lab.faults.guardDrift('hv2', 'add', 'allow4', 'tap-ghost', '192.0.2.9/32');
    lab.faults.spoof('hv2', other.tap, 7);

    const missing = new RegExp(`^hv2 +${w.tap} +missing +allow4 +${w.ipv4.replace(/\./g, '\\.')}/32 +0 +\\S`);
    await screen.waitFor(() => row(missing) !== undefined, 'the missing element');
    await screen.waitForText(/hv2 +tap-ghost +stale +allow4 +192\.0\.2\.9\/32 +0 +no workload/);
    await screen.waitForText(new RegExp(`hv2 +${other.tap} +spoofed +7 +588 bytes, sources not`));
    await screen.waitForText(/hv2 +- +drift \(2\)/);
    // Problems first: the first data row (under header, title and column header) is the missing one.
    expect(screen.lines()[3]).toMatch(missing);
    expect(screen.colorOf('missing')).toBe(RED);
    expect(screen.colorOf('stale')).toBe(RED);
    expect(screen.colorOf('drift (2)')).toBe(RED);
    // Clean hosts stay below, not red.
    expect(screen.text().indexOf('hv1 ')).toBeGreaterThan(screen.text().indexOf('drift (2)'));
    expect(screen.colorOf('clean')).not.toBe(RED);
  });

  it('R on a clean host: the planner refuses in the wizard and nothing is planned or sent', async () => {
    const plans = workflows.service.registry.plans().length;
    await screen.type('/', 'hv1', KEY.enter);
    await screen.waitFor(() => row(/^hv1 +- +clean/) === screen.lines()[3], 'hv1 selected');
    await screen.type('R');
    await screen.waitForText("Repair anti-spoofing drift: make the hosts' vmguard sets say");
    await screen.waitForText('[hv1]');
    await screen.type(KEY.enter);
    await screen.waitForText('✗ no anti-spoofing drift on hv1; nothing to plan');
    expect(workflows.service.registry.plans()).toHaveLength(plans);
    expect(sent).toEqual([]);
    await screen.type(KEY.esc);
    await screen.waitForText('guard-repair cancelled; nothing was planned');
    await screen.type(KEY.esc);
    await screen.waitFor(
      () => !screen.text().includes('[hv1]') && screen.text().includes('missing'),
      'no filter',
    );
  });

  it('R on hv2: plan with the exact nft commands; a wrong name applies nothing; the right one repairs', async () => {
    const w = lab.fabric.workloads().find((x) => x.host === 'hv2')!;
    await screen.type('R');
    await screen.waitForText('[hv2]');
    expect(screen.text()).toMatch(/\[hv2\] drift \(2\)/);
    await screen.type(KEY.enter);
    await screen.waitForText('Type guard-repair to apply, Esc to discard:');
    expect(screen.lines()[1]).toMatch(/guard › plan guard-repair\s*$/);
    await screen.waitFor(
      () =>
        joined().includes(`$ sudo -n nft add element inet vmguard allow4 '{ "${w.tap}" . ${w.ipv4}/32 }'`),
      'the nft add command',
    );
    for (let page = 0; page < 6 && !joined().includes('"tap-ghost" . 192.0.2.9/32'); page++) {
      await screen.type(KEY.pageDown);
    }
    expect(joined()).toContain(`nft delete element inet vmguard allow4 '{ "tap-ghost" . 192.0.2.9/32 }'`);

    await screen.type('guard', KEY.enter);
    await screen.waitForText('"guard" is not guard-repair: nothing applied');
    expect(sent).toEqual([]);

    await screen.type('guard-repair', KEY.enter);
    await screen.waitForText('Status: APPLIED');
    expect(sent).toEqual([
      `hv2: sudo -n nft add element inet vmguard allow4 '{ "${w.tap}" . ${w.ipv4}/32 }'`,
      `hv2: sudo -n nft delete element inet vmguard allow4 '{ "tap-ghost" . 192.0.2.9/32 }'`,
    ]);
    expect(screen.text()).not.toContain('Registry:');

    await screen.type(KEY.esc);
    await screen.waitForText(/hv2 +- +clean/);
    expect(screen.text()).not.toMatch(/missing|stale/);
    // The drop counters are the host's: a repair leaves them, still red.
    const other = lab.fabric.workloads().find((x) => x.host === 'hv2' && x.name !== w.name)!;
    expect(screen.lines()[3]).toMatch(new RegExp(`hv2 +${other.tap} +spoofed +7 `));
    expect(screen.colorOf('spoofed')).toBe(RED);
  });

  it('read-only: R is neither in the footer nor the help, and is refused; the sets are not compared', async () => {
    const ro = renderConsole({ store: fabric.store, readOnly: true, cols: 80, rows: 24 });
    try {
      await ro.type(':', 'guard', KEY.enter);
      await ro.waitForText(/hv1 +- +not compared/);
      expect(ro.text()).not.toMatch(/<R>|repair/);
      await ro.type('R');
      await ro.waitForText('read-only console: repair refused');
      await ro.type('?');
      await ro.waitForText('KEYS (guard, read-only)');
      expect(ro.text()).not.toMatch(/repair anti-spoofing/);
    } finally {
      await ro.close();
    }
  });
});
