/**
 * One SSH connection per device, shared by every command sent to it.
 *
 * A NOC console polls hundreds of devices every few seconds; a TCP + SSH handshake per command
 * would cost the devices more than the commands. So commands are exec channels multiplexed over
 * one lazily opened connection, which is reopened after a drop. Failed connects back off
 * exponentially, and while backing off commands fail at once with the last error instead of
 * hammering a device that is down (or whose host key is being refused).
 */
import type { ClientChannel } from 'ssh2';
import type { SshAuth } from '../../model/device.ts';
import type { CommandRunner, ExecOptions, ExecResult } from '../types.ts';
import { ChannelSlots } from './channel-slots.ts';
import { dial, hangUp } from './dial.ts';
import type { Dialed, HostKeyInfo } from './dial.ts';
import {
  CommandAbortedError,
  ConnectionClosedError,
  shortCommand,
  SshChannelError,
  SshConnectError,
} from './errors.ts';
import type { SshTarget } from './errors.ts';
import { collectOutput, CommandRun, openExec, streamOutput, toError } from './run.ts';

/** Retries of a channel the server refused while none of ours was open (50 ms doubling: 1.55 s in all). */
const REFUSAL_RETRIES = 5;
import type { Collected, Streamed } from './run.ts';
import { openPtyShell, PtyShell } from './shell.ts';
import type { RemoteShell, ShellRequest } from './shell.ts';

export type SshConnectionState = 'idle' | 'connecting' | 'ready' | 'backoff' | 'closed';

export type StateListener = (state: SshConnectionState, previous: SshConnectionState, error?: Error) => void;

export interface SshConnectionOptions {
  /** Inventory name, used in messages. */
  device?: string;
  host: string;
  port: number;
  username: string;
  auth: SshAuth;
  knownHostsFile: string;
  /** Asked only for a key never seen for this host; true appends it to known_hosts. */
  trustUnknownHostKey?: (info: HostKeyInfo) => Promise<boolean>;
  /** TCP connect deadline (default 10 s). */
  connectTimeoutMs?: number;
  /** SSH handshake + authentication deadline, not counting a trust prompt (default 20 s). */
  readyTimeout?: number;
  /** SSH keepalive interval; three missed replies drop the connection (default 15 s). */
  keepaliveIntervalMs?: number;
  /** Channels open at once before queueing (default 10, OpenSSH's MaxSessions). */
  maxChannels?: number;
  /** Reconnect backoff after failed connects (default 0.5 s doubling to 30 s, with jitter). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Defaults for exec(): 60 s and 64 MiB. */
  execTimeoutMs?: number;
  execMaxBytes?: number;
  /** Default deadline for execStream() (10 min: a full table over a slow link). */
  streamTimeoutMs?: number;
}

interface Live extends Dialed {
  slots: ChannelSlots;
}

export class SshDeviceConnection implements CommandRunner {
  readonly target: SshTarget & { username: string };
  private readonly opts: SshConnectionOptions;
  private currentState: SshConnectionState = 'idle';
  private error: Error | undefined;
  private live: Live | undefined;
  private connecting: Promise<Live> | undefined;
  private readonly abort = new AbortController();
  private readonly runs = new Set<CommandRun<never>>();
  private readonly shells = new Map<RemoteShell, Live>();
  private readonly listeners = new Set<StateListener>();
  private failures = 0;
  /** True while the operator is being asked to trust a host key. */
  private prompting = false;
  private backoffTimer: NodeJS.Timeout | undefined;
  private retryAfter: number | undefined;

  constructor(opts: SshConnectionOptions) {
    this.opts = opts;
    this.target = { host: opts.host, port: opts.port, username: opts.username };
    if (opts.device !== undefined) this.target.device = opts.device;
  }

  get state(): SshConnectionState {
    return this.currentState;
  }

  /** Why the last connect failed or the connection was lost; kept until the next success. */
  get lastError(): Error | undefined {
    return this.error;
  }

  /** While in backoff: when (epoch ms) the next connect attempt is allowed. */
  get retryAt(): number | undefined {
    return this.retryAfter;
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    const maxBytes = options.maxBytes ?? this.opts.execMaxBytes ?? 64 * 1024 * 1024;
    return this.start<Collected>(
      command,
      options.timeoutMs ?? this.opts.execTimeoutMs ?? 60_000,
      (run, ch) => collectOutput(run, ch, this.target, maxBytes),
      options.signal,
    );
  }

  execStream(
    command: string,
    onStdout: (chunk: Buffer) => void,
    options: ExecOptions = {},
  ): Promise<{ code: number | null; stderr: string }> {
    const timeoutMs = options.timeoutMs ?? this.opts.streamTimeoutMs ?? 600_000;
    return this.start<Streamed>(
      command,
      timeoutMs,
      (run, ch) => streamOutput(run, ch, this.target, onStdout, options.maxBytes),
      options.signal,
    );
  }

  /**
   * An interactive shell with a pty on this connection (the console's shell pane). It takes one
   * channel slot for as long as it is open; a drop or close() of the connection ends it.
   */
  async shell(request: ShellRequest): Promise<RemoteShell> {
    if (this.currentState === 'closed')
      throw new ConnectionClosedError(this.target, 'the connection was closed by routedeck');
    if (this.currentState === 'backoff' && this.error) throw this.error;
    const live = await this.ensureConnected();
    const slot = live.slots.acquire();
    await slot.ready;
    let channel;
    try {
      if (this.live !== live)
        throw new ConnectionClosedError(this.target, 'connection lost before the shell opened');
      channel = await openPtyShell(live.client, request);
    } catch (err) {
      live.slots.release();
      if (err instanceof ConnectionClosedError) throw err;
      throw new SshChannelError(this.target, 'shell', toError(err).message);
    }
    const shell = new PtyShell(channel, { cols: request.cols, rows: request.rows });
    this.shells.set(shell, live);
    shell.onClose(() => {
      if (this.shells.delete(shell)) live.slots.release();
    });
    return shell;
  }

  /**
   * A long-running command whose stdin we keep writing to (an interactive vtysh without a pty, so a
   * verification asks a router many questions without starting vtysh each time). Like a shell it
   * holds one channel slot until it ends; a drop or close() of the connection ends it.
   */
  async session(command: string): Promise<RemoteShell> {
    if (this.currentState === 'closed')
      throw new ConnectionClosedError(this.target, 'the connection was closed by routedeck');
    if (this.currentState === 'backoff' && this.error) throw this.error;
    const live = await this.ensureConnected();
    const slot = live.slots.acquire();
    await slot.ready;
    const opened =
      this.live === live
        ? await openExec(live.client, command)
        : { error: new Error('connection lost before the session opened'), refused: false };
    if (!('channel' in opened)) {
      live.slots.release();
      throw new SshChannelError(this.target, command, opened.error.message);
    }
    const session = new PtyShell(opened.channel, { cols: 0, rows: 0 });
    this.shells.set(session, live);
    session.onClose(() => {
      if (this.shells.delete(session)) live.slots.release();
    });
    return session;
  }

  /** Ends the connection; in-flight commands reject with ConnectionClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.currentState === 'closed') return;
    clearTimeout(this.backoffTimer);
    this.backoffTimer = undefined;
    const live = this.live;
    this.live = undefined;
    this.setState('closed');
    this.abort.abort();
    for (const run of [...this.runs]) {
      run.fail(
        new ConnectionClosedError(this.target, `closed by routedeck while ${shortCommand(run.command)} ran`),
      );
    }
    for (const shell of [...this.shells.keys()]) shell.close('the connection was closed by routedeck');
    if (live) await hangUp(live);
  }

  private start<T>(
    command: string,
    timeoutMs: number,
    handle: (run: CommandRun<T>, ch: ClientChannel) => void,
    signal?: AbortSignal,
  ) {
    const aborted = (why: unknown) =>
      new CommandAbortedError(this.target, command, why instanceof Error ? why.message : 'cancelled');
    if (signal?.aborted) return Promise.reject(aborted(signal.reason));
    if (this.currentState === 'closed') {
      return Promise.reject(new ConnectionClosedError(this.target, 'the connection was closed by routedeck'));
    }
    if (this.currentState === 'backoff' && this.error) return Promise.reject(this.error);
    const run = new CommandRun<T>(this.target, command, timeoutMs);
    if (this.prompting) run.holdDeadline();
    // A run's result type only matters to its caller; the set only needs fail() and owner.
    const handleRun = run as unknown as CommandRun<never>;
    this.runs.add(handleRun);
    run.onSettle(() => this.runs.delete(handleRun));
    if (signal) {
      // The channel closes and the device stops working for a caller that gave up.
      const onAbort = () => run.fail(aborted(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      run.onSettle(() => signal.removeEventListener('abort', onAbort));
    }
    this.drive(run, handle).catch((err: unknown) => run.fail(toError(err)));
    return run.promise;
  }

  private async drive<T>(run: CommandRun<T>, handle: (run: CommandRun<T>, ch: ClientChannel) => void) {
    const live = await this.ensureConnected();
    if (run.settled) return;
    run.owner = live;
    for (let refusals = 0; ;) {
      run.phase = 'waiting for a free channel to run';
      const slot = live.slots.acquire();
      run.onSettle(slot.cancel);
      await slot.ready;
      if (run.settled) return live.slots.release();
      run.phase = 'opening a channel to run';
      const opened = await openExec(live.client, run.command);
      if ('channel' in opened) {
        opened.channel.once('close', () => live.slots.release());
        if (run.attach(opened.channel)) handle(run, opened.channel);
        return;
      }
      // Refused while we hold other channels: the server's session limit. Wait for a slot.
      const limited = opened.refused && live.slots.refusedAt();
      live.slots.release();
      if (limited) continue;
      // Refused with none of ours open: sshd still counts sessions whose close it has not finished
      // (seen on OpenSSH 9.2 right after 10 channels ended). Briefly, then it is a real refusal.
      if (opened.refused && refusals < REFUSAL_RETRIES) {
        run.phase = 'waiting for the server to free a session';
        await new Promise((resolve) => setTimeout(resolve, 50 * 2 ** refusals++));
        if (run.settled) return;
        continue;
      }
      return run.fail(new SshChannelError(this.target, run.command, opened.error.message));
    }
  }

  private ensureConnected(): Promise<Live> {
    if (this.live) return Promise.resolve(this.live);
    if (!this.connecting) {
      this.setState('connecting');
      this.connecting = this.connect().finally(() => {
        this.connecting = undefined;
      });
    }
    return this.connecting;
  }

  private async connect(): Promise<Live> {
    // The drop callback can only fire after login, but we learn of the login one tick later.
    const link: { live?: Live; lostEarly?: boolean } = {};
    let dialed: Dialed;
    try {
      dialed = await dial({
        target: this.target,
        auth: this.opts.auth,
        knownHostsFile: this.opts.knownHostsFile,
        ...(this.opts.trustUnknownHostKey
          ? { trustUnknownHostKey: this.askOperator(this.opts.trustUnknownHostKey) }
          : {}),
        connectTimeoutMs: this.opts.connectTimeoutMs ?? 10_000,
        readyTimeoutMs: this.opts.readyTimeout ?? 20_000,
        keepaliveIntervalMs: this.opts.keepaliveIntervalMs ?? 15_000,
        signal: this.abort.signal,
        onDisconnect: (err) => {
          if (link.live) this.dropped(link.live, err);
          else link.lostEarly = true;
        },
      });
      if (link.lostEarly) throw new SshConnectError(this.target, 'the connection was lost right after login');
    } catch (err) {
      const error = toError(err);
      if (this.currentState !== 'closed') this.enterBackoff(error);
      throw error;
    }
    const live: Live = { ...dialed, slots: new ChannelSlots(this.opts.maxChannels ?? 10) };
    if (this.currentState === 'closed') {
      await hangUp(live);
      throw new ConnectionClosedError(this.target, 'closed while connecting');
    }
    link.live = live;
    this.live = live;
    this.failures = 0;
    this.retryAfter = undefined;
    this.error = undefined;
    this.setState('ready');
    return live;
  }

  /**
   * Wraps the trust callback so that commands waiting for this connection do not time out while
   * a person reads a fingerprint: their deadlines stand still until the answer.
   */
  private askOperator(trust: (info: HostKeyInfo) => Promise<boolean>) {
    return async (info: HostKeyInfo): Promise<boolean> => {
      this.prompting = true;
      for (const run of this.runs) if (run.owner === undefined) run.holdDeadline();
      try {
        return await trust(info);
      } finally {
        this.prompting = false;
        for (const run of this.runs) if (run.owner === undefined) run.resumeDeadline();
      }
    };
  }

  /** The device or the network ended an established connection. */
  private dropped(live: Live, err: Error | undefined): void {
    if (this.live !== live) return; // close() already took it down
    this.live = undefined;
    live.socket.destroy();
    const why = err ? err.message : 'the device closed it';
    this.error = new ConnectionClosedError(this.target, `connection lost (${why})`, { cause: err });
    for (const run of [...this.runs]) {
      if (run.owner !== live) continue;
      run.fail(
        new ConnectionClosedError(
          this.target,
          `connection lost (${why}) while ${shortCommand(run.command)} ran`,
        ),
      );
    }
    for (const [shell, owner] of [...this.shells])
      if (owner === live) shell.close(`connection lost (${why})`);
    // Not backoff: a drop after a working session reconnects on the next command.
    this.setState('idle', this.error);
  }

  private enterBackoff(error: Error): void {
    this.failures++;
    const initial = this.opts.backoff?.initialMs ?? 500;
    const max = this.opts.backoff?.maxMs ?? 30_000;
    const base = Math.min(max, initial * 2 ** Math.min(this.failures - 1, 30));
    // Equal jitter: consoles restarted together do not reconnect to a device in lockstep.
    const delay = base / 2 + (Math.random() * base) / 2;
    this.error = error;
    this.retryAfter = Date.now() + delay;
    this.setState('backoff', error);
    this.backoffTimer = setTimeout(() => {
      this.backoffTimer = undefined;
      this.retryAfter = undefined;
      if (this.currentState === 'backoff') this.setState('idle', this.error);
    }, delay);
    // Waiting to be allowed to retry is no reason to keep the process alive.
    this.backoffTimer.unref();
  }

  private setState(state: SshConnectionState, error?: Error): void {
    const previous = this.currentState;
    if (previous === state) return;
    this.currentState = state;
    for (const listener of [...this.listeners]) listener(state, previous, error);
  }
}
