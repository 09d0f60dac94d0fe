/**
 * `routedeck serve --listen 127.0.0.1:2222 --authorized-keys FILE`: the console in this terminal
 * (the driver), mirrored read-only over SSH to every colleague whose key is in FILE.
 */
import { homedir, hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { isValidIp } from '../addr/cidr.ts';
import { AuthorizedKeysError, fingerprintOf, loadAuthorizedKeys } from '../serve/authorized-keys.ts';
import { ScreenMirror } from '../serve/mirror.ts';
import { DEFAULT_LIMITS, type ServeLimits } from '../serve/limits.ts';
import { startShareServer } from '../serve/server.ts';
import { teeStdout } from '../serve/tee.ts';
import { ensurePrivateDir, loadOrCreateSshKey } from '../transport/ssh/keys.ts';
import ssh2 from 'ssh2';
import { runConsole, type ConsoleValues } from './common/console.ts';
import type { CliIo } from './common/io.ts';
import { UsageError } from './usage.ts';

export interface ServeValues extends ConsoleValues {
  listen?: string;
  'authorized-keys'?: string;
  'host-key'?: string;
  'auth-timeout'?: string;
  'max-viewers'?: string;
  'max-pending'?: string;
  'max-pending-per-source'?: string;
}

/** The client limits a NOC may change; every other limit follows from these or is fixed. */
export function parseServeLimits(values: ServeValues): ServeLimits {
  const number = (option: keyof ServeValues, min: number, max: number, fallback: number): number => {
    const text = values[option];
    if (text === undefined) return fallback;
    const value = Number(text);
    if (typeof text !== 'string' || !/^\d+(\.\d+)?$/.test(text) || value < min || value > max)
      throw new UsageError(`--${option} ${JSON.stringify(text)}: expected a number from ${min} to ${max}`);
    return value;
  };
  const authTimeoutMs = number('auth-timeout', 1, 600, DEFAULT_LIMITS.authTimeoutMs / 1000) * 1000;
  const maxViewers = Math.floor(number('max-viewers', 1, 1000, DEFAULT_LIMITS.maxViewers));
  const maxPending = Math.floor(number('max-pending', 1, 10_000, DEFAULT_LIMITS.maxPending));
  const perSource = Math.floor(
    number('max-pending-per-source', 1, 10_000, Math.min(DEFAULT_LIMITS.maxPendingPerSource, maxPending)),
  );
  return {
    ...DEFAULT_LIMITS,
    authTimeoutMs,
    maxViewers,
    maxPending,
    maxPendingPerSource: perSource,
    // Room for every viewer and every waiting connection; one source gets twice its waiting share.
    maxConnections: maxViewers + maxPending,
    maxConnectionsPerSource: Math.min(maxViewers + maxPending, 2 * perSource),
  };
}

export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+|localhost)):(\d{1,5})$/.exec(text);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (!match || !host || (host !== 'localhost' && !isValidIp(host)) || port < 1 || port > 65535)
    throw new UsageError(
      `--listen ${JSON.stringify(text)}: expected ADDRESS:PORT, e.g. 127.0.0.1:2222 or [::1]:2222`,
    );
  return { host, port };
}

/** `$XDG_STATE_HOME/routedeck/serve_host_ed25519`: made on the first serve, kept for the next. */
export function defaultHostKeyPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'routedeck', 'serve_host_ed25519');
}

export async function runServe(rest: string[], values: ServeValues, io: CliIo): Promise<number> {
  if (rest.length > 0) throw new UsageError('serve takes options only');
  if (!values.listen) throw new UsageError('serve needs --listen ADDRESS:PORT');
  if (!values['authorized-keys']) throw new UsageError('serve needs --authorized-keys FILE (who may watch)');
  const listen = parseListen(values.listen);
  const limits = parseServeLimits(values);
  let authorized;
  try {
    authorized = loadAuthorizedKeys(values['authorized-keys']);
  } catch (error) {
    if (!(error instanceof AuthorizedKeysError)) throw error;
    io.stderr.write(`routedeck: ${error.message}\n`);
    return 2;
  }
  if (!io.interactive) throw new UsageError('serve runs the console here: it needs a terminal');
  const keyFile = values['host-key'] ?? defaultHostKeyPath(io.env);
  await ensurePrivateDir(dirname(keyFile));
  const hostKey = await loadOrCreateSshKey(keyFile, true);
  const parsed = ssh2.utils.parseKey(hostKey.public);
  const fingerprint = parsed instanceof Error ? '?' : fingerprintOf(parsed.getPublicSSH());
  const stdout = process.stdout;
  const mirror = new ScreenMirror(stdout.columns || 80, stdout.rows || 24);
  const tee = teeStdout(stdout, mirror);
  let driver = 'routedeck';
  try {
    driver = `${values.operator ?? userInfo().username} on ${hostname()}`;
  } catch {
    // no passwd entry: keep the neutral name
  }
  return runConsole(values, io, {
    stdout: tee,
    attach: async (store) => {
      const server = await startShareServer({
        ...listen,
        hostKey: hostKey.private,
        authorized,
        mirror,
        driver,
        limits,
        onViewersChange: (viewers) =>
          store.getState().setWatchers(
            viewers.map((v) => ({ user: v.user, from: v.from, key: v.key })),
            Date.now(),
          ),
        onNotice: (message) =>
          store.setState((s) => ({
            events: [...s.events, { at: Date.now(), device: 'serve', level: 'warn' as const, message }].slice(
              -500,
            ),
          })),
      });
      io.stderr.write(
        `routedeck: sharing this console on ${listen.host}:${server.port} (read-only for viewers)\n` +
          `  host key ${fingerprint}; ${authorized.length} authorized key(s) in ${values['authorized-keys']}\n` +
          `  at most ${limits.maxViewers} viewers, ${limits.maxPending} connections authenticating ` +
          `(${limits.maxPendingPerSource} a source), ${limits.authTimeoutMs / 1000} s to authenticate\n` +
          `  viewers: ssh -p ${server.port} <name>@<this host>\n`,
      );
      store.setState((s) => ({
        events: [
          ...s.events,
          {
            at: Date.now(),
            device: 'serve',
            level: 'info' as const,
            message: `sharing on ${listen.host}:${server.port} (host key ${fingerprint}; ${authorized.length} authorized key(s))`,
          },
        ],
      }));
      return async () => {
        await server.close();
        tee.detach();
      };
    },
  });
}
