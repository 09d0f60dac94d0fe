import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CommandAbortedError,
  OutputLimitError,
  SshChannelError,
  TransportTimeoutError,
} from '../../../src/transport/ssh/errors.ts';
import { genSha256 } from '../../helpers/ssh-test-server.ts';
import { startLab } from './fixture.ts';
import type { Lab } from './fixture.ts';

describe('SshDeviceConnection exec', () => {
  let lab: Lab;
  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.cleanup();
  });

  it('returns stdout, stderr and the exit code', async () => {
    const conn = lab.connect();
    expect(conn.state).toBe('idle'); // lazy: nothing happens before the first command
    const result = await conn.exec('echo out; stderr err; exit 3');
    expect(result).toEqual({ stdout: 'out\n', stderr: 'err\n', code: 3 });
    expect(conn.state).toBe('ready');
    expect(await conn.exec('echo grüße ✓')).toEqual({ stdout: 'grüße ✓\n', stderr: '', code: 0 });
  });

  it('runs many concurrent commands over ONE TCP connection', async () => {
    const conn = lab.connect();
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => conn.exec(`echo ${i}`)));
    expect(results.map((r) => r.stdout)).toEqual(Array.from({ length: 25 }, (_, i) => `${i}\n`));
    expect(lab.server.connections).toBe(1);
    expect((await conn.exec('count')).stdout).toBe('1\n');
  });

  it('queues channel opens when the server limits sessions per connection', async () => {
    await lab.server.stop();
    await lab.cleanup();
    lab = await startLab({ server: { maxSessions: 3 } });
    const conn = lab.connect({ maxChannels: 10 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => conn.exec(`sleep 20; echo ${i}`)));
    expect(results.every((r, i) => r.stdout === `${i}\n` && r.code === 0)).toBe(true);
    expect(lab.server.maxConcurrentSessions).toBe(3);
    expect(lab.server.connections).toBe(1);
  });

  it('a session refused while none of ours is open is retried briefly (sshd still closing old ones); a server that keeps refusing is a clear error', async () => {
    await lab.server.stop();
    await lab.cleanup();
    lab = await startLab({ server: { refuseFirstSessions: 3 } });
    const conn = lab.connect();
    expect(await conn.exec('echo after three refusals')).toMatchObject({
      stdout: 'after three refusals\n',
      code: 0,
    });
    expect(lab.server.refusedSessions).toBe(3);
    await lab.server.stop();
    await lab.cleanup();
    lab = await startLab({ server: { maxSessions: 0 } });
    const err = await lab
      .connect()
      .exec('echo never')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshChannelError);
    expect((err as Error).message).toMatch(/^hv-test \(.*\) refused to run `echo never`: /);
    expect(lab.server.commands).not.toContain('echo never');
  });

  it('times out with TransportTimeoutError and keeps the connection usable', async () => {
    const conn = lab.connect();
    await conn.exec('echo warm');
    const err = await conn.exec('sleep 10000', { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportTimeoutError);
    expect((err as Error).message).toMatch(/Timed out after 200 ms running `sleep 10000` on hv-test/);
    expect(await conn.exec('echo still here')).toMatchObject({ stdout: 'still here\n', code: 0 });
    expect(lab.server.connections).toBe(1);
  });

  it('stops a command past maxBytes with OutputLimitError and keeps the connection usable', async () => {
    const conn = lab.connect();
    const err = await conn.exec('gen 10000000', { maxBytes: 100_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OutputLimitError);
    expect((err as Error).message).toMatch(/exceeded 100000 bytes/);
    expect(await conn.exec('echo next')).toMatchObject({ stdout: 'next\n', code: 0 });
    expect(lab.server.connections).toBe(1);
  });

  it('streams ~50 MB complete without holding it in memory', async () => {
    // Retention is checked on the chunks themselves, not on process memory: the SSH test server
    // runs in this process too, and its buffers (and the GC's timing on a busy machine) would make
    // a byte figure speed-dependent. A stream that kept what it delivered keeps these objects alive.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const conn = lab.connect();
    await conn.exec('echo warm');
    const size = 50 * 1024 * 1024;
    const hash = createHash('sha256');
    let bytes = 0;
    const delivered: WeakRef<Buffer>[] = [];
    let alive: number | undefined;
    let checked = 0;
    const result = await conn.execStream(`gen ${size}; stderr done`, (chunk) => {
      hash.update(chunk);
      bytes += chunk.length;
      if (alive === undefined) delivered.push(new WeakRef(chunk));
      if (alive === undefined && bytes > 40 * 1024 * 1024) {
        // After a full GC only what someone still references is left: it must not be the stream.
        gc();
        checked = delivered.length - 1; // the current chunk is still in use here
        alive = delivered.slice(0, -1).filter((ref) => ref.deref() !== undefined).length;
      }
    });
    expect(result).toEqual({ code: 0, stderr: 'done\n' });
    expect(bytes).toBe(size);
    expect(hash.digest('hex')).toBe(genSha256(size));
    expect(checked).toBeGreaterThan(100);
    // A chunk or two may still sit in a stream's read buffer; a stream holding its output keeps all.
    expect(alive).toBeLessThanOrEqual(4);
  });

  it('pauses the stream while an async consumer is busy', async () => {
    const conn = lab.connect();
    let inFlight = 0;
    let maxInFlight = 0;
    let bytes = 0;
    const result = await conn.execStream('gen 3000000', async (chunk) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      bytes += chunk.length;
      inFlight--;
    });
    expect(result.code).toBe(0);
    expect(bytes).toBe(3_000_000);
    expect(maxInFlight).toBe(1);
  });

  it('applies the timeout to streams too', async () => {
    const conn = lab.connect();
    const err = await conn
      .execStream('sleep 10000', () => undefined, { timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportTimeoutError);
    expect(await conn.exec('echo ok')).toMatchObject({ code: 0 });
  });

  it('a command whose signal aborts stops at once: the channel closes, the session is free again', async () => {
    await lab.server.stop();
    await lab.cleanup();
    // One session at a time: the next command only runs if the aborted one's channel really closed.
    lab = await startLab({ server: { maxSessions: 1 } });
    const conn = lab.connect();
    const controller = new AbortController();
    let received = 0;
    const err = await conn
      .execStream(
        'gen 200000000',
        (chunk) => {
          received += chunk.length;
          if (!controller.signal.aborted) controller.abort(new Error('the poll gave up'));
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CommandAbortedError);
    expect((err as Error).message).toMatch(/`gen 200000000` on hv-test .* stopped: the poll gave up/);
    expect(received).toBeLessThan(200_000_000);
    expect(await conn.exec('echo next')).toMatchObject({ stdout: 'next\n', code: 0 });
    // Already aborted: refused before anything is sent.
    const before = lab.server.commands.length;
    await expect(conn.exec('echo never', { signal: controller.signal })).rejects.toBeInstanceOf(
      CommandAbortedError,
    );
    expect(lab.server.commands.length).toBe(before);
  });
});
