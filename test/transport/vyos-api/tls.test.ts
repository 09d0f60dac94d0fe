import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateSelfSignedCert } from '../../../src/lab/vyos-api/index.ts';
import {
  normalizeFingerprint,
  VyosApiClient,
  VyosConnectionError,
  VyosTlsPinError,
} from '../../../src/transport/vyos-api/index.ts';
import { API_KEY, startRouter } from '../../lab/vyos-api/fixtures.ts';

let dir = '';
let r1: Awaited<ReturnType<typeof startRouter>>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'routedeck-tls-'));
  r1 = await startRouter();
});
afterAll(async () => {
  await r1.close();
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  Object.assign(r1.stats, { connections: 0, requests: 0, tlsConnections: 0 });
});

const client = (tls: ConstructorParameters<typeof VyosApiClient>[0]['tls'], url = r1.url): VyosApiClient =>
  new VyosApiClient({ url, key: API_KEY, tls, timeoutMs: 5_000 });

describe('TLS trust', () => {
  it('accepts a matching pin, written with colons or as plain lowercase hex', async () => {
    expect(await client({ mode: 'pin', sha256: r1.fingerprint256 }).exists(['system'])).toBe(true);
    const plain = r1.fingerprint256.replace(/:/g, '').toLowerCase();
    expect(await client({ mode: 'pin', sha256: plain }).exists(['system'])).toBe(true);
  });

  it('refuses a wrong pin after the handshake, before sending any request byte', async () => {
    const other = await generateSelfSignedCert('other', ['127.0.0.1']);
    const err = await client({ mode: 'pin', sha256: other.fingerprint256 })
      .exists(['system'])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(VyosTlsPinError);
    const pinErr = err as VyosTlsPinError;
    expect(pinErr.expected).toBe(other.fingerprint256);
    expect(pinErr.actual).toBe(r1.fingerprint256);
    expect(pinErr.message).toContain(other.fingerprint256);
    expect(pinErr.message).toContain(r1.fingerprint256);
    // The client connected and saw the server certificate…
    await vi.waitFor(() => expect(r1.stats.connections).toBe(1));
    // …but no HTTP request, and so no key, ever reached the server.
    expect(r1.stats.requests).toBe(0);
  });

  it('verifies against system CAs by default, so a self-signed router is refused', async () => {
    const err = await client({ mode: 'system' })
      .exists(['system'])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(err).toBeInstanceOf(VyosConnectionError);
    expect((err as VyosConnectionError).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
    expect((err as Error).message).toContain('pin its certificate fingerprint');
    expect(r1.stats.requests).toBe(0);
  });

  it('trusts a CA file, still checking the hostname', async () => {
    const caFile = join(dir, 'r1.pem');
    await writeFile(caFile, r1.cert.cert);
    expect(await client({ mode: 'ca', caFile }).exists(['system'])).toBe(true);
    const byName = r1.url.replace('127.0.0.1', 'localhost');
    expect(await client({ mode: 'ca', caFile }, byName).exists(['system'])).toBe(true);

    // The cert has no SAN for this address, so the CA alone is not enough.
    const wrongHost = await startRouter({}, await generateSelfSignedCert('elsewhere', ['elsewhere.example']));
    try {
      const caOther = join(dir, 'other.pem');
      await writeFile(caOther, wrongHost.cert.cert);
      const err = await client({ mode: 'ca', caFile: caOther }, wrongHost.url)
        .exists([])
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(VyosConnectionError);
      expect((err as VyosConnectionError).code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    } finally {
      await wrongHost.close();
    }
  });

  it('fails early on an unreadable CA file or a malformed pin', () => {
    expect(() => client({ mode: 'ca', caFile: join(dir, 'missing.pem') })).toThrow(
      /cannot read TLS CA file .*ENOENT/,
    );
    expect(() => client({ mode: 'pin', sha256: 'abcd' })).toThrow(/invalid SHA-256 fingerprint/);
  });
});

describe('normalizeFingerprint', () => {
  it('accepts colon or plain hex in any case, and openssl output', () => {
    const hex = 'ab'.repeat(32);
    const want = Array(32).fill('AB').join(':');
    expect(normalizeFingerprint(hex)).toBe(want);
    expect(normalizeFingerprint(want.toLowerCase())).toBe(want);
    expect(normalizeFingerprint(`sha256 Fingerprint=${want}`)).toBe(want);
  });
});
