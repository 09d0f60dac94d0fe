import { afterEach, describe, expect, it } from 'vitest';
import type { VyosApiServer } from '../../../src/lab/vyos-api/index.ts';
import { API_KEY, postForm, postJson, rawRequest, startRouter } from './fixtures.ts';

const servers: VyosApiServer[] = [];
async function router(...args: Parameters<typeof startRouter>): ReturnType<typeof startRouter> {
  const s = await startRouter(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const data = (v: unknown): string => JSON.stringify(v);

describe('VyOS API emulator: transport like real VyOS (reference §1, §6)', () => {
  it('replies with the json.dumps envelope as text/html', async () => {
    const r1 = await router();
    const reply = await postForm(r1, '/retrieve', {
      data: data({ op: 'exists', path: ['system'] }),
      key: API_KEY,
    });
    expect(reply.status).toBe(200);
    expect(reply.contentType).toBe('text/html; charset=utf-8');
    expect(reply.text).toBe('{"success": true, "data": true, "error": null}');
  });

  it('ignores an X-API-Key header: a form without `key` is 401', async () => {
    const r1 = await router();
    const reply = await rawRequest(r1, '/retrieve', {
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-API-Key': API_KEY },
      body: new URLSearchParams({ data: data({ op: 'showConfig', path: [] }) }).toString(),
    });
    expect(reply.status).toBe(401);
    expect(reply.json).toEqual({ success: false, error: 'Valid API key is required', data: null });
  });

  it('rejects the seed-style JSON body with a header key: 400 pydantic "missing key"', async () => {
    const r1 = await router();
    const reply = await rawRequest(r1, '/configure', {
      headers: { 'Content-Type': 'application/json', 'X-API-Key': API_KEY },
      body: data({ op: 'set', path: ['system', 'host-name', 'x'] }),
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({
      success: false,
      error: expect.stringContaining("'loc': ('body', 'key')"),
    });
    expect(r1.config.returnValue(['system', 'host-name'])).toBe('r1');
  });

  it('accepts a JSON body that carries the key, including a `commands` batch', async () => {
    const r1 = await router();
    const reply = await postJson(r1, '/configure', {
      key: API_KEY,
      commands: [
        { op: 'set', path: ['system', 'host-name'], value: 'r1-new' },
        { op: 'set', path: ['vrf', 'name', 'RED', 'table', '100'] },
      ],
    });
    expect(reply.json).toEqual({ success: true, data: null, error: null });
    expect(r1.config.showConfig(['vrf'])).toEqual({ name: { RED: { table: '100' } } });
  });

  it('accepts multipart/form-data (curl -F)', async () => {
    const r1 = await router();
    const form = new FormData();
    form.set('data', data({ op: 'returnValue', path: ['system', 'host-name'] }));
    form.set('key', API_KEY);
    const encoded = new Response(form);
    const reply = await rawRequest(r1, '/retrieve', {
      headers: { 'Content-Type': encoded.headers.get('content-type') ?? '' },
      body: Buffer.from(await encoded.arrayBuffer()),
    });
    expect(reply.json).toEqual({ success: true, data: 'r1', error: null });
  });
});

describe('VyOS API emulator: request errors', () => {
  it.each([
    ['wrong key', { data: data({ op: 'exists', path: [] }), key: 'nope' }, 401, 'Valid API key is required'],
    ['no data field', { key: API_KEY }, 422, 'Non-empty data field is required'],
    ['data not JSON', { data: '{op: set', key: API_KEY }, 400, 'Failed to parse JSON: '],
    ['missing op', { data: data({ path: ['system'] }), key: API_KEY }, 400, "missing 'op' field"],
    [
      'path not a list',
      { data: data({ op: 'exists', path: 'system' }), key: API_KEY },
      400,
      "'path' field must be a list",
    ],
    [
      'bad op',
      { data: data({ op: 'frobnicate', path: [] }), key: API_KEY },
      400,
      "'frobnicate' is not a valid operation",
    ],
    [
      'bad format',
      { data: data({ op: 'showConfig', path: [], configFormat: 'xml' }), key: API_KEY },
      400,
      "'xml' is not a valid config format",
    ],
  ])('%s → %i', async (_name, fields, status, text) => {
    const r1 = await router();
    const reply = await postForm(r1, '/retrieve', fields);
    expect(reply.status).toBe(status);
    expect(reply.json).toMatchObject({ success: false, data: null, error: expect.stringContaining(text) });
  });

  it('quotes the command as a Python dict in "Malformed command" errors', async () => {
    const r1 = await router();
    const reply = await postForm(r1, '/configure', { data: data([{ path: ['a'] }]), key: API_KEY });
    expect(reply.json).toMatchObject({ error: "Malformed command '{'path': ['a']}': missing 'op' field" });
  });

  it('rejects `op: save` on /configure: saving is /config-file only', async () => {
    const r1 = await router();
    const reply = await postForm(r1, '/configure', { data: data({ op: 'save', path: ['x'] }), key: API_KEY });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: "'save' is not a valid operation" });
  });

  it('says "Configuration under specified path is empty" for showConfig on an empty path', async () => {
    const r1 = await router();
    const reply = await postForm(r1, '/retrieve', {
      data: data({ op: 'showConfig', path: ['protocols'] }),
      key: API_KEY,
    });
    expect(reply.status).toBe(400);
    expect(reply.json).toMatchObject({ error: 'Configuration under specified path is empty' });
  });

  it('HTML-escapes error text on 1.5 rolling only', async () => {
    const hook = (): never => {
      throw new Error('commit failed: <bgp> & friends');
    };
    const cmd = { data: data({ op: 'set', path: ['system', 'domain-name', 'x'] }), key: API_KEY };
    const r14 = await router({ commitHook: hook });
    const r15 = await router({ commitHook: hook, version: '1.5-rolling' });
    expect((await postForm(r14, '/configure', cmd)).json).toMatchObject({
      error: 'commit failed: <bgp> & friends',
    });
    expect((await postForm(r15, '/configure', cmd)).json).toMatchObject({
      error: 'commit failed: &lt;bgp&gt; &amp; friends',
    });
  });

  it('answers 500 with the upstream text for an unexpected exception', async () => {
    const r1 = await router({
      show: () => {
        throw new TypeError('boom');
      },
    });
    const reply = await postForm(r1, '/show', {
      data: data({ op: 'show', path: ['ip', 'bgp'] }),
      key: API_KEY,
    });
    expect(reply.status).toBe(500);
    expect(reply.json).toMatchObject({ error: 'An internal error occured. Check the logs for details.' });
  });

  it('caps the body size like nginx (413)', async () => {
    const r1 = await router({ maxBodyBytes: 1024 });
    const reply = await postForm(r1, '/retrieve', { data: 'x'.repeat(4096), key: API_KEY });
    expect(reply.status).toBe(413);
  });

  it('serves faults: 503 as nginx HTML, 500 as the envelope', async () => {
    const r1 = await router();
    r1.setFault({ status: 503 });
    const down = await postForm(r1, '/retrieve', { data: data({ op: 'exists', path: [] }), key: API_KEY });
    expect(down.status).toBe(503);
    expect(down.text).toContain('503 Service Temporarily Unavailable');
    r1.setFault({ status: 500 });
    expect((await postForm(r1, '/retrieve', { data: '{}', key: API_KEY })).status).toBe(500);
    r1.setFault({ status: null });
    expect(
      (await postForm(r1, '/retrieve', { data: data({ op: 'exists', path: [] }), key: API_KEY })).status,
    ).toBe(200);
  });
});

describe('VyOS API emulator: configure semantics', () => {
  it('in strict mode, deleting a missing path is a 400; otherwise a no-op', async () => {
    const cmd = { data: data({ op: 'delete', path: ['protocols', 'bgp'] }), key: API_KEY };
    const strict = await router({ strict: true });
    const lax = await router();
    expect((await postForm(strict, '/configure', cmd)).json).toMatchObject({
      error: 'Cannot delete [protocols bgp]: path/value does not exist',
    });
    expect((await postForm(lax, '/configure', cmd)).status).toBe(200);
  });

  it('returns data null on 1.4 and the commit output on 1.5; service https gets the background message', async () => {
    const hook = (): string => 'Warning: something to note\n';
    const r14 = await router({ commitHook: hook });
    const r15 = await router({ commitHook: hook, version: '1.5-rolling' });
    const cmd = { data: data({ op: 'set', path: ['system', 'domain-name'], value: 'lab' }), key: API_KEY };
    expect((await postForm(r14, '/configure', cmd)).json).toMatchObject({ data: null });
    expect((await postForm(r15, '/configure', cmd)).json).toMatchObject({
      data: 'Warning: something to note\n',
    });
    const https = { data: data({ op: 'set', path: ['service', 'https', 'api', 'rest'] }), key: API_KEY };
    expect((await postForm(r14, '/configure', https)).json).toMatchObject({
      data: 'Requested HTTP API server configuration change; commit will be called in the background',
    });
  });

  it('only accepts a form `op: confirm` on /config-file, and only on 1.5 rolling', async () => {
    const r15 = await router({ version: '1.5-rolling' });
    const confirm = { data: data({ op: 'confirm' }), key: API_KEY };
    expect((await postForm(r15, '/configure', confirm)).json).toMatchObject({
      error: expect.stringContaining("missing 'path' field"),
    });
    expect((await postForm(r15, '/config-file', confirm)).json).toMatchObject({ success: true });
    expect((await postJson(r15, '/configure', { key: API_KEY, op: 'confirm' })).json).toMatchObject({
      success: true,
    });
    const r14 = await router();
    expect((await postForm(r14, '/config-file', confirm)).json).toMatchObject({
      error: "'confirm' is not a valid operation",
    });
  });

  it('saves and loads config files', async () => {
    const r1 = await router();
    const save = await postForm(r1, '/config-file', {
      data: data({ op: 'save', file: '/config/before.boot' }),
      key: API_KEY,
    });
    expect(save.json).toMatchObject({ data: "Saving configuration to '/config/before.boot'...\nDone\n" });
    r1.config.set(['system', 'host-name'], 'changed');
    const load = await postForm(r1, '/config-file', {
      data: data({ op: 'load', file: '/config/before.boot' }),
      key: API_KEY,
    });
    expect(load.status).toBe(200);
    expect(r1.config.returnValue(['system', 'host-name'])).toBe('r1');
  });
});

describe('VyOS API emulator: /show and /info', () => {
  it('renders `show configuration commands` and `show version` as text; unknown commands are 400', async () => {
    const r1 = await router();
    const show = (path: string[]): Promise<{ json: unknown; status: number }> =>
      postForm(r1, '/show', { data: data({ op: 'show', path }), key: API_KEY });
    expect((await show(['configuration', 'commands'])).json).toMatchObject({
      data: "set system host-name 'r1'\n",
    });
    expect((await show(['version'])).json).toMatchObject({ data: expect.stringContaining('VyOS 1.4') });
    expect((await show(['frobnicate'])).status).toBe(400);
  });

  it('serves GET /info without a key on 1.5 rolling (a dated rolling version, "" for a key turned off), 404 on 1.4', async () => {
    const r15 = await router({ version: '1.5-rolling' });
    const info = await rawRequest(r15, '/info', { method: 'GET' });
    expect(info.json).toEqual({
      success: true,
      data: { version: '2026.02.11-0021-rolling', hostname: 'r1', banner: 'Welcome to VyOS' },
      error: null,
    });
    expect((await rawRequest(r15, '/info?hostname=false', { method: 'GET' })).json).toEqual({
      success: true,
      data: { version: '2026.02.11-0021-rolling', hostname: '', banner: 'Welcome to VyOS' },
      error: null,
    });
    expect((await rawRequest(r15, '/info?foo=1', { method: 'GET' })).status).toBe(400);
    expect((await rawRequest(await router(), '/info', { method: 'GET' })).status).toBe(404);
  });
});
