/**
 * Opens one authenticated ssh2 connection: TCP connect, host key verification against
 * known_hosts (with the explicit trust path), authentication, and the timeouts around them.
 *
 * We create the TCP socket ourselves so that a connect timeout exists separately from the
 * handshake timeout, and so that close() can always destroy it (ssh2's destroy() is a no-op once
 * the socket is half-closed, which would leave a handle keeping the process alive).
 */
import { readFile } from 'node:fs/promises';
import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Client } from 'ssh2';
import type { SshAuth } from '../../model/device.ts';
import { resolveAuth } from './auth.ts';
import { PausableDeadline } from './deadline.ts';
import {
  ConnectionClosedError,
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
  SshAuthError,
  SshConnectError,
} from './errors.ts';
import type { SshTarget } from './errors.ts';
import {
  appendKnownHost,
  fingerprint,
  hostKeyAlgorithms,
  keyTypeOf,
  parseKnownHosts,
  verifyHostKey,
} from './known-hosts.ts';

/** What the operator is shown when asked whether to trust a host key seen for the first time. */
export interface HostKeyInfo {
  device?: string;
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  keyBase64: string;
  knownHostsFile: string;
}

export interface DialOptions {
  target: SshTarget & { username: string };
  auth: SshAuth;
  knownHostsFile: string;
  trustUnknownHostKey?: (info: HostKeyInfo) => Promise<boolean>;
  connectTimeoutMs: number;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  /** Aborting (close()) destroys the socket and rejects with ConnectionClosedError. */
  signal: AbortSignal;
  /** Called once when an established connection ends, with the error that ended it if any. */
  onDisconnect: (err: Error | undefined) => void;
}

export interface Dialed {
  client: Client;
  socket: Socket;
}

async function readKnownHosts(file: string, target: SshTarget): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENOENT') return '';
    throw new SshConnectError(target, `cannot read known_hosts file ${file}`, { cause: err });
  }
}

/** The last known_hosts text parsed and its entries: the file is read at every dial, parsed when it changed. */
let parsed: { text: string; entries: ReturnType<typeof parseKnownHosts> } | null = null;

function knownHostEntries(text: string): ReturnType<typeof parseKnownHosts> {
  if (parsed?.text !== text) parsed = { text, entries: parseKnownHosts(text) };
  return parsed.entries;
}

export async function dial(opts: DialOptions): Promise<Dialed> {
  const { target, knownHostsFile } = opts;
  const entries = knownHostEntries(await readKnownHosts(knownHostsFile, target));
  const authConfig = await resolveAuth(opts.auth, target);
  if (opts.signal.aborted) throw new ConnectionClosedError(target, 'closed while connecting');

  return new Promise<Dialed>((resolve, reject) => {
    // Many small request/response packets (channel opens, exit status): Nagle would add a
    // delayed-ACK stall to each of them.
    const socket = netConnect({ host: target.host, port: target.port, noDelay: true });
    const client = new ssh2.Client();
    let settled = false;
    let ready = false;
    // Set by the host verifier: the reason it refused, which beats ssh2's generic message.
    let hostKeyError: Error | undefined;

    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(err);
    };
    const connectTimer = setTimeout(
      () => fail(new SshConnectError(target, `no TCP answer within ${opts.connectTimeoutMs} ms`)),
      opts.connectTimeoutMs,
    );
    const handshake = new PausableDeadline(opts.readyTimeoutMs, () =>
      fail(new SshConnectError(target, `SSH handshake did not complete within ${opts.readyTimeoutMs} ms`)),
    );
    const onAbort = (): void => fail(new ConnectionClosedError(target, 'closed while connecting'));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    const cleanup = (): void => {
      clearTimeout(connectTimer);
      handshake.pause();
      opts.signal.removeEventListener('abort', onAbort);
    };

    // ssh2 asks again at every re-key (long streams re-key); the key accepted at login needs no
    // second look or prompt, while any other key goes through the full check again.
    let accepted: Buffer | undefined;
    const checkHostKey = async (key: Buffer): Promise<boolean> => {
      if (accepted?.equals(key)) return true;
      const ok = await verdictFor(key);
      if (ok) accepted = key;
      return ok;
    };
    const verdictFor = async (key: Buffer): Promise<boolean> => {
      const keyType = keyTypeOf(key) ?? 'unknown';
      const verdict = verifyHostKey(entries, target.host, target.port, key);
      const facts = { keyType, fingerprint: fingerprint(key), knownHostsFile };
      if (verdict.status === 'match') return true;
      if (verdict.status === 'revoked') {
        hostKeyError = new HostKeyRevokedError(target, { ...facts, line: verdict.line });
      } else if (verdict.status === 'changed') {
        // Never offered to the trust callback: a changed key is refused, full stop.
        hostKeyError = new HostKeyChangedError(target, { ...facts, ...verdict });
      } else {
        const trust = opts.trustUnknownHostKey;
        const info: HostKeyInfo = { ...target, ...facts, keyBase64: key.toString('base64') };
        // The operator's thinking time is not the device's handshake time.
        handshake.pause();
        const yes = trust ? await trust(info) : false;
        if (settled) return false;
        handshake.resume();
        if (yes) {
          try {
            await appendKnownHost(knownHostsFile, target.host, target.port, keyType, info.keyBase64);
          } catch (err) {
            hostKeyError = new SshConnectError(target, `cannot record the trusted key in ${knownHostsFile}`, {
              cause: err,
            });
            return false;
          }
          return true;
        }
        hostKeyError = new HostKeyUnknownError(target, facts);
      }
      return false;
    };

    socket.once('connect', () => {
      clearTimeout(connectTimer);
      handshake.resume();
      client.connect({
        sock: socket,
        username: target.username,
        ...authConfig,
        readyTimeout: 0, // replaced by the pausable deadline above
        keepaliveInterval: opts.keepaliveIntervalMs,
        keepaliveCountMax: 3,
        algorithms: { serverHostKey: hostKeyAlgorithms(entries, target.host, target.port) },
        hostVerifier: (key: Buffer, verify: (ok: boolean) => void): void => {
          checkHostKey(key).then(verify, (err: unknown) => {
            hostKeyError = err instanceof Error ? err : new Error(String(err));
            verify(false);
          });
        },
      });
    });
    socket.on('error', (err) => {
      if (!ready) fail(new SshConnectError(target, err.message, { cause: err }));
    });

    let lastError: Error | undefined;
    client.on('error', (err: Error & { level?: string }) => {
      lastError = hostKeyError ?? err;
      if (ready) return;
      if (hostKeyError) fail(hostKeyError);
      else if (err.level === 'client-authentication') {
        const how = opts.auth.type === 'agent' ? 'keys offered by ssh-agent' : `key ${opts.auth.path}`;
        fail(new SshAuthError(target, `the server accepted none of the ${how} for user ${target.username}`));
      } else fail(new SshConnectError(target, err.message, { cause: err }));
    });
    client.once('ready', () => {
      if (settled) return;
      ready = true;
      settled = true;
      cleanup();
      resolve({ client, socket });
    });
    client.once('close', () => {
      if (ready) opts.onDisconnect(lastError);
      else
        fail(
          hostKeyError ??
            new SshConnectError(target, 'the server closed the connection during the handshake'),
        );
    });
  });
}

/** Polite SSH disconnect, but never left hanging on a silent peer: destroy after 1 s. */
export function hangUp({ socket, client }: Dialed): Promise<void> {
  if (socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => socket.destroy(), 1000);
    socket.once('close', () => {
      clearTimeout(force);
      resolve();
    });
    client.end();
  });
}
