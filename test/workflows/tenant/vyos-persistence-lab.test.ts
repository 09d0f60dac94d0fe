/**
 * VyOS as it really behaves (issue 14), on the embedded lab through the real HTTPS client: a tenant
 * applied is saved and survives a reboot of the router; every way a commit-confirmed batch can fail
 * leaves no timer running (its default action would reboot the router); a timer that expired is
 * reported as the reboot it caused; a VRF name VyOS refuses exits 2 before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { sendControl } from '../../../src/lab/sim/lab.ts';
import type { VyosApiServer } from '../../../src/lab/vyos-api/index.ts';
import { VyosApiClient } from '../../../src/transport/vyos-api/index.ts';
import type { VyosConfigApi } from '../../../src/workflows/execute/index.ts';
import { applyVyos, rollbackVyos, type VyosAction } from '../../../src/workflows/execute/vyos.ts';
import {
  planTenant,
  registerTenantKind,
  WorkflowService,
  type TenantInput,
} from '../../../src/workflows/service/index.ts';
import { cli } from '../../helpers/cli.ts';
import { API_KEY, startRouter } from '../../lab/vyos-api/fixtures.ts';
import { startEnv, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let service: WorkflowService;
let api: VyosApiClient;

const tenant = (name: string, table: number): TenantInput => ({
  name,
  vrf: name,
  table,
  rd: `65000:${table}`,
  rtImport: [`65000:${table}`],
  rtExport: [`65000:${table}`],
  pools4: ['10.79.0.0/16'],
  pools6: ['fd79::/48'],
});

/** What the router's config machinery says (the lab's control status, as `lab ctl status` shows it). */
function router(name = 'spine1') {
  const state = env.lab.faults.status().find((s) => s.device === name)?.vyos;
  if (!state) throw new Error(`${name} has no VyOS state`);
  return state;
}

const ROUTE = ['protocols', 'static', 'route', '203.0.113.77/32'];
const action: VyosAction = {
  type: 'vyos-configure',
  commands: [{ op: 'set', path: [...ROUTE, 'blackhole'] }],
  confirmMinutes: 5,
};
const undo: VyosAction = { type: 'vyos-configure', commands: [{ op: 'delete', path: ROUTE }] };

/** The real client, with one call replaced (a lost reply, a failed read-back). */
function wrap(over: Partial<VyosConfigApi> = {}): VyosConfigApi {
  return {
    configure: (c, o) => api.configure(c, o),
    confirm: () => api.confirm(),
    saveConfig: () => api.saveConfig(),
    showConfig: (p) => api.showConfig(p),
    ...over,
  };
}

function ctx(with_: VyosConfigApi, log: string[], armed?: boolean) {
  return {
    device: 'spine1',
    api: async () => with_,
    onCommand: (command: string, code: number | null) => log.push(`${command} [${code}]`),
    ...(armed !== undefined ? { armed } : {}),
  };
}

const has = (path: string[]): Promise<boolean> => api.exists(path);

beforeAll(async () => {
  env = await startEnv({ rebootMs: 300, writeState: true });
  service = new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry: env.registry,
    runnerFor: (spec) => env.fabric.ssh.get(spec),
    apiFor: (spec) => env.fabric.apiFor(spec),
    settings: loadInventoryFile(env.lab.inventoryPath).workflows,
    operator: 'alice',
    verifyPollMs: 20,
    rollbackRetry: { attempts: 3, delayMs: 100 },
  });
  registerTenantKind(service);
  service.adoptLive();
  api = await env.fabric.apiFor(env.spec('spine1'))!;
}, 180_000);
afterAll(async () => {
  await env?.close();
});

describe('VyOS changes survive a reboot', () => {
  it('a tenant applied is saved: after `lab ctl reboot` the router boots with it; an unsaved change is gone', async () => {
    const plan = await planTenant(service, tenant('keep', 310));
    const result = await service.apply(plan);
    expect(result.status, JSON.stringify(result.steps)).toBe('applied');
    for (const name of env.routers)
      expect(router(name)).toMatchObject({ confirmPending: false, unsaved: false });

    await api.configure([{ op: 'set', path: ['system', 'domain-name'], value: 'unsaved.example' }]);
    expect(router().unsaved).toBe(true);
    expect(await sendControl(env.lab.controlSocket, { cmd: 'reboot', device: 'spine1' })).toEqual({
      ok: true,
    });
    expect(router().boots.at(-1)?.reason).toBe('reboot fault (lab control)');
    await vi.waitFor(() => expect(router().rebooting).toBe(false), { timeout: 60_000, interval: 20 });

    expect(await has(['vrf', 'name', 'keep', 'table'])).toBe(true);
    expect(await has(['system', 'domain-name'])).toBe(false);
    // The model booted with the saved config too: what SSH shows follows it.
    expect(JSON.stringify(env.lab.fabric.device('spine1')!.vyosConfig!())).toContain('"keep"');
    const events = await sendControl(env.lab.controlSocket, { cmd: 'events', limit: 50 });
    expect(JSON.stringify(events)).toContain('rebooted: reboot fault (lab control)');
  }, 180_000);

  it('a VRF name VyOS refuses exits 2 with the reason; nothing is sent', async () => {
    const before = await api.showConfig([]);
    const args = ['plan', 'tenant', 'brown', '--vrf', 'brown', '--table', '320', '--rd', '65000:320'];
    const rest = ['--rt-import', '65000:320', '--rt-export', '65000:320', '--pool4', '10.78.0.0/16'];
    const out = await cli([...args, ...rest, '--pool6', 'fd78::/48', '--lab', '--operator', 'alice'], {
      ROUTEDECK_LAB_DIR: env.dir,
      HOME: env.dir,
      USER: 'alice',
    });
    expect(out.code, out.stdout + out.stderr).toBe(2);
    expect(out.stderr).toContain(
      'VRF name "brown": VyOS refuses VRF names that begin with an interface prefix ("br…" looks like an interface)',
    );
    expect(out.stderr).toContain('Nothing was sent.');
    expect(await api.showConfig([])).toEqual(before);
  }, 180_000);
});

describe('no commit-confirm timer is left running, whatever fails', () => {
  it('read-back failed: the timer is stopped, then the rollback undoes and saves', async () => {
    const log: string[] = [];
    let calls = 0;
    const flaky = wrap({
      showConfig: (p) => (calls++ === 0 ? Promise.reject(new Error('read timed out')) : api.showConfig(p)),
    });
    await expect(applyVyos(action, ctx(flaky, log))).rejects.toThrow(
      /read-back \(\/retrieve showConfig\) failed/,
    );
    expect(router().confirmPending).toBe(false);
    expect(log).toContain('confirm (stop the timer before undoing): Reboot timer stopped [0]');
    await rollbackVyos(undo, ctx(wrap(), log));
    expect(await has(ROUTE)).toBe(false);
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('read-back does not show the batch: the timer is stopped before the error', async () => {
    const log: string[] = [];
    await expect(applyVyos(action, ctx(wrap({ showConfig: async () => ({}) }), log))).rejects.toThrow(
      /the read-back after the commit does not show: set protocols static route 203\.0\.113\.77\/32 blackhole/,
    );
    expect(router().confirmPending).toBe(false);
    await rollbackVyos(undo, ctx(wrap(), log));
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('the commit’s reply is lost (a timeout): the timer the commit armed is stopped', async () => {
    const log: string[] = [];
    const lost = wrap({
      configure: async (c, o) => {
        await api.configure(c, o);
        throw Object.assign(new Error('VyOS API /configure: no reply within 15000 ms'), { status: null });
      },
    });
    await expect(applyVyos(action, ctx(lost, log))).rejects.toThrow(/commit not acknowledged/);
    expect(log).toContain('confirm (stop the timer before undoing): Reboot timer stopped [0]');
    expect(router().confirmPending).toBe(false);
    await rollbackVyos(undo, ctx(wrap(), log, true));
    expect(await has(ROUTE)).toBe(false);
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('verification failed (abandon): the timer is stopped before the inverse commands', async () => {
    const log: string[] = [];
    const pending = await applyVyos(action, ctx(wrap(), log));
    expect(router()).toMatchObject({ confirmPending: true, pendingAction: 'reboot' });
    await pending.abandon();
    expect(router().confirmPending).toBe(false);
    await rollbackVyos(undo, ctx(wrap(), log));
    expect(await has(ROUTE)).toBe(false);
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('verified (finish): confirmed, then saved', async () => {
    const log: string[] = [];
    const pending = await applyVyos(action, ctx(wrap(), log));
    await pending.finish();
    expect(log.slice(-2)).toEqual([
      'confirm: Reboot timer stopped [0]',
      'save (/config-file save): config.boot now holds it [0]',
    ]);
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
    await rollbackVyos(undo, ctx(wrap(), log));
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('the stop fails (the API is down for it): the error says the timer runs; the rollback stops it first', async () => {
    const log: string[] = [];
    let confirms = 0;
    const down = wrap({
      showConfig: async () => ({}),
      confirm: () =>
        confirms++ === 0
          ? Promise.reject(Object.assign(new Error('VyOS API /config-file: 503'), { status: 503 }))
          : api.confirm(),
    });
    await expect(applyVyos(action, ctx(down, log))).rejects.toThrow(
      /could not stop the commit-confirm timer \(VyOS API \/config-file: 503\); unless confirmed in time the router reboots/,
    );
    // A transport error: the executor counts the step uncertain and tells the rollback a timer may run.
    expect(log.at(-1)).toBe('confirm (stop the timer before undoing) [null]');
    expect(router().confirmPending).toBe(true);
    await rollbackVyos(undo, ctx(wrap(), log, true));
    expect(await has(ROUTE)).toBe(false);
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('a console died mid-step: the rollback stops its timer first, undoes and saves', async () => {
    await api.configure(action.commands, { confirmTime: 5 });
    expect(router().confirmPending).toBe(true);
    const log: string[] = [];
    await rollbackVyos(undo, ctx(wrap(), log, true));
    expect(log[0]).toBe('confirm (stop the timer before undoing): Reboot timer stopped [0]');
    expect(await has(ROUTE)).toBe(false);
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });

  it('another console’s confirm is pending: ours is committed, not confirmed, undone; theirs is left alone', async () => {
    const theirs = ['protocols', 'static', 'route', '198.51.100.77/32'];
    await api.configure([{ op: 'set', path: [...theirs, 'blackhole'] }], { confirmTime: 5 });
    const log: string[] = [];
    await expect(applyVyos(action, ctx(wrap(), log))).rejects.toThrow(
      /spine1: another commit-confirm is pending on the router .*committed but not confirmed/,
    );
    expect(await has(ROUTE)).toBe(true);
    await rollbackVyos(undo, ctx(wrap(), log, true));
    expect(await has(ROUTE)).toBe(false);
    expect(await has(theirs)).toBe(true);
    expect(router().confirmPending).toBe(true);
    expect(log.at(-1)).toBe('save skipped: another console’s commit-confirm is pending on the router [1]');
    // The other console finishes its own change.
    expect(await api.confirm()).toBe('Reboot timer stopped\n');
    await api.configure([{ op: 'delete', path: theirs }]);
    await api.saveConfig();
    expect(router()).toMatchObject({ confirmPending: false, unsaved: false });
  });
});

describe('a timer that expires reboots the router, and routedeck says so', () => {
  let r1: VyosApiServer;
  afterAll(async () => r1?.close());

  it('the step is not confirmed in time: the router reboots into config.boot, finish reports it', async () => {
    r1 = await startRouter({ version: '1.5-rolling', confirmMinuteMs: 100, rebootMs: 20 });
    const client = new VyosApiClient({
      url: r1.url,
      key: API_KEY,
      tls: { mode: 'pin', sha256: r1.fingerprint256 },
    });
    const log: string[] = [];
    const pending = await applyVyos(
      { ...action, confirmMinutes: 1 },
      { device: 'r1', api: async () => client, onCommand: (c, code) => log.push(`${c} [${code}]`) },
    );
    await vi.waitFor(() => expect(r1.state().boots).toHaveLength(1), { timeout: 60_000, interval: 20 });
    await r1.whenUp();
    await expect(pending.finish()).rejects.toThrow(
      /r1: the commit-confirm timer expired before the step was verified: the router rebooted into its saved config/,
    );
    expect(log.at(-1)).toBe('confirm: no confirm pending [1]');
    expect(r1.state().boots[0]?.reason).toBe('commit-confirm expired (action reboot)');
    expect(await client.exists(ROUTE)).toBe(false);
  });
});
