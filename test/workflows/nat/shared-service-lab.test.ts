/**
 * Shared-service NAT on VyOS edges of the embedded lab (real HTTPS API emulator, the model behind
 * it; simulated routers): spine1 NATs tenant ta into its transit slice, spine2 is the provider edge.
 * Planning probes each router's version (1.5 rolling: 1.4 paths, commit-confirm); applying commits,
 * reads back and confirms; the routers' config then holds exactly the previewed set commands. A
 * commit that fails is rolled back, with the router's message, leaving both configs as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import type { ExecEvent } from '../../../src/workflows/execute/index.ts';
import { vyosLine } from '../../../src/workflows/nat/index.ts';
import { renderPreview } from '../../../src/workflows/plan/index.ts';
import { actionLines } from '../../../src/workflows/plan/preview.ts';
import {
  registerSharedService,
  WorkflowService,
  type SharedServiceInput,
} from '../../../src/workflows/service/index.ts';
import { planSharedService } from '../../../src/workflows/service/shared-service.ts';
import { startEnv, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let service: WorkflowService;

async function config(router: string): Promise<unknown> {
  const api = await env.fabric.apiFor(env.spec(router))!;
  return api.showConfig([]);
}

/** A showConfig tree as the `set …` lines that build it (values quoted as the CLI prints them). */
function setLines(node: unknown, path: string[] = []): string[] {
  if (typeof node === 'string') return [vyosLine({ op: 'set', path, value: node })];
  if (Array.isArray(node)) return node.map((v) => vyosLine({ op: 'set', path, value: String(v) }));
  const entries = Object.entries((node ?? {}) as Record<string, unknown>);
  if (entries.length === 0) return path.length ? [vyosLine({ op: 'set', path })] : [];
  return entries.flatMap(([k, v]) => setLines(v, [...path, k]));
}

/** What the router's config gained and lost since `before`, as set lines. */
function changes(before: unknown, after: unknown): { added: string[]; removed: string[] } {
  const [b, a] = [new Set(setLines(before)), new Set(setLines(after))];
  return { added: [...a].filter((l) => !b.has(l)), removed: [...b].filter((l) => !a.has(l)) };
}

const input = (over: Partial<SharedServiceInput> = {}): SharedServiceInput => ({
  name: 'dns',
  service: '10.0.0.53',
  local: '10.0.255.53',
  tenants: [{ tenant: 'ta', edge: 'spine1', via: '192.0.2.1', tenantIf: 'eth1', transitIf: 'eth2' }],
  provider: { edge: 'spine2', transitIf: 'eth2' },
  ...over,
});

const commandsOf = (events: ExecEvent[]) =>
  events.flatMap((e) => (e.type === 'command' ? [`${e.device} ${e.command}`] : []));

beforeAll(async () => {
  env = await startEnv();
  service = new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry: env.registry,
    runnerFor: (spec) => env.fabric.ssh.get(spec),
    apiFor: (spec) => env.fabric.apiFor(spec),
    settings: loadInventoryFile(env.lab.inventoryPath).workflows,
    operator: 'alice',
    verifyPollMs: 20,
    rollbackRetry: { attempts: 2, delayMs: 50 },
  });
  registerSharedService(service);
  // Two tenants with the same private range, in their own VRFs.
  for (const name of ['ta', 'tb'])
    env.registry.upsertTenant({ name, vrf: name, pools4: ['10.0.0.0/24'], pools6: [] });
}, 180_000);
afterAll(async () => {
  await env?.close();
});

describe('shared-service NAT on the embedded lab’s VyOS routers', () => {
  it('applies: commit-confirm, read-back, confirm; each router now holds exactly the previewed set commands', async () => {
    const before = { spine1: await config('spine1'), spine2: await config('spine2') };
    const plan = await planSharedService(service, input());
    // Planning sent nothing.
    expect(await config('spine1')).toEqual(before.spine1);
    // The version each router reports (1.5 rolling) picks the 1.4 paths and commit-confirm.
    for (const step of plan.steps) {
      expect(step.action).toMatchObject({ type: 'vyos-configure', confirmMinutes: 2 });
      expect(step.description).toMatch(
        /VyOS 2026\.02\.11-0021-rolling, 1\.4 paths, commit-confirm 2 min \(action reboot\), saved once verified/,
      );
    }
    const preview = renderPreview(plan);
    expect(preview).toContain('set nat destination rule 5000 inbound-interface name eth1');
    expect(preview).toContain('set nat static rule 5000 inbound-interface eth2');
    expect(preview).toContain('set protocols static route 100.64.0.0/24 next-hop 192.0.2.1');

    const events: ExecEvent[] = [];
    const result = await service.apply(plan, { onEvent: (e) => events.push(e) });
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    const sent = commandsOf(events);
    for (const router of ['spine1', 'spine2']) {
      expect(sent).toContain(`${router} commit-confirm 2 (the router's timer runs until confirmed)`);
      expect(sent.some((c) => c.startsWith(`${router} read back /retrieve showConfig: `))).toBe(true);
      expect(sent).toContain(`${router} confirm: Reboot timer stopped`);
      expect(sent).toContain(`${router} save (/config-file save): config.boot now holds it`);
      // The router's config gained exactly the step's set commands (the preview's lines), lost nothing.
      const step = plan.steps.find((s) => s.device === router)!;
      const diff = changes(before[router as keyof typeof before], await config(router));
      expect(diff.removed).toEqual([]);
      expect(diff.added.sort()).toEqual(
        plan.diffs
          .find((d) => d.device === router)!
          .after.slice()
          .sort(),
      );
      expect(actionLines(step.action).length).toBe(diff.added.length);
    }
    // The provider's static NAT rule, as VyOS 1.4+ spells it (inbound-interface a plain leaf).
    const api2 = await env.fabric.apiFor(env.spec('spine2'))!;
    expect(await api2.showConfig(['nat', 'static', 'rule', '5000'])).toEqual({
      description: 'routedeck shared-service dns',
      'inbound-interface': 'eth2',
      destination: { address: '100.127.255.255' },
      translation: { address: '10.0.0.53' },
    });
    expect(service.registry.plan(plan.id)?.status).toBe('applied');
  }, 180_000);

  it('a commit that fails on the provider is rolled back on the tenant edge, with the router’s message; both configs unchanged', async () => {
    const before = { spine1: await config('spine1'), spine2: await config('spine2') };
    const plan = await planSharedService(
      service,
      input({
        name: 'ntp',
        service: '10.0.0.123',
        local: '10.0.255.123',
        rule: 5001,
        tenants: [{ tenant: 'tb', edge: 'spine1', via: '192.0.2.1', tenantIf: 'eth1', transitIf: 'eth2' }],
      }),
    );
    const events: ExecEvent[] = [];
    const result = await service.apply(plan, {
      onEvent: (e) => {
        events.push(e);
        // spine2's API breaks for exactly its commit (an HTTP 500), then recovers for the rollback.
        if (e.type === 'step-start' && e.device === 'spine2')
          env.lab.faults.setApiFault('spine2', { status: 500 });
        if (e.type === 'command' && e.device === 'spine2' && e.code !== 0)
          env.lab.faults.setApiFault('spine2', { status: null });
      },
    });
    expect(result.status).toBe('rolled-back');
    const failed = result.steps.find((s) => s.outcome === 'failed')!;
    expect(failed.id).toBe('provider');
    expect(failed.error).toMatch(/spine2: commit not acknowledged .*An internal error occured/);
    // spine1 had committed, confirmed and saved; spine2's commit got no reply, so its timer (if any)
    // was stopped before both steps were undone (spine2 had nothing to undo); spine1 saved again.
    expect(commandsOf(events)).toEqual(
      expect.arrayContaining([
        'spine1 confirm: Reboot timer stopped',
        'spine2 commit (5 command(s))',
        'spine2 confirm (stop the timer before undoing): No confirm pending',
        'spine1 save (/config-file save): config.boot now holds it',
      ]),
    );
    for (const router of ['spine1', 'spine2'])
      expect(env.lab.faults.status().find((s) => s.device === router)?.vyos).toMatchObject({
        confirmPending: false,
        unsaved: false,
      });
    expect(result.rollbacks).toMatchObject([
      { id: 'provider', device: 'spine2', outcome: 'ok' },
      { id: 'tenant-tb', device: 'spine1', outcome: 'ok' },
    ]);
    expect(await config('spine1')).toEqual(before.spine1);
    expect(await config('spine2')).toEqual(before.spine2);
    // The first service is untouched.
    expect(setLines(await config('spine1'))).toContain(
      'set nat source rule 5000 translation address 100.64.0.0/24',
    );
  }, 180_000);

  it('the router refuses paths of the wrong version (1.3 forced on 1.5): its own message, nothing changed', async () => {
    const before = await config('spine1');
    const plan = await planSharedService(
      service,
      input({ name: 'ntp', service: '10.0.0.123', local: '10.0.255.123', rule: 5002, vyosVersion: '1.3' }),
    );
    const result = await service.apply(plan);
    expect(result.status).toBe('rolled-back');
    expect(result.steps[0]!.error).toMatch(
      /spine1: commit refused by the router, nothing changed: .*Configuration path: \[nat destination rule 5002 inbound-interface eth1\] is not valid/s,
    );
    expect(await config('spine1')).toEqual(before);
  }, 180_000);

  it('the model refuses static NAT without an inbound interface as VyOS does', async () => {
    const api = await env.fabric.apiFor(env.spec('spine2'))!;
    const before = await config('spine2');
    await expect(
      api.configure([
        { op: 'set', path: ['nat', 'static', 'rule', '9', 'destination', 'address'], value: '100.100.0.1' },
        { op: 'set', path: ['nat', 'static', 'rule', '9', 'translation', 'address'], value: '10.9.9.9' },
      ]),
    ).rejects.toThrow(/Static NAT configuration error in rule 9: inbound-interface not specified/);
    expect(await config('spine2')).toEqual(before);
  });
});
