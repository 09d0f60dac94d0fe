/**
 * Writing command output to an ssh2 server channel with flow control, around two ssh2 1.17
 * server bugs (see test/helpers/ssh-test-server.ts, where they were found).
 */
import type { Writable } from 'node:stream';
import type { ServerChannel } from 'ssh2';
import type { SimExecResult } from '../types.ts';

/** Chunks small enough that one waits for the SSH window instead of queueing megabytes in memory. */
const CHUNK = 64 * 1024;

/**
 * Resolves once ssh2 has sent `data` (or the channel closed). Stderr must be waited for: it
 * queues behind the channel window while exit status and EOF do not.
 */
function written(channel: ServerChannel, w: Writable, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      channel.off('close', done);
      resolve();
    };
    channel.once('close', done);
    w.write(data, done);
  });
}

/**
 * ssh2 1.17 keeps an already sent stdout chunk in `_chunk` after a write waited for window; when
 * stderr then waits too, the window handler re-sends that stale chunk. Everything has been sent
 * by the time we call this (written() waited), so the leftover is safe to drop.
 */
function forgetSentChunk(channel: ServerChannel): void {
  const internals = channel as unknown as { _chunk?: Buffer; _chunkcb?: () => void };
  internals._chunk = undefined;
  internals._chunkcb = undefined;
}

export function isClosed(channel: ServerChannel): boolean {
  return channel.destroyed || !channel.writable;
}

/** Sends `data` in window-sized steps, each waited for; stops early if the client goes away. */
export async function writeAll(channel: ServerChannel, w: Writable, data: Buffer): Promise<void> {
  if (w === channel.stderr) forgetSentChunk(channel);
  for (let off = 0; off < data.length && !isClosed(channel); off += CHUNK) {
    await written(channel, w, data.subarray(off, off + CHUNK));
  }
}

/** stdout, then stderr, then exit status and EOF, the order `ssh host CMD` sees them in. */
export async function sendExecResult(channel: ServerChannel, result: SimExecResult): Promise<void> {
  if (result.chunks) for (const chunk of result.chunks) await writeAll(channel, channel, chunk);
  else if (result.stdout) await writeAll(channel, channel, Buffer.from(result.stdout));
  if (result.stderr && !isClosed(channel))
    await writeAll(channel, channel.stderr, Buffer.from(result.stderr));
  if (isClosed(channel)) return;
  channel.exit(result.code);
  channel.end();
}
