import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SshConnectionState } from '../../../src/transport/ssh/connection.ts';
import { ConnectionClosedError, SshConnectError } from '../../../src/transport/ssh/errors.ts';
import { startLab, waitForState } from './fixture.ts';
import type { Lab } from './fixture.ts';

describe('connection loss, reconnect and close', () => {
  let lab: Lab;
  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    await lab.cleanup();
  });

  it('fails clearly when the device goes away and reconnects after backoff when it is back', async () => {
    const conn = lab.connect({ backoff: { initialMs: 200, maxMs: 1000 } });
    const states: SshConnectionState[] = [];
    conn.onStateChange((s) => states.push(s));
    await conn.exec('echo up');

    const inFlight = conn.exec('sleep 10000').catch((e: unknown) => e);
    await lab.server.stop();
    const lost = await inFlight;
    expect(lost).toBeInstanceOf(ConnectionClosedError);
    expect((lost as Error).message).toMatch(/connection lost .* while `sleep 10000` ran/);
    expect(conn.state).toBe('idle');

    const refused = await conn.exec('echo down').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SshConnectError);
    expect((refused as Error).message).toMatch(
      /Cannot connect to hv-test \(noc@127\.0\.0\.1:\d+\): .*ECONNREFUSED/,
    );
    expect(conn.state).toBe('backoff');
    expect(conn.lastError).toBe(refused);

    // While backing off, commands fail with the same error object: they did not dial again.
    await expect(conn.exec('echo again')).rejects.toBe(refused);

    await lab.server.restart();
    await waitForState(conn, 'idle');
    expect(await conn.exec('echo back')).toMatchObject({ stdout: 'back\n', code: 0 });
    expect(conn.lastError).toBeUndefined();
    expect(lab.server.connections).toBe(2);
    expect(states).toEqual([
      'connecting',
      'ready',
      'idle',
      'connecting',
      'backoff',
      'idle',
      'connecting',
      'ready',
    ]);
  });

  it('backs off exponentially with jitter, up to the maximum', async () => {
    await lab.server.stop();
    const conn = lab.connect({ backoff: { initialMs: 40, maxMs: 200 } });
    const delays: number[] = [];
    // Read the announced delay at the moment backoff starts.
    conn.onStateChange((s) => {
      if (s === 'backoff') delays.push((conn.retryAt ?? 0) - Date.now());
    });
    for (let i = 0; i < 5; i++) {
      await expect(conn.exec('echo x')).rejects.toBeInstanceOf(SshConnectError);
      await waitForState(conn, 'idle');
    }
    const bases = [40, 80, 160, 200, 200];
    delays.forEach((d, i) => {
      const base = bases[i] ?? 0;
      expect(d).toBeGreaterThanOrEqual(base / 2 - 2);
      expect(d).toBeLessThanOrEqual(base);
    });
  });

  it('gives up on a device that accepts TCP but never speaks SSH', async () => {
    const mute = createServer(() => undefined);
    const held: Socket[] = [];
    mute.on('connection', (s) => held.push(s));
    await new Promise<void>((resolve) => mute.listen(0, '127.0.0.1', resolve));
    try {
      const conn = lab.connect({ port: (mute.address() as AddressInfo).port, readyTimeout: 300 });
      const err = await conn.exec('echo x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SshConnectError);
      expect((err as Error).message).toMatch(/SSH handshake did not complete within 300 ms/);
      expect(conn.state).toBe('backoff');
    } finally {
      held.forEach((s) => s.destroy());
      await new Promise((resolve) => mute.close(resolve));
    }
  });

  it('notices a silent device through keepalives', async () => {
    const conn = lab.connect({ keepaliveIntervalMs: 100 });
    await conn.exec('echo up');
    const inFlight = conn.exec('sleep 10000').catch((e: unknown) => e);
    lab.server.freeze();
    const err = await inFlight;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as Error).message).toMatch(/Keepalive timeout/);
    expect(conn.state).toBe('idle');
  });

  it('close() rejects in-flight commands, refuses new ones and ends in state closed', async () => {
    const conn = lab.connect();
    await conn.exec('echo up');
    const running = conn.exec('sleep 10000').catch((e: unknown) => e);
    await conn.close();
    const err = await running;
    expect(err).toBeInstanceOf(ConnectionClosedError);
    expect((err as Error).message).toMatch(/closed by routedeck while `sleep 10000` ran/);
    expect(conn.state).toBe('closed');
    await expect(conn.exec('echo x')).rejects.toBeInstanceOf(ConnectionClosedError);
    await conn.close(); // idempotent
  });

  it('close() while a trust prompt is open abandons the connect', async () => {
    await lab.cleanup();
    lab = await startLab({ trustServer: false });
    let asked!: () => void;
    const prompted = new Promise<void>((resolve) => (asked = resolve));
    const conn = lab.connect({
      // An operator who never answers.
      trustUnknownHostKey: () => {
        asked();
        return new Promise<boolean>(() => undefined);
      },
    });
    const pending = conn.exec('echo x').catch((e: unknown) => e);
    await prompted;
    expect(conn.state).toBe('connecting');
    await conn.close();
    expect(await pending).toBeInstanceOf(ConnectionClosedError);
    expect(conn.state).toBe('closed');
  });

  it('leaves nothing behind: a process that used a connection exits on its own', async () => {
    const script = fileURLToPath(new URL('./exit-after-close.script.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`child still running after 90 s (a handle was left open): ${out}`));
      }, 180_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(out).toContain('closed: closed');
    expect(code).toBe(0);
  }, 180_000);
});
