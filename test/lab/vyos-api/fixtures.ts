import { request } from 'node:https';
import {
  generateSelfSignedCert,
  startVyosApiServer,
  type SelfSignedCert,
  type VyosApiServer,
  type VyosApiServerOptions,
} from '../../../src/lab/vyos-api/index.ts';

export const API_KEY = 'test-api-key-s3cr3t-7f1c';

let certPromise: Promise<SelfSignedCert> | undefined;
/** One self-signed cert per test file (openssl takes a few ms; no need to repeat it). */
export function testCert(): Promise<SelfSignedCert> {
  certPromise ??= generateSelfSignedCert('vyos-test', ['localhost', '127.0.0.1']);
  return certPromise;
}

/** Starts an emulated 1.4 router named r1 with {@link API_KEY}; `cert` defaults to the shared test cert. */
export async function startRouter(
  opts: Partial<VyosApiServerOptions> = {},
  certificate?: SelfSignedCert,
): Promise<VyosApiServer & { cert: SelfSignedCert }> {
  const cert = certificate ?? (await testCert());
  const server = await startVyosApiServer({
    keys: { noc: API_KEY },
    version: '1.4',
    hostname: 'r1',
    tls: { cert: cert.cert, key: cert.key },
    ...opts,
  });
  return Object.assign(server, { cert });
}

export interface RawReply {
  status: number;
  contentType: string | undefined;
  text: string;
  json: unknown;
}

/** A raw HTTPS request with exact headers and body, trusting only the test cert. */
export async function rawRequest(
  server: VyosApiServer,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<RawReply> {
  const { cert } = await testCert();
  const url = new URL(path, server.url);
  return new Promise((resolve, reject) => {
    const req = request(url, { method: opts.method ?? 'POST', headers: opts.headers, ca: cert }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** `curl -d data=… -d key=…` style urlencoded form. */
export function postForm(
  server: VyosApiServer,
  path: string,
  fields: Record<string, string>,
): Promise<RawReply> {
  return rawRequest(server, path, {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  });
}

export function postJson(server: VyosApiServer, path: string, body: unknown): Promise<RawReply> {
  return rawRequest(server, path, {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}
