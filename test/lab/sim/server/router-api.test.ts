import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VyosAuthError,
  VyosBadRequestError,
  type VyosApiClient,
} from '../../../../src/transport/vyos-api/index.ts';
import { startTestLab, type TestLab } from './helpers.ts';

// A simulated "minute": long enough that two API calls always fit inside it on a loaded machine
// (150 ms expired between two calls under stress-ng), short enough that waiting one out is cheap.
const MINUTE_MS = 5_000;

async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A form POST by hand (no client-side checks), trusting the router's own certificate file. */
async function rawPost(
  t: TestLab,
  endpoint: string,
  form: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const url = new URL(endpoint, t.spec('spine1').api!.url);
  const ca = await readFile(path.join(t.lab.dir, 'tls', 'spine1.crt'), 'utf8');
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', ca, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(new URLSearchParams(form).toString());
  });
}

const description = (api: VyosApiClient): Promise<string | null> =>
  api.returnValue(['interfaces', 'ethernet', 'eth1', 'description']);

describe('the lab router’s HTTPS API through VyosApiClient', () => {
  let t: TestLab;
  let api: VyosApiClient;
  const modelConfig = (): unknown => t.fabric.device('spine1')!.vyosConfig!();

  beforeAll(async () => {
    t = await startTestLab({ confirmMinuteMs: MINUTE_MS, rebootMs: 50 });
    api = await t.api('spine1');
  });
  afterAll(async () => t?.close());

  it('serves the model’s config with the pinned certificate, keys never handed to the model', async () => {
    expect(await api.returnValue(['system', 'host-name'])).toBe('spine1');
    expect(await api.exists(['service', 'https', 'api', 'rest'])).toBe(true);
    expect(JSON.stringify(modelConfig())).not.toContain('keys');
  });

  it('refuses a wrong key with 401', async () => {
    const wrong = await t.api('spine1', 'not-the-key');
    await expect(wrong.returnValue(['system', 'host-name'])).rejects.toMatchObject({ status: 401 });
    await expect(wrong.returnValue(['system', 'host-name'])).rejects.toBeInstanceOf(VyosAuthError);
  });

  it('answers a form without `data` with 422', async () => {
    const key = (await readFile(path.join(t.lab.dir, 'api-key'), 'utf8')).trim();
    const reply = await rawPost(t, '/retrieve', { key });
    expect(reply.status).toBe(422);
    expect(JSON.parse(reply.body)).toMatchObject({
      success: false,
      error: 'Non-empty data field is required',
    });
  });

  it('rejects an invalid path with 400 and the CLI’s text; a batch with one bad command changes nothing', async () => {
    const before = modelConfig();
    const bad = { op: 'set' as const, path: ['protocols', 'bgp', '65001', 'neighbor', 'eth1'] };
    const good = {
      op: 'set' as const,
      path: ['interfaces', 'ethernet', 'eth1', 'description'],
      value: 'changed',
    };
    const failure = api.configure([good, bad]);
    await expect(failure).rejects.toBeInstanceOf(VyosBadRequestError);
    await expect(failure).rejects.toMatchObject({ status: 400 });
    await expect(failure).rejects.toThrow(/Configuration path: \[protocols bgp 65001\] is not valid/);
    expect(await description(api)).toBe('to hv1');
    expect(modelConfig()).toEqual(before);
  });

  it('fails a commit the model refuses with the model’s text, and keeps both configs', async () => {
    const before = modelConfig();
    const refusal = api.configure([
      { op: 'set', path: ['vrf', 'name', 'green', 'description'], value: 'no table' },
    ]);
    await expect(refusal).rejects.toMatchObject({ status: 400 });
    await expect(refusal).rejects.toThrow(
      /VRF "green" table id is mandatory!\n\n\[\[vrf\]\] failed\nCommit failed/,
    );
    expect(await api.exists(['vrf', 'name', 'green'])).toBe(false);
    expect(modelConfig()).toEqual(before);
  });

  it('applies commits to the model: SSH shows what the API changed; an unconfirmed commit-confirm reboots into the saved config', async () => {
    const ssh = t.ssh('spine1');
    const routed = async (prefix: string): Promise<boolean> =>
      (await ssh.exec("vtysh -c 'show ip route json'")).stdout.includes(`"${prefix}"`);
    const blackhole = (prefix: string) => [
      { op: 'set' as const, path: ['protocols', 'static', 'route', prefix, 'blackhole'] },
    ];
    const router = t.lab.faults.status().find((s) => s.device === 'spine1')!;
    const boots = router.vyos?.boots.length ?? 0;

    await api.configure(blackhole('203.0.113.0/24'));
    expect(await routed('203.0.113.0/24')).toBe(true);

    const armed = await api.configure(blackhole('198.51.100.0/24'), { confirmTime: 1 });
    expect(armed.output).toBe('Initialized commit-confirm; 1 minutes to confirm before reboot\n');
    expect(await routed('198.51.100.0/24')).toBe(true);
    // Expiry reboots (the default action): the unsaved plain commit is lost with the unconfirmed one.
    await until(
      'the reboot',
      () => (t.lab.faults.status().find((s) => s.device === 'spine1')!.vyos?.boots.length ?? 0) > boots,
    );
    const after = t.lab.faults.status().find((s) => s.device === 'spine1')!.vyos!;
    expect(after.boots.at(-1)?.reason).toBe('commit-confirm expired (action reboot)');
    expect(after.confirmPending).toBe(false);
    await until(
      'the router back up',
      async () => (await api.exists(['protocols', 'static']).catch(() => null)) === false,
    );
    expect(await routed('198.51.100.0/24')).toBe(false);
    expect(await routed('203.0.113.0/24')).toBe(false);
    expect(JSON.stringify(modelConfig())).not.toContain('203.0.113.0/24');
  });

  it('with action reload an unconfirmed commit-confirm reverts to the last archived config; plain commits made meanwhile are archived and kept', async () => {
    await until('the router up', async () => (await api.exists(['system']).catch(() => null)) === true);
    const action = ['system', 'config-management', 'commit-confirm', 'action'];
    const route = (prefix: string) => ['protocols', 'static', 'route', prefix];
    const blackhole = (prefix: string) => [{ op: 'set' as const, path: [...route(prefix), 'blackhole'] }];
    await api.configure([{ op: 'set', path: action, value: 'reload' }, ...blackhole('203.0.113.0/24')]);
    const armed = await api.configure(blackhole('198.51.100.0/24'), { confirmTime: 1 });
    expect(armed.output).toBe('Initialized commit-confirm; 1 minutes to confirm before reload\n');
    // A second commit-confirm meanwhile is committed, then refused.
    const second = api.configure(blackhole('192.0.2.0/24'), { confirmTime: 1 });
    await expect(second).rejects.toMatchObject({ status: 400 });
    await expect(second).rejects.toThrow(/Another confirm is pending/);
    expect(await api.exists(route('192.0.2.0/24'))).toBe(true);
    await until('the reload', async () => !(await api.exists(route('192.0.2.0/24'))), 60_000);
    expect(await api.exists(route('198.51.100.0/24'))).toBe(false);
    expect(await api.exists(route('203.0.113.0/24'))).toBe(true);

    // A plain commit while a timer runs archives the whole running config, the unconfirmed part too.
    await api.configure(blackhole('198.51.100.0/24'), { confirmTime: 1 });
    await api.configure(blackhole('192.0.2.0/24'));
    await until(
      'the timer to end',
      () => !t.lab.faults.status().find((s) => s.device === 'spine1')!.vyos!.confirmPending,
      60_000,
    );
    expect(await api.exists(route('198.51.100.0/24'))).toBe(true);
    expect(await api.exists(route('192.0.2.0/24'))).toBe(true);
    await api.configure([
      { op: 'delete', path: action },
      { op: 'delete', path: ['protocols', 'static'] },
    ]);
  });

  it('keeps a confirmed commit-confirm', async () => {
    const set = [
      { op: 'set' as const, path: ['interfaces', 'ethernet', 'eth1', 'description'], value: 'kept' },
    ];
    await api.configure(set, { confirmTime: 1 });
    expect(await api.confirm()).toBe('Reboot timer stopped\n');
    await new Promise((resolve) => setTimeout(resolve, MINUTE_MS * 2));
    expect(await description(api)).toBe('kept');
    expect(modelConfig()).toMatchObject({ interfaces: { ethernet: { eth1: { description: 'kept' } } } });
  });
});
