/**
 * A VyOS API key pasted into the API URL (issue 13 item 12): refused in one sentence with exit 2,
 * the key never echoed, nothing contacted.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.ts';

const KEY = 'Zk9+s3cr3t/Key=';
const dir = mkdtempSync(join(tmpdir(), 'routedeck-api-url-'));
let listener: Server;
let port = 0;
let accepted = 0;

beforeAll(async () => {
  listener = createServer((socket) => {
    accepted++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

const CREDENTIALS =
  'must not contain a user name or password; give the API key as key: {env: NAME} or {file: PATH}';
const IN_QUERY =
  'must not carry a key, token or password in its query or fragment; give the API key as key: {env: NAME} or {file: PATH}';

describe('api.url with credentials in it', () => {
  it.each([
    ['user and key as userinfo', `https://vyos:${KEY}@127.0.0.1:PORT`, CREDENTIALS],
    ['only a password', `https://:${encodeURIComponent(KEY)}@127.0.0.1:PORT/`, CREDENTIALS],
    ['key= in the query', `https://127.0.0.1:PORT/?key=${encodeURIComponent(KEY)}`, IN_QUERY],
    ['token= in the fragment', `https://127.0.0.1:PORT/#token=${KEY}`, IN_QUERY],
    ['password= after another parameter', `https://127.0.0.1:PORT/?a=1&password=${KEY}`, IN_QUERY],
    ['userinfo and a key in the query', `https://u:${KEY}@127.0.0.1:PORT/?api_key=${KEY}`, CREDENTIALS],
    [
      'any other query',
      'https://127.0.0.1:PORT/?x=1',
      'must not have a query or fragment (routedeck appends the endpoint path to it)',
    ],
  ])('refuses %s in one sentence, exit 2, the key never shown', async (label, url, message) => {
    const file = join(dir, `${label.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(
      file,
      `devices:\n  - name: r1\n    role: router\n    kind: vyos\n    host: 127.0.0.1\n    port: ${port}\n` +
        `    api: { url: "${url.replace('PORT', String(port))}", key: { env: R1_KEY } }\n`,
    );
    const result = await cli(['get', 'devices', '--inventory', file], { R1_KEY: KEY });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${file}: invalid inventory\n  devices[0].api.url: ${message}\n`);
    for (const form of [KEY, encodeURIComponent(KEY)]) expect(result.stderr).not.toContain(form);
    expect(result.stdout).toBe('');
    expect(accepted).toBe(0);
  });
});
