/**
 * Tenant provisioning on the embedded lab (real SSH, the real VyOS HTTPS API emulator, the model
 * behind both): preview, commit-confirm, read-back, sessions in the new VRF, a workload in it seen
 * by the routers, a refused commit that changes nothing, serialised batches per router.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import type { ExecEvent } from '../../../src/workflows/execute/index.ts';
import { renderPreview } from '../../../src/workflows/plan/index.ts';
import {
  planTenant,
  registerTenantKind,
  WorkflowError,
  WorkflowService,
  type TenantInput,
} from '../../../src/workflows/service/index.ts';
import { settle, startEnv, viaHosts, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let service: WorkflowService;

const tenant = (name: string, table: number, over: Partial<TenantInput> = {}): TenantInput => ({
  name,
  vrf: name,
  table,
  rd: `65000:${table}`,
  rtImport: [`65000:${table}`],
  rtExport: [`65000:${table}`],
  pools4: ['10.77.0.0/16'],
  pools6: ['fd77::/48'],
  ...over,
});

async function config(router: string): Promise<unknown> {
  const api = await env.fabric.apiFor(env.spec(router))!;
  return api.showConfig([]);
}

function established(vrf: string): string[] {
  const state = env.fabric.store.getState();
  return state.deviceOrder.flatMap((name) =>
    (state.devices[name]?.snapshot?.bgp ?? [])
      .filter((s) => s.vrf === vrf && s.established && s.afiSafi === 'ipv4Unicast')
      .map((s) => `${name}:${s.peer}`),
  );
}

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
  registerTenantKind(service);
  service.adoptLive();
}, 180_000);
afterAll(async () => {
  await env?.close();
});

describe('tenant provisioning on the embedded lab', () => {
  it('previews the exact set commands per router, the commit-confirm action read from the router, and the save', async () => {
    const before = await config('spine1');
    const plan = await planTenant(service, tenant('acme2', 300, { vni: 10300 }));
    const preview = renderPreview(plan);
    for (const router of env.routers) {
      expect(preview).toContain(`[${router}] router-${router}:`);
      const step = plan.steps.find((s) => s.device === router)!;
      expect(step.action).toMatchObject({ type: 'vyos-configure', confirmMinutes: 2 });
    }
    expect(preview).toContain(
      'VyOS 2026.02.11-0021-rolling: commit-confirm 2 min (action reboot: left unconfirmed, the router reboots into its saved config), ' +
        'read back, confirmed once verified, then saved',
    );
    expect(preview).toContain(
      'routers: saved (/config-file save) once verified, undone by inverse commands on a failure; commit-confirm 2 min on spine1, spine2 (action reboot), never left running',
    );
    for (const line of [
      'set vrf name acme2 table 300',
      'set vrf name acme2 vni 10300',
      'set vrf name acme2 protocols bgp system-as 65000',
      'set vrf name acme2 protocols bgp address-family ipv4-unicast rd vpn export 65000:300',
      'set vrf name acme2 protocols bgp address-family ipv4-unicast route-target vpn import 65000:300',
      'set vrf name acme2 protocols bgp address-family ipv6-unicast route-target vpn export 65000:300',
      'set interfaces ethernet eth1 vif 300 vrf acme2',
      'set vrf name acme2 protocols bgp neighbor eth1.300 interface remote-as external',
    ])
      expect(preview).toContain(`    $ ${line}\n`);
    expect(preview).toMatch(/sudo -n ip link add acme2 type vrf table 300/);
    expect(preview).toMatch(/ip prefix-list TENANT4-ACME2 seq 10 permit 10\.77\.0\.0\/16 ge 32/);
    // Planning sent nothing.
    expect(await config('spine1')).toEqual(before);
    service.discard(plan.id);
  });

  it('applies: both routers read back the VRF, hypervisor sessions in it establish, a workload in it is seen', async () => {
    const plan = await planTenant(service, tenant('acme2', 300, { vni: 10300 }));
    const events: ExecEvent[] = [];
    const result = await service.apply(plan, { onEvent: (e) => events.push(e) });
    expect(result.status).toBe('applied');
    const commands = events.flatMap((e) => (e.type === 'command' ? [`${e.device} ${e.command}`] : []));
    for (const router of env.routers) {
      expect(commands).toContain(`${router} commit-confirm 2 (the router's timer runs until confirmed)`);
      expect(commands.some((c) => c.startsWith(`${router} read back /retrieve showConfig: `))).toBe(true);
      expect(commands).toContain(`${router} confirm: Reboot timer stopped`);
      expect(commands).toContain(`${router} save (/config-file save): config.boot now holds it`);
      const api = await env.fabric.apiFor(env.spec(router))!;
      expect(await api.returnValue(['vrf', 'name', 'acme2', 'table'])).toBe('300');
    }
    expect(service.registry.tenant('acme2')).toMatchObject({ vrf: 'acme2', pools4: ['10.77.0.0/16'] });
    // Every hypervisor has a session to every router in the new VRF, and the routers to them.
    const expected = env.hypervisors.length * env.routers.length * 2;
    await env.fabric.poller.pollNow();
    const sessions = established('acme2');
    expect(sessions.length, sessions.join(' ')).toBe(expected);
    // The VRF view reads the routers' snapshots: the new VRF with its table, RD and targets.
    const vrf = env.fabric.store.getState().devices['spine1']!.snapshot!.vrfs.find((v) => v.name === 'acme2');
    expect(vrf).toMatchObject({ table: 300, rd: '65000:300', routeTargetsImport: ['65000:300'] });

    const host = env.hypervisors[1]!.name;
    const create = service.planCreate({ name: 'acme2-web', tenant: 'acme2', host });
    expect((await service.apply(create)).status).toBe('applied');
    const w = service.registry.workload('acme2-web')!;
    expect(w.ipv4.startsWith('10.77.')).toBe(true);
    await settle(env, 'the /32 in acme2', () =>
      viaHosts(env, `${w.ipv4}/32`, 'acme2').every((h) => h === host),
    );
    const entry = env.fabric.store.getState().workloads.find((x) => x.vrf === 'acme2');
    expect(entry?.tenant).toBe('acme2');
  }, 180_000);

  it('a commit the router refuses rolls back, reports the router’s message and changes nothing', async () => {
    const plan = await planTenant(service, tenant('beta', 301));
    // Someone takes table 301 on spine2 after planning: its commit check refuses the batch.
    const spine2 = await env.fabric.apiFor(env.spec('spine2'))!;
    await spine2.configure([{ op: 'set', path: ['vrf', 'name', 'squat', 'table'], value: '301' }]);
    const before1 = await config('spine1');
    const before2 = await config('spine2');
    const result = await service.apply(plan);
    expect(result.status).toBe('rolled-back');
    expect(result.steps.at(-1)?.error).toMatch(
      /spine2: commit refused by the router, nothing changed: .*table id is not unique/,
    );
    expect(result.rollbacks.find((r) => r.device === 'spine1')?.outcome).toBe('ok');
    expect(await config('spine1')).toEqual(before1);
    expect(await config('spine2')).toEqual(before2);
    const audit = service
      .audit({ planId: plan.id })
      .map((e) => e.message)
      .join('\n');
    expect(audit).toMatch(/VRF "(beta|squat)" table id is not unique!/);
    expect(service.registry.tenant('beta')).toBeUndefined();
    await spine2.configure([{ op: 'delete', path: ['vrf', 'name', 'squat'] }]);
  }, 180_000);

  it('refuses bad input and an existing tenant at planning, storing nothing', async () => {
    const plans = service.registry.plans().length;
    await expect(planTenant(service, tenant('acme2', 310, { vrf: 'acme3' }))).rejects.toThrow(
      /tenant acme2 already exists/,
    );
    await expect(planTenant(service, tenant('gamma', 100))).rejects.toThrow(
      /table 100 is already VRF blue's/,
    );
    await expect(planTenant(service, tenant('gamma', 320, { rd: 'nope' }))).rejects.toThrow(/RD "nope"/);
    await expect(planTenant(service, tenant('gamma', 320, { pools4: ['10.1.2.3/16'] }))).rejects.toThrow(
      WorkflowError,
    );
    expect(service.registry.plans().length).toBe(plans);
  });

  it('serialises two plans’ batches on one router when applied at once', async () => {
    const a = await planTenant(
      service,
      tenant('gamma', 302, { pools4: ['10.78.0.0/16'], pools6: ['fd78::/48'] }),
    );
    const b = await planTenant(
      service,
      tenant('delta', 303, { pools4: ['10.79.0.0/16'], pools6: ['fd79::/48'] }),
    );
    const events = new Map<string, ExecEvent[]>([
      [a.id, []],
      [b.id, []],
    ]);
    const results = await Promise.all(
      [a, b].map((p) => service.apply(p, { onEvent: (e) => events.get(p.id)!.push(e) })),
    );
    expect(results.map((r) => r.status)).toEqual(['applied', 'applied']);
    for (const router of env.routers) {
      const windows = [a, b].map((p) => {
        const at = events
          .get(p.id)!
          .filter((e) => e.type === 'command' && e.device === router)
          .map((e) => e.at);
        return [Math.min(...at), Math.max(...at)] as const;
      });
      const [first, second] = windows.sort((x, y) => x[0] - y[0]);
      // One plan's commit … confirm on this router ends before the other's commit is acknowledged.
      expect(first![1]).toBeLessThanOrEqual(second![0]);
    }
    for (const router of env.routers) {
      const api = await env.fabric.apiFor(env.spec(router))!;
      expect(await api.returnValue(['vrf', 'name', 'gamma', 'table'])).toBe('302');
      expect(await api.returnValue(['vrf', 'name', 'delta', 'table'])).toBe('303');
    }
  }, 180_000);
});
