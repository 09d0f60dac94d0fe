import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VyosApiServer } from '../../../src/lab/vyos-api/index.ts';
import { VyosApiClient, VyosBadRequestError } from '../../../src/transport/vyos-api/index.ts';
import { API_KEY, startRouter } from '../../lab/vyos-api/fixtures.ts';

const MINUTE_MS = 250;
const servers: VyosApiServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(version: '1.4' | '1.5-rolling'): Promise<{ r1: VyosApiServer; api: VyosApiClient }> {
  const r1 = await startRouter({ version, confirmMinuteMs: MINUTE_MS, rebootMs: 50 });
  servers.push(r1);
  const api = new VyosApiClient({
    url: r1.url,
    key: API_KEY,
    tls: { mode: 'pin', sha256: r1.fingerprint256 },
  });
  return { r1, api };
}

const change = [{ op: 'set' as const, path: ['protocols', 'bgp', 'system-as'], value: '65001' }];

describe('commit-confirm (1.5 rolling)', () => {
  it('reboots into the saved config when not confirmed in time (the default action): unsaved commits are lost', async () => {
    const { r1, api } = await setup('1.5-rolling');
    await api.configure([{ op: 'set', path: ['system', 'domain-name'], value: 'saved.example' }]);
    await api.saveConfig();
    await api.configure([{ op: 'set', path: ['system', 'time-zone'], value: 'UTC' }]);
    const result = await api.configure(change, { confirmTime: 1 });
    expect(result).toEqual({
      output: 'Initialized commit-confirm; 1 minutes to confirm before reboot\n',
      confirmPending: true,
    });
    expect(await api.returnValue(['protocols', 'bgp', 'system-as'])).toBe('65001');
    await vi.waitFor(() => expect(r1.state().boots).toHaveLength(1), {
      timeout: 10 * MINUTE_MS,
      interval: 20,
    });
    expect(r1.state().boots[0]?.reason).toBe('commit-confirm expired (action reboot)');
    await r1.whenUp();
    expect(await api.returnValue(['system', 'domain-name'])).toBe('saved.example');
    expect(await api.exists(['system', 'time-zone'])).toBe(false);
    expect(await api.exists(['protocols', 'bgp'])).toBe(false);
  });

  it('keeps the change once confirmed; a second confirm says nothing is pending', async () => {
    const { r1, api } = await setup('1.5-rolling');
    await api.configure(change, { confirmTime: 1 });
    expect(r1.state()).toMatchObject({ confirmPending: true, pendingAction: 'reboot' });
    expect(await api.confirm()).toBe('Reboot timer stopped\n');
    expect(await api.confirm()).toBe('No confirm pending\n');
    expect(r1.state().confirmPending).toBe(false);
    await new Promise((r) => setTimeout(r, 3 * MINUTE_MS)); // well past the deadline
    expect(await api.returnValue(['protocols', 'bgp', 'system-as'])).toBe('65001');
    expect(r1.state().boots).toEqual([]);
  });

  it('answers every POST with 404 without `service https api rest`', async () => {
    const r1 = await startRouter({ version: '1.5-rolling', withoutRest: true });
    servers.push(r1);
    const api = new VyosApiClient({
      url: r1.url,
      key: API_KEY,
      tls: { mode: 'pin', sha256: r1.fingerprint256 },
    });
    await expect(api.exists(['system'])).rejects.toMatchObject({ status: 404 });
  });
});

describe('commit-confirm on 1.4', () => {
  it('is silently ignored by the router, and the client reports no pending confirm', async () => {
    const { api } = await setup('1.4');
    expect(await api.configure(change, { confirmTime: 1 })).toEqual({ output: null, confirmPending: false });
    await expect(api.confirm()).rejects.toBeInstanceOf(VyosBadRequestError);
    await new Promise((r) => setTimeout(r, 3 * MINUTE_MS));
    expect(await api.returnValue(['protocols', 'bgp', 'system-as'])).toBe('65001');
  });
});
