/**
 * An API key with `+ / = %` and a space, echoed back by a server in the encodings servers use
 * (the raw form body, encodeURIComponent, lower-case hex, Python's quote keeping `/`, twice
 * encoded, JSON-escaped, base64): the client's error and the registry's scrubber mask all of them.
 */
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretScrubber } from '../../src/registry/secrets.ts';
import { VyosApiClient, VyosAuthError } from '../../src/transport/vyos-api/index.ts';
import { testCert } from '../lab/vyos-api/fixtures.ts';

const KEY = 'k+Y/z=9%2F q"\\';
const echoes = (formBody: string): string[] => [
  formBody,
  KEY,
  encodeURIComponent(KEY),
  encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()),
  encodeURIComponent(KEY).replace(/%2F/g, '/'),
  encodeURIComponent(encodeURIComponent(KEY)),
  JSON.stringify(KEY).slice(1, -1),
  Buffer.from(KEY).toString('base64'),
  Buffer.from(KEY).toString('base64url'),
];
const exposed = (text: string): string[] =>
  echoes(new URLSearchParams({ key: KEY }).toString())
    .slice(1)
    .filter((form) => text.includes(form));

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

describe('an API key echoed back encoded', () => {
  it('never reaches the error a user sees', async () => {
    const cert = await testCert();
    const server = createServer({ cert: cert.cert, key: cert.key }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const error = `invalid key; got ${echoes(body).join(' | ')}`;
        res.writeHead(401, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ success: false, error, data: null }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const api = new VyosApiClient({
      url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
      key: KEY,
      tls: { mode: 'pin', sha256: cert.fingerprint256 },
    });
    const error = await api.showConfig(['system']).then(
      () => null,
      (e: unknown) => e as VyosAuthError,
    );
    expect(error).toBeInstanceOf(VyosAuthError);
    expect(error?.message).toMatch(/HTTP 401: invalid key; got data=\S+&key=\*\*\* \| \*\*\* \| \*\*\*/);
    expect(exposed(error?.message ?? '')).toEqual([]);
    expect(exposed(error?.serverError ?? '')).toEqual([]);
    expect(error?.message.match(/\*\*\*/g)).toHaveLength(9);
  });

  it('is scrubbed from what the registry stores, in every encoding, and only there', () => {
    const scrubber = new SecretScrubber([KEY]);
    const text = `apply failed: ${echoes(new URLSearchParams({ key: KEY }).toString()).join(' ')} (peer 10.0.0.1/24 k+Y)`;
    const scrubbed = scrubber.scrub(text);
    expect(exposed(scrubbed)).toEqual([]);
    expect(scrubbed).toBe(
      `apply failed: key=${Array(9).fill('[redacted]').join(' ')} (peer 10.0.0.1/24 k+Y)`,
    );
    expect(scrubber.contains(Buffer.from(KEY).toString('base64url'))).toBe(true);
    expect(scrubber.contains('k+Y/z=9')).toBe(false);
  });
});
