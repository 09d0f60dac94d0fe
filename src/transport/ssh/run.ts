/**
 * One command on one exec channel: its deadline, its output handling, and how it ends.
 *
 * A run settles exactly once. Whatever settles it first (exit, timeout, output cap, a dropped
 * connection, close()) wins; everything that arrives later is ignored, and the channel is closed
 * so the device stops working for nobody.
 */
import type { Client, ClientChannel } from 'ssh2';
import { PausableDeadline } from './deadline.ts';
import { OutputLimitError, shortCommand, TransportTimeoutError } from './errors.ts';
import type { SshTarget } from './errors.ts';

/** Past this, stderr of a streamed command is dropped: it is diagnostics, not data. */
const STREAM_STDERR_KEEP = 1024 * 1024;

export class CommandRun<T> {
  readonly promise: Promise<T>;
  readonly command: string;
  /** What the run is waiting for, for the timeout message. */
  phase = 'waiting for the connection before running';
  settled = false;
  /** The connection this run's channel belongs to, so a drop fails exactly its runs. */
  owner: object | undefined;
  private channel: ClientChannel | undefined;
  private readonly deadline: PausableDeadline | undefined;
  private readonly cleanups: Array<() => void> = [];
  private resolveFn!: (value: T) => void;
  private rejectFn!: (err: Error) => void;

  constructor(target: SshTarget, command: string, timeoutMs: number) {
    this.command = command;
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    // 0 or Infinity means no deadline.
    if (Number.isFinite(timeoutMs) && timeoutMs > 0) {
      this.deadline = new PausableDeadline(timeoutMs, () =>
        this.fail(new TransportTimeoutError(target, timeoutMs, `${this.phase} ${shortCommand(command)}`)),
      );
      this.deadline.resume();
    }
  }

  /** Suspends the deadline while the operator is asked to trust a host key; see resumeDeadline. */
  holdDeadline(): void {
    this.deadline?.pause();
  }

  resumeDeadline(): void {
    if (!this.settled) this.deadline?.resume();
  }

  /** Registers something to undo when the run settles (leave a queue, release a slot). */
  onSettle(fn: () => void): void {
    if (this.settled) fn();
    else this.cleanups.push(fn);
  }

  succeed(value: T): void {
    if (this.settle()) this.resolveFn(value);
  }

  fail(err: Error): void {
    if (!this.settle()) return;
    const channel = this.channel;
    if (channel) {
      // Ask the remote process to stop, then close our end. Servers without signal support
      // still end the session when the channel closes.
      try {
        channel.signal('TERM');
        channel.close();
      } catch {
        // The connection is already gone; nothing left to close.
      }
    }
    this.rejectFn(err);
  }

  /** Binds the open channel; if the run already settled meanwhile, the channel is closed at once. */
  attach(channel: ClientChannel): boolean {
    this.phase = 'running';
    if (this.settled) {
      channel.close();
      return false;
    }
    this.channel = channel;
    // No stdin for commands: EOF now, so a command that reads stdin ends instead of hanging.
    channel.end();
    return true;
  }

  private settle(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.deadline?.pause();
    for (const fn of this.cleanups.splice(0)) fn();
    return true;
  }
}

const exitStatus = new WeakMap<ClientChannel, { code: number | null }>();

/**
 * Starts recording the exit status. Must run synchronously in ssh2's exec callback: `exit` is a
 * plain event, and when exit-status arrives in the same TCP read as the channel confirmation
 * (a fast device, several channels at once) ssh2 emits it before any promise continuation runs.
 */
function recordExit(channel: ClientChannel): void {
  const status: { code: number | null } = { code: null };
  exitStatus.set(channel, status);
  channel.on('exit', (code: number | null) => {
    status.code = typeof code === 'number' ? code : null;
  });
}

/** The exit status recorded since the channel opened; `null` when the command died of a signal or the server sent none. */
function trackExit(channel: ClientChannel): { code: number | null } {
  let status = exitStatus.get(channel);
  if (!status) {
    recordExit(channel);
    status = exitStatus.get(channel)!;
  }
  return status;
}

export interface Collected {
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Collects stdout and stderr, failing the run once together they pass `maxBytes`. */
export function collectOutput(
  run: CommandRun<Collected>,
  channel: ClientChannel,
  target: SshTarget,
  maxBytes: number,
) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let total = 0;
  const take = (into: Buffer[]) => (chunk: Buffer) => {
    if (run.settled) return;
    total += chunk.length;
    if (total > maxBytes) return run.fail(new OutputLimitError(target, maxBytes, run.command));
    into.push(chunk);
  };
  const exit = trackExit(channel);
  channel.on('data', take(out));
  channel.stderr.on('data', take(err));
  channel.on('close', () =>
    // Decoding once at the end keeps multi-byte characters split across chunks intact.
    run.succeed({
      stdout: Buffer.concat(out).toString('utf8'),
      stderr: Buffer.concat(err).toString('utf8'),
      code: exit.code,
    }),
  );
}

export interface Streamed {
  code: number | null;
  stderr: string;
}

/**
 * Hands each stdout chunk to the consumer and keeps nothing. A consumer that returns a promise
 * pauses the channel until it settles: SSH flow control then stops the device from sending, so a
 * slow consumer of a 750 MB table never makes us buffer it.
 */
export function streamOutput(
  run: CommandRun<Streamed>,
  channel: ClientChannel,
  target: SshTarget,
  onStdout: (chunk: Buffer) => void,
  maxBytes: number | undefined,
) {
  const err: Buffer[] = [];
  let errBytes = 0;
  let total = 0;
  // The consumer's promise for the chunk it is working on, while the channel is paused for it.
  let busy: Promise<void> | undefined;
  const overLimit = (n: number): boolean => {
    total += n;
    if (maxBytes === undefined || total <= maxBytes) return false;
    run.fail(new OutputLimitError(target, maxBytes, run.command));
    return true;
  };
  const exit = trackExit(channel);
  channel.on('data', (chunk: Buffer) => {
    if (run.settled || overLimit(chunk.length)) return;
    let ret: unknown;
    try {
      ret = onStdout(chunk) as unknown;
    } catch (e) {
      return run.fail(toError(e));
    }
    if (ret instanceof Promise) {
      channel.pause();
      busy = ret.then(
        () => {
          busy = undefined;
          channel.resume();
        },
        (e: unknown) => run.fail(toError(e)),
      );
    }
  });
  channel.stderr.on('data', (chunk: Buffer) => {
    if (run.settled || overLimit(chunk.length)) return;
    if (errBytes < STREAM_STDERR_KEEP) err.push(chunk.subarray(0, STREAM_STDERR_KEEP - errBytes));
    errBytes += chunk.length;
  });
  channel.on('close', () => {
    let stderr = Buffer.concat(err).toString('utf8');
    if (errBytes > STREAM_STDERR_KEEP) stderr += `\n[stderr truncated: ${errBytes} bytes in total]`;
    // The channel ends as soon as its last chunk is handed out; the consumer may still be on it.
    void (busy ?? Promise.resolve()).then(() => run.succeed({ code: exit.code, stderr }));
  });
}

export type ChannelOpen = { channel: ClientChannel } | { error: Error; refused: boolean };

export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/** Opens an exec channel; never throws, so the caller can tell a refusal from other failures. */
export function openExec(client: Client, command: string): Promise<ChannelOpen> {
  return new Promise((resolve) => {
    try {
      client.exec(command, (err, channel) => {
        // ssh2 sets a numeric `reason` only for CHANNEL_OPEN_FAILURE, i.e. the server said no.
        if (err) resolve({ error: err, refused: typeof (err as { reason?: unknown }).reason === 'number' });
        else {
          recordExit(channel);
          resolve({ channel });
        }
      });
    } catch (err) {
      const error = toError(err);
      resolve({ error, refused: error.message === 'No free channels available' });
    }
  });
}
