/**
 * One simulated device's SSH server: ssh2's Server on 127.0.0.1 behind our own TCP listener
 * (injectSocket), so faults can cut every connection like a device losing power. Nothing is
 * ever spawned: every command goes to the device model.
 */
import { createServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import ssh2 from 'ssh2';
import type { Connection, ParsedKey, Server, ServerChannel, Session } from 'ssh2';
import type { SimDevice, SimExecResult } from '../types.ts';
import { isClosed, sendExecResult } from './channel-io.ts';
import type { SshKeyPair } from './keys.ts';
import { LineShell } from './shell.ts';
import { isInteractiveVtysh, runVtyshSession } from './vtysh-session.ts';
import { isRouteMonitor, runRouteMonitor } from './route-monitor.ts';

export interface SimSshServerOptions {
  device: SimDevice;
  hostKey: SshKeyPair;
  /** The one public key allowed to log in (the lab's NOC key). */
  authorizedKey: string;
  user: string;
}

export class SimSshServer {
  readonly device: SimDevice;
  port = 0;
  /** Extra delay before every command's reply (the "slow device" fault). */
  slowMs = 0;
  #refuseUntil = 0;
  readonly #opts: SimSshServerOptions;
  readonly #allowed: ParsedKey;
  readonly #ssh: Server;
  #tcp: NetServer | undefined;
  readonly #sockets = new Set<Socket>();
  #closedBytes = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(opts: SimSshServerOptions) {
    this.device = opts.device;
    this.#opts = opts;
    const allowed = ssh2.utils.parseKey(opts.authorizedKey);
    if (allowed instanceof Error) throw new Error(`lab client key: ${allowed.message}`);
    this.#allowed = allowed;
    this.#ssh = new ssh2.Server({ hostKeys: [opts.hostKey.private] }, (client) => this.#onClient(client));
  }

  static async start(opts: SimSshServerOptions): Promise<SimSshServer> {
    const server = new SimSshServer(opts);
    const tcp = createServer((socket) => server.#accept(socket));
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => {
        tcp.off('error', reject);
        resolve();
      });
    });
    server.#tcp = tcp;
    server.port = (tcp.address() as AddressInfo).port;
    return server;
  }

  /** `ssh-ed25519 AAAA…`, for known_hosts. */
  get hostPublicKey(): string {
    return this.#opts.hostKey.public;
  }

  /** Bytes this server has sent its clients over TCP (SSH framing and all): what polling it costs. */
  get bytesSent(): number {
    let open = 0;
    for (const socket of this.#sockets) open += socket.bytesWritten;
    return this.#closedBytes + open;
  }

  /** Open TCP connections (for status and tests). */
  get connections(): number {
    return this.#sockets.size;
  }

  /** Until when (epoch ms) new connections are refused; 0 when not dropping. */
  get refusingUntil(): number {
    return this.#refuseUntil > Date.now() ? this.#refuseUntil : 0;
  }

  /**
   * Cuts every connection now and resets new ones for `forMs`. We keep listening and reset
   * instead of closing the port: re-listening later could lose the port the inventory names.
   */
  dropSsh(forMs: number): void {
    this.#refuseUntil = Date.now() + forMs;
    for (const socket of this.#sockets) socket.destroy();
  }

  clearFaults(): void {
    this.#refuseUntil = 0;
    this.slowMs = 0;
  }

  async close(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    for (const socket of this.#sockets) socket.destroy();
    const tcp = this.#tcp;
    this.#tcp = undefined;
    if (tcp) await new Promise<void>((resolve) => tcp.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    if (Date.now() < this.#refuseUntil) {
      socket.resetAndDestroy();
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => {
      this.#sockets.delete(socket);
      this.#closedBytes += socket.bytesWritten;
    });
    socket.on('error', () => undefined); // a client vanishing is normal here
    this.#ssh.injectSocket(socket);
  }

  #onClient(client: Connection): void {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || ctx.username !== this.#opts.user) return ctx.reject(['publickey']);
      const key = this.#allowed;
      if (ctx.key.algo !== key.type || !key.getPublicSSH().equals(ctx.key.data))
        return ctx.reject(['publickey']);
      // Without a signature the client only asks whether the key would do; with one, check it.
      if (ctx.signature && ctx.blob && !key.verify(ctx.blob, ctx.signature, ctx.hashAlgo))
        return ctx.reject();
      ctx.accept();
    });
    client.on('session', (accept) => this.#onSession(accept()));
  }

  #onSession(session: Session): void {
    let pty: { cols: number; rows: number } | undefined;
    session.on('pty', (accept, _reject, info) => {
      pty = { cols: info.cols, rows: info.rows };
      accept?.();
    });
    // Line mode draws nothing by width; the size is kept for `stty size`.
    session.on('window-change', (accept, _reject, info) => {
      if (pty) pty = { cols: info.cols, rows: info.rows };
      accept?.();
    });
    session.on('env', (accept) => accept?.());
    session.on('exec', (accept, _reject, info) => {
      const channel = accept();
      channel.on('error', () => undefined);
      if (isRouteMonitor(info.command)) return runRouteMonitor(this.device, channel);
      if (isInteractiveVtysh(info.command)) {
        void runVtyshSession(info.command, this.device.name, channel, (line) => this.#run(line, channel));
        return;
      }
      void this.#run(info.command, channel).then((result) => {
        if (result) return sendExecResult(channel, result);
      });
    });
    session.on('shell', (accept) => {
      const channel = accept();
      channel.on('error', () => undefined);
      const shell = new LineShell({
        prompt: `${this.#opts.user}@${this.device.name}:~$ `,
        echo: pty !== undefined,
        size: () => pty,
        run: async (line) => (await this.#run(line, channel)) ?? { stdout: '', stderr: '', code: 0 },
        write: (text) => {
          if (!isClosed(channel)) channel.write(text);
        },
        exit: (code) => {
          if (isClosed(channel)) return;
          channel.exit(code);
          channel.end();
        },
      });
      channel.on('data', (data: Buffer) => shell.feed(data));
      channel.once('close', () => shell.abort());
      shell.start();
    });
  }

  /** Runs one command on the model after the slow-fault delay; undefined if the channel closed meanwhile. */
  async #run(command: string, channel: ServerChannel): Promise<SimExecResult | undefined> {
    if (this.slowMs > 0) await this.#sleep(this.slowMs, channel);
    if (isClosed(channel)) return undefined;
    try {
      return await this.device.exec(command);
    } catch (error) {
      // A model bug must look like a failing command, not take the server down.
      const message = error instanceof Error ? error.message : String(error);
      return { stdout: '', stderr: `${this.device.name}: internal error: ${message}\n`, code: 1 };
    }
  }

  #sleep(ms: number, channel: ServerChannel): Promise<void> {
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.#timers.delete(timer);
        channel.off('close', finish);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.#timers.add(timer);
      channel.once('close', finish);
    });
  }
}
