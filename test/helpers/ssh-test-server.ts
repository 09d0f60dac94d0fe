/**
 * A real SSH server for transport tests: ssh2's Server on 127.0.0.1, an ed25519 host key,
 * public-key authentication, and a tiny command language instead of a shell (nothing is ever
 * spawned). Commands are `;`-separated:
 *
 *   echo TEXT     TEXT and a newline on stdout
 *   stderr TEXT   TEXT and a newline on stderr
 *   gen N         N bytes of a deterministic pattern (genSha256(N) is its hash), with back-pressure
 *   sleep MS      wait (ends early when the client closes the channel)
 *   exit N        stop here with exit status N
 *   count         how many TCP connections the server has accepted so far
 *
 * We own the TCP listener and hand sockets to ssh2 (injectSocket), so stop() can drop every
 * connection abruptly, like a device that loses power.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import type { Writable } from 'node:stream';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, Server, ServerChannel } from 'ssh2';

export interface KeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** OpenSSH public key line (`ssh-ed25519 AAAA…`). */
  public: string;
}

export function generateKey(passphrase?: string): KeyPair {
  // ssh2 1.17 drops a leading zero byte of the ed25519 public key (about 1 key in 256) and then
  // cannot parse its own output; draw again rather than make tests flaky.
  for (;;) {
    const pair =
      passphrase === undefined
        ? ssh2.utils.generateKeyPairSync('ed25519')
        : ssh2.utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 16 });
    if (!(ssh2.utils.parseKey(pair.public) instanceof Error)) return pair;
  }
}

/** The SSH wire-format blob of an OpenSSH public key line. */
export function publicBlob(publicLine: string): Buffer {
  return Buffer.from(publicLine.trim().split(/\s+/)[1] ?? '', 'base64');
}

function parsePublic(line: string): ParsedKey {
  const key = ssh2.utils.parseKey(line);
  if (key instanceof Error) throw key;
  return key;
}

const PATTERN_PERIOD = 251; // prime, so chunk boundaries never line up with the pattern

function patternChunk(offset: number, length: number): Buffer {
  const buf = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) buf[i] = (offset + i) % PATTERN_PERIOD;
  return buf;
}

/** sha256 (hex) of what `gen N` sends, computed without holding it. */
export function genSha256(n: number): string {
  const hash = createHash('sha256');
  for (let off = 0; off < n; off += 65536) hash.update(patternChunk(off, Math.min(65536, n - off)));
  return hash.digest('hex');
}

/**
 * Resolves once ssh2 has sent `data` (or the channel closed). Stderr in particular must be
 * waited for: it queues behind the channel window while exit status and EOF do not.
 */
function written(stream: ServerChannel, w: Writable, data: string | Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('close', done);
      resolve();
    };
    stream.once('close', done);
    w.write(data, done);
  });
}

/**
 * Works around an ssh2 1.17 server bug: after a stdout write had to wait for window space,
 * the channel keeps the already sent chunk in `_chunk`. When stderr later waits for window, the
 * window-adjust handler re-sends that stale stdout chunk (and calls its callback twice, which
 * destroys the channel) instead of the stderr data. Everything we wrote has been sent by the
 * time we get here (written() waits), so the leftover is safe to drop.
 */
function forgetSentChunk(stream: ServerChannel): void {
  const internals = stream as unknown as { _chunk?: Buffer; _chunkcb?: () => void };
  internals._chunk = undefined;
  internals._chunkcb = undefined;
}

export interface TestServerOptions {
  /** Public key lines allowed to log in. */
  authorizedKeys: string[];
  hostKey?: KeyPair;
  /** Refuse session channels beyond this many open at once on one connection. */
  maxSessions?: number;
  /** Refuse this many session opens first, whatever is open (sshd still closing old sessions). */
  refuseFirstSessions?: number;
  /** Listen on this port (to come back on the same port after stop()). */
  port?: number;
}

export class SshTestServer {
  readonly hostKey: KeyPair;
  port = 0;
  /** TCP connections accepted since start. */
  connections = 0;
  /** Highest number of sessions open at once on a single connection. */
  maxConcurrentSessions = 0;
  /** Session opens refused because of `refuseFirstSessions`. */
  refusedSessions = 0;
  readonly commands: string[] = [];
  private readonly opts: TestServerOptions;
  private readonly allowed: ParsedKey[];
  private readonly ssh: Server;
  private tcp: NetServer | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(opts: TestServerOptions) {
    this.opts = opts;
    this.hostKey = opts.hostKey ?? generateKey();
    this.allowed = opts.authorizedKeys.map(parsePublic);
    this.ssh = new ssh2.Server({ hostKeys: [this.hostKey.private] }, (client) => this.onClient(client));
  }

  static async start(opts: TestServerOptions): Promise<SshTestServer> {
    const server = new SshTestServer(opts);
    await server.listen(opts.port ?? 0);
    return server;
  }

  /** The host key line as known_hosts wants it for this server. */
  knownHostsLine(host = '127.0.0.1'): string {
    return `[${host}]:${this.port} ${this.hostKey.public.trim().split(/\s+/).slice(0, 2).join(' ')}`;
  }

  /**
   * Stops listening and drops every connection without an SSH goodbye. With
   * `dropConnections: false` it instead waits for the clients to hang up themselves.
   */
  async stop({ dropConnections = true } = {}): Promise<void> {
    if (dropConnections) {
      for (const t of this.timers) clearTimeout(t);
      this.timers.clear();
      for (const s of this.sockets) s.destroy();
    }
    const tcp = this.tcp;
    this.tcp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  /** Stops reading from every connection: a device that hangs without closing anything. */
  freeze(): void {
    for (const s of this.sockets) s.pause();
  }

  /** Listens again on the same port after stop(). */
  async restart(): Promise<void> {
    await this.listen(this.port);
  }

  private async listen(port: number): Promise<void> {
    const tcp = createServer((socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.ssh.injectSocket(socket);
    });
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', () => resolve());
    });
    this.tcp = tcp;
    this.port = (tcp.address() as AddressInfo).port;
  }

  private onClient(client: Connection): void {
    let open = 0;
    client.on('error', () => undefined); // dropped clients are part of the tests
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const key = this.allowed.find((k) => k.type === ctx.key.algo && k.getPublicSSH().equals(ctx.key.data));
      if (!key) return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do; with one, check it.
      if (ctx.signature && ctx.blob && !key.verify(ctx.blob, ctx.signature, ctx.hashAlgo))
        return ctx.reject();
      ctx.accept();
    });
    client.on('session', (accept, reject) => {
      if (this.refusedSessions < (this.opts.refuseFirstSessions ?? 0)) {
        this.refusedSessions++;
        return reject();
      }
      if (this.opts.maxSessions !== undefined && open >= this.opts.maxSessions) return reject();
      open++;
      this.maxConcurrentSessions = Math.max(this.maxConcurrentSessions, open);
      const session = accept();
      let counted = true;
      const done = (): void => {
        if (counted) open--;
        counted = false;
      };
      session.once('close', done);
      session.on('exec', (acceptExec, _rejectExec, info) => {
        const stream = acceptExec();
        stream.once('close', done);
        this.commands.push(info.command);
        void this.run(stream, info.command);
      });
    });
  }

  private async run(stream: ServerChannel, script: string): Promise<void> {
    let closed = false;
    stream.once('close', () => (closed = true));
    stream.on('error', () => undefined);
    let code = 0;
    for (const part of script.split(';')) {
      const [verb = '', ...rest] = part.trim().split(' ');
      const arg = rest.join(' ');
      if (verb === '') continue;
      if (verb === 'echo') await written(stream, stream, `${arg}\n`);
      else if (verb === 'stderr') {
        forgetSentChunk(stream);
        await written(stream, stream.stderr, `${arg}\n`);
      } else if (verb === 'count') await written(stream, stream, `${this.connections}\n`);
      else if (verb === 'gen') await this.gen(stream, Number(arg), () => closed);
      else if (verb === 'sleep') await this.sleep(stream, Number(arg));
      else if (verb === 'exit') {
        code = Number(arg);
        break;
      } else {
        stream.stderr.write(`unknown command: ${verb}\n`);
        code = 127;
        break;
      }
      if (closed) return;
    }
    stream.exit(code);
    stream.end();
  }

  private async gen(stream: ServerChannel, n: number, isClosed: () => boolean): Promise<void> {
    // One chunk in flight at a time, each waited for until ssh2 sent it: the SSH window is the
    // back-pressure, and nothing is still queued when gen returns (see forgetSentChunk).
    for (let off = 0; off < n && !isClosed(); off += 65536) {
      await written(stream, stream, patternChunk(off, Math.min(65536, n - off)));
    }
  }

  private sleep(stream: ServerChannel, ms: number): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.timers.delete(timer);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.timers.add(timer);
      stream.once('close', finish);
    });
  }
}

/** Resolves when `check()` holds, polling; rejects with `what` after `timeoutMs`. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
