import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { decodeApiRequest, type PostEndpoint } from './api-request.ts';
import { ConfigTree, type ConfigJson } from './config-tree.ts';
import { BodyTooLargeError, readBody } from './form.ts';
import { dispatch, type HandlerContext } from './handlers.ts';
import { infoReply } from './info.ts';
import {
  ApiFailure,
  INTERNAL_ERROR_TEXT,
  sendEnvelope,
  sendNginxError,
  sendRaw,
  VERSION_STRINGS,
  type EmulatedVersion,
} from './reply.ts';
import { EmulatedConfigSession, type CommitEvent, type CommitHook, type SessionState } from './session.ts';
import type { ShowExtension } from './show.ts';
import { defaultPathValidator, type PathValidator } from './validator.ts';

export interface VyosApiServerOptions {
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** `service https api keys id <id> key <secret>`: id → secret. */
  keys: Record<string, string>;
  version: EmulatedVersion;
  hostname?: string;
  tls: { cert: string; key: string };
  initialConfig?: ConfigJson | ConfigTree;
  /** `service https api strict`: deleting a missing path is an error. */
  strict?: boolean;
  commitHook?: CommitHook;
  /** Path validation; defaults to {@link defaultPathValidator}, `null` accepts every path. */
  validator?: PathValidator | null;
  /** Milliseconds in a commit-confirm minute (default 60 000). */
  confirmMinuteMs?: number;
  /** Request body cap; nginx answers 413 above it (default 1 MiB, nginx's `client_max_body_size`). */
  maxBodyBytes?: number;
  banner?: string;
  show?: ShowExtension;
  onCommit?: (tree: ConfigTree, event: CommitEvent) => void;
  /** How long a reboot keeps the API down (default 30 000 ms; tests make it small). */
  rebootMs?: number;
  /** The router went down for a reboot (a fault, or an expired `action reboot` timer). */
  onReboot?: (reason: string, downMs: number) => void;
  /** 1.5: start without `service https api rest`, so every POST is a 404 until it is set. */
  withoutRest?: boolean;
}

/** Training knob: answer every request with this status (503 = nginx "API not configured"), after a delay. */
export interface VyosApiFault {
  status: 500 | 503 | null;
  delayMs?: number;
}

export interface VyosApiServerStats {
  /** TCP connections accepted. */
  connections: number;
  /** HTTP requests received (any path). A refused TLS pin must leave this at 0. */
  requests: number;
  /** TLS handshakes completed. */
  tlsConnections: number;
}

export interface VyosApiServer {
  readonly url: string;
  readonly port: number;
  /** SHA-256 fingerprint of the server certificate, `AA:BB:…`. */
  readonly fingerprint256: string;
  /** The live running config (replaced on every commit, so read it through this getter). */
  readonly config: ConfigTree;
  readonly session: EmulatedConfigSession;
  readonly stats: VyosApiServerStats;
  /** Commit-confirm, unsaved changes and boots, for tests and the lab's control socket. */
  state(): SessionState & { rebooting: boolean };
  /** Reboots into the saved config.boot: unsaved commits are lost and the API is down for `rebootMs`. */
  reboot(reason: string): void;
  /** Resolves once the router answers again after a reboot. */
  whenUp(): Promise<void>;
  setFault(fault: VyosApiFault): void;
  close(): Promise<void>;
}

const POST_ENDPOINTS: readonly string[] = ['/retrieve', '/configure', '/config-file', '/show'];

/** Starts an HTTPS server that answers like the VyOS 1.4 / 1.5-rolling REST API (reference §1). */
export async function startVyosApiServer(opts: VyosApiServerOptions): Promise<VyosApiServer> {
  const { version } = opts;
  const hostname = opts.hostname ?? 'vyos';
  const initial =
    opts.initialConfig instanceof ConfigTree
      ? opts.initialConfig
      : ConfigTree.fromJson(opts.initialConfig ?? { system: { 'host-name': hostname } });
  // 1.5 mounts the REST routes only with `service https api rest` (reference §1, T6736).
  if (version === '1.5-rolling' && !opts.withoutRest) initial.set(['service', 'https', 'api', 'rest']);
  const rebootMs = opts.rebootMs ?? 30_000;
  let downUntil: Promise<void> | null = null;
  const sockets = new Set<Duplex>();
  const reboot = (reason: string): void => {
    session.reboot(reason);
    opts.onReboot?.(reason, rebootMs);
    for (const socket of sockets) socket.destroy();
    const timer = new Promise<void>((resolve) => setTimeout(resolve, rebootMs).unref());
    const mine = timer.then(() => {
      if (downUntil === mine) downUntil = null;
    });
    downUntil = mine;
  };
  const session = new EmulatedConfigSession({
    version,
    initial,
    strict: opts.strict ?? false,
    validator: opts.validator === undefined ? defaultPathValidator : opts.validator,
    commitHook: opts.commitHook,
    confirmMinuteMs: opts.confirmMinuteMs ?? 60_000,
    onCommit: opts.onCommit,
    onTimerReboot: () => reboot('commit-confirm expired (action reboot)'),
  });
  const validKeys = new Set(Object.values(opts.keys));
  const ctx: HandlerContext = { version, hostname, session, show: opts.show };
  const stats: VyosApiServerStats = { connections: 0, requests: 0, tlsConnections: 0 };
  let fault: VyosApiFault = { status: null };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    // Rebooting: nothing listens, so the client sees its connection reset.
    if (downUntil) return void req.socket.destroy();
    stats.requests++;
    if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault.status === 503) return sendNginxError(res, 503);
    if (fault.status === 500) return sendEnvelope(res, version, 500, { error: INTERNAL_ERROR_TEXT });
    const url = new URL(req.url ?? '/', 'https://emulator.invalid');
    if (url.pathname === '/info' && version === '1.5-rolling') {
      if (req.method !== 'GET')
        return sendRaw(res, 405, '{"detail":"Method Not Allowed"}', 'application/json');
      const info = infoReply(url.searchParams, hostname, VERSION_STRINGS[version], opts.banner);
      return sendEnvelope(res, version, info.status, info.outcome);
    }
    if (!POST_ENDPOINTS.includes(url.pathname)) return sendNginxError(res, 404);
    if (version === '1.5-rolling' && !session.running.exists(['service', 'https', 'api', 'rest']))
      return sendNginxError(res, 404);
    if (req.method !== 'POST')
      return sendRaw(res, 405, '{"detail":"Method Not Allowed"}', 'application/json');
    let raw: Buffer;
    try {
      raw = await readBody(req, opts.maxBodyBytes ?? 1024 * 1024);
    } catch (e) {
      if (e instanceof BodyTooLargeError) return sendNginxError(res, 413);
      throw e;
    }
    const endpoint = url.pathname as PostEndpoint;
    const request = decodeApiRequest(endpoint, version, req.headers['content-type'], raw);
    // Only the body's `key` counts: no header (X-API-Key, Authorization) is ever read (reference §6).
    if (!validKeys.has(request.body.key)) throw new ApiFailure(401, 'Valid API key is required');
    sendEnvelope(res, version, 200, { data: await dispatch(request, ctx) });
  };

  const server = createServer({ cert: opts.tls.cert, key: opts.tls.key }, (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof ApiFailure) sendEnvelope(res, version, e.status, { error: e.message });
      else sendEnvelope(res, version, 500, { error: INTERNAL_ERROR_TEXT });
    });
  });
  server.on('connection', (socket) => {
    if (downUntil) return void socket.destroy();
    stats.connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('secureConnection', () => stats.tlsConnections++);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port, address, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;

  return {
    url: `https://${host}:${port}`,
    port,
    fingerprint256: new X509Certificate(opts.tls.cert).fingerprint256,
    get config() {
      return session.running;
    },
    session,
    stats,
    state: () => ({ ...session.state(), rebooting: downUntil !== null }),
    reboot,
    whenUp: async () => {
      while (downUntil) await downUntil;
    },
    setFault(f) {
      fault = { ...f };
    },
    close() {
      session.dispose();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
