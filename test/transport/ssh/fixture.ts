/** Shared setup for the SSH transport tests: a temp dir, a client key, a test server. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SshDeviceConnection } from '../../../src/transport/ssh/connection.ts';
import type { SshConnectionOptions, SshConnectionState } from '../../../src/transport/ssh/connection.ts';
import { generateKey, SshTestServer } from '../../helpers/ssh-test-server.ts';
import type { KeyPair, TestServerOptions } from '../../helpers/ssh-test-server.ts';

export interface Lab {
  dir: string;
  clientKey: KeyPair;
  keyFile: string;
  knownHostsFile: string;
  server: SshTestServer;
  /** A connection to the server with key auth and a known_hosts that trusts it. */
  connect(overrides?: Partial<SshConnectionOptions>): SshDeviceConnection;
  /** Closes every connection made through connect(), stops the server, removes the dir. */
  cleanup(): Promise<void>;
}

export async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'routedeck-ssh-'));
}

export async function startLab(
  opts: { trustServer?: boolean; server?: Partial<TestServerOptions> } = {},
): Promise<Lab> {
  const dir = await tempDir();
  const clientKey = generateKey();
  const keyFile = join(dir, 'id_ed25519');
  await writeFile(keyFile, clientKey.private, { mode: 0o600 });
  const server = await SshTestServer.start({
    ...opts.server,
    authorizedKeys: [clientKey.public, ...(opts.server?.authorizedKeys ?? [])],
  });
  const knownHostsFile = join(dir, 'known_hosts');
  if (opts.trustServer !== false) await writeFile(knownHostsFile, `${server.knownHostsLine()}\n`);
  const made: SshDeviceConnection[] = [];
  return {
    dir,
    clientKey,
    keyFile,
    knownHostsFile,
    server,
    connect(overrides = {}) {
      const connection = new SshDeviceConnection({
        device: 'hv-test',
        host: '127.0.0.1',
        port: server.port,
        username: 'noc',
        auth: { type: 'key', path: keyFile },
        knownHostsFile,
        ...overrides,
      });
      made.push(connection);
      return connection;
    },
    async cleanup() {
      await Promise.all(made.map((c) => c.close()));
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves at the first change to `state` (or at once if already there); bounded. */
export function waitForState(
  connection: SshDeviceConnection,
  state: SshConnectionState,
  timeoutMs = 30_000,
): Promise<void> {
  if (connection.state === state) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`state stayed ${connection.state}, expected ${state} within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = connection.onStateChange((s) => {
      if (s !== state) return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
}
