import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { VyosApiServer } from '../../../src/lab/vyos-api/index.ts';
import { interpretReply } from '../../../src/transport/vyos-api/envelope.ts';
import type { VyosApiError } from '../../../src/transport/vyos-api/index.ts';
import {
  VyosApiClient,
  VyosAuthError,
  VyosBadRequestError,
  VyosEmptyConfigError,
  VyosServerError,
  VyosTimeoutError,
  VyosUnavailableError,
  VyosValidationError,
} from '../../../src/transport/vyos-api/index.ts';
import { API_KEY, postForm, startRouter, testCert } from '../../lab/vyos-api/fixtures.ts';

const servers: Array<{ close(): Promise<void> }> = [];
async function router(...args: Parameters<typeof startRouter>): ReturnType<typeof startRouter> {
  const s = await startRouter(...args);
  servers.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function clientFor(
  server: VyosApiServer & { fingerprint256: string },
  key = API_KEY,
  timeoutMs?: number,
): VyosApiClient {
  return new VyosApiClient({
    url: server.url,
    key,
    tls: { mode: 'pin', sha256: server.fingerprint256 },
    timeoutMs,
  });
}

async function caught(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a rejection');
}

describe('VyosApiClient against the emulator', () => {
  it('sets config in one commit and reads it back with the VyOS rendering rules', async () => {
    const r1 = await router();
    const api = clientFor(r1);
    const result = await api.configure([
      { op: 'set', path: ['interfaces', 'ethernet', 'eth0', 'address'], value: '10.0.0.1/24' },
      { op: 'set', path: ['interfaces', 'ethernet', 'eth1', 'address'], value: '10.0.1.1/24' },
      { op: 'set', path: ['interfaces', 'ethernet', 'eth1', 'address'], value: '10.0.2.1/24' },
      { op: 'set', path: ['protocols', 'bgp', 'system-as'], value: '65001' },
      { op: 'set', path: ['protocols', 'bgp', 'neighbor', '192.0.2.2', 'remote-as'], value: '65002' },
      { op: 'set', path: ['protocols', 'static', 'route', '10.9.0.0/24', 'blackhole'] },
    ]);
    expect(result).toEqual({ output: null, confirmPending: false }); // 1.4: data null
    expect(await api.showConfig(['interfaces'])).toEqual({
      ethernet: { eth0: { address: '10.0.0.1/24' }, eth1: { address: ['10.0.1.1/24', '10.0.2.1/24'] } },
    });
    expect(await api.retrieve.showConfig(['protocols'])).toEqual({
      bgp: { 'system-as': '65001', neighbor: { '192.0.2.2': { 'remote-as': '65002' } } },
      static: { route: { '10.9.0.0/24': { blackhole: {} } } },
    });
    expect(await api.returnValue(['protocols', 'bgp', 'system-as'])).toBe('65001');
    expect(await api.returnValue(['protocols', 'bgp', 'nope'])).toBeNull();
    expect(await api.returnValues(['interfaces', 'ethernet', 'eth1', 'address'])).toEqual([
      '10.0.1.1/24',
      '10.0.2.1/24',
    ]);
    expect(await api.exists(['protocols', 'bgp'])).toBe(true);
    expect(await api.exists(['protocols', 'ospf'])).toBe(false);
  });

  it('applies nothing when one command of a batch fails, and surfaces the router text', async () => {
    const r1 = await router();
    const api = clientFor(r1);
    const before = await api.showConfig([]);
    const err = await caught(
      api.configure([
        { op: 'set', path: ['protocols', 'bgp', 'system-as'], value: '65001' },
        {
          op: 'set',
          path: ['protocols', 'bgp', '65001', 'neighbor', '192.0.2.2', 'remote-as'],
          value: '65002',
        },
      ]),
    );
    expect(err).toBeInstanceOf(VyosBadRequestError);
    expect(err).toMatchObject({ status: 400, endpoint: '/configure' });
    expect((err as VyosApiError).serverError).toBe(
      'Configuration path: [protocols bgp 65001] is not valid\nSet failed\n',
    );
    expect(err.message).toContain('Configuration path: [protocols bgp 65001] is not valid');
    expect(await api.showConfig([])).toEqual(before);
  });

  it('surfaces a commit failure verbatim and keeps the old config', async () => {
    const r1 = await router({
      commitHook: (tree) => {
        if (
          tree.exists(['protocols', 'bgp', 'neighbor']) &&
          !tree.exists(['protocols', 'bgp', 'system-as'])
        ) {
          throw new Error('BGP system-as number must be defined!\n\n[[protocols bgp]] failed\nCommit failed');
        }
      },
    });
    const api = clientFor(r1);
    const err = await caught(
      api.configure([{ op: 'set', path: ['protocols', 'bgp', 'neighbor', 'eth1', 'interface'] }]),
    );
    expect(err).toBeInstanceOf(VyosBadRequestError);
    expect((err as VyosApiError).serverError).toContain('BGP system-as number must be defined!');
    expect(await api.exists(['protocols'])).toBe(false);
  });

  it('throws VyosAuthError for a wrong key, never showing either key', async () => {
    const r1 = await router();
    const wrongKey = 'wrong-key-0xdeadbeef';
    const err = await caught(clientFor(r1, wrongKey).showConfig([]));
    expect(err).toBeInstanceOf(VyosAuthError);
    expect((err as VyosAuthError).serverError).toBe('Valid API key is required');
    for (const text of [err.message, String(err), err.stack ?? '', inspect(err), JSON.stringify(err)]) {
      expect(text).not.toContain(wrongKey);
      expect(text).not.toContain(API_KEY);
    }
    expect(inspect(clientFor(r1))).not.toContain(API_KEY);
  });

  it('maps an empty showConfig path, 500 and 503 to typed errors', async () => {
    const r1 = await router();
    const api = clientFor(r1);
    expect(await caught(api.showConfig(['vrf']))).toBeInstanceOf(VyosEmptyConfigError);
    r1.setFault({ status: 500 });
    expect(await caught(api.exists([]))).toBeInstanceOf(VyosServerError);
    r1.setFault({ status: 503 });
    const down = await caught(api.exists([]));
    expect(down).toBeInstanceOf(VyosUnavailableError);
    expect(down.message).toContain('HTTP 503');
    // nginx's HTML page is summarised by its title, not dumped.
    expect(down.message).toMatch(
      /503 Service Temporarily Unavailable \(web server error page: is the API service running\?\)/,
    );
    expect(down.message).not.toContain('<html>');
  });

  it('sees the 422 and 400 form errors as typed errors (raw forms the client never sends)', async () => {
    const r1 = await router();
    const missing = await postForm(r1, '/retrieve', { key: API_KEY });
    expect(missing.status).toBe(422);
    const notJson = await postForm(r1, '/retrieve', { data: 'not json', key: API_KEY });
    expect(notJson.status).toBe(400);
    expect(notJson.json).toMatchObject({ error: expect.stringMatching(/^Failed to parse JSON: /) });
    // The same classes the client maps these statuses to:
    const asError = (reply: typeof missing): unknown => {
      try {
        return interpretReply(
          '/retrieve',
          { status: reply.status, contentType: reply.contentType, body: reply.text },
          API_KEY,
        );
      } catch (e) {
        return e;
      }
    };
    expect(asError(missing)).toBeInstanceOf(VyosValidationError);
    expect(asError(notJson)).toBeInstanceOf(VyosBadRequestError);
  });

  it('saves, shows text, and reads /info where it exists', async () => {
    const r14 = await router();
    const api14 = clientFor(r14);
    expect(await api14.saveConfig()).toBe("Saving configuration to '/config/config.boot'...\nDone\n");
    expect(await api14.show(['configuration', 'commands'])).toBe("set system host-name 'r1'\n");
    expect(await api14.info()).toBeNull();
    const r15 = await router({ version: '1.5-rolling' });
    expect(await clientFor(r15).info()).toEqual({
      version: '2026.02.11-0021-rolling',
      hostname: 'r1',
      banner: 'Welcome to VyOS',
    });
  });

  it('gives up after timeoutMs', async () => {
    const r1 = await router();
    r1.setFault({ status: null, delayMs: 2_000 });
    const err = await caught(clientFor(r1, API_KEY, 200).exists([]));
    expect(err).toBeInstanceOf(VyosTimeoutError);
    expect((err as Error).message).toMatch(/within 200 ms/);
  });
});

describe('VyosApiClient wire format', () => {
  it('sends POST with a urlencoded `data` + `key` form; the key is in no header and not in the URL', async () => {
    const cert = await testCert();
    const seen: Array<{ method?: string; url?: string; headers: Record<string, unknown>; body: string }> = [];
    const spy = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({
          method: req.method,
          url: req.url,
          headers: req.headers,
          body: Buffer.concat(chunks).toString(),
        });
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end('{"success": true, "data": null, "error": null}');
      });
    });
    await new Promise<void>((r) => spy.listen(0, '127.0.0.1', r));
    servers.push({ close: () => new Promise<void>((r) => spy.close(() => r())) });
    const url = `https://127.0.0.1:${(spy.address() as AddressInfo).port}`;
    const api = new VyosApiClient({ url, key: API_KEY, tls: { mode: 'pin', sha256: cert.fingerprint256 } });
    await api.configure([{ op: 'delete', path: ['protocols', 'bgp'] }]);

    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/configure');
    expect(req?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(JSON.stringify(req?.headers)).not.toContain(API_KEY);
    const form = new URLSearchParams(req?.body);
    expect(form.get('key')).toBe(API_KEY);
    expect(JSON.parse(form.get('data') ?? '')).toEqual([{ op: 'delete', path: ['protocols', 'bgp'] }]);
  });
});
