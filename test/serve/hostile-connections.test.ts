/**
 * Issue 13 item 3: connections that never authenticate are timed out and capped, per source and
 * overall, before any SSH work is spent on them; and the console's log writer never crashes the
 * console when it cannot write.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logEventsTo } from '../../src/cli/common/console.ts';
import { parseServeLimits } from '../../src/cli/serve.ts';
import { parseAuthorizedKeys } from '../../src/serve/authorized-keys.ts';
import type { ServeLimits } from '../../src/serve/limits.ts';
import { ScreenMirror } from '../../src/serve/mirror.ts';
import { NoticeLimiter } from '../../src/serve/notices.ts';
import { startShareServer, type ShareServer } from '../../src/serve/server.ts';
import { labStore } from '../components/fixtures.ts';
import { alice, hostKey, raw, viewer, type RawClient } from './hostile-client.ts';

let server: ShareServer | undefined;
let raws: RawClient[] = [];
afterEach(async () => {
  for (const r of raws) r.socket.destroy();
  raws = [];
  await server?.close();
  server = undefined;
  vi.restoreAllMocks();
});

async function start(limits: Partial<ServeLimits>, notices: string[]) {
  const mirror = new ScreenMirror(80, 24);
  mirror.write('driver screen');
  server = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: hostKey.private,
    authorized: parseAuthorizedKeys(`${alice.public} alice\n`, 'test'),
    mirror,
    driver: 'carol on jump1',
    limits,
    onNotice: (m) => notices.push(m),
  });
  return server;
}

describe('routedeck serve against hostile clients: connections', () => {
  it('a connection that never authenticates is closed at the deadline, with the reason', async () => {
    const notices: string[] = [];
    const s = await start({ authTimeoutMs: 300 }, notices);
    const silent = await raw(s.port);
    raws.push(silent);
    await expect.poll(() => s.stats().connections.pending).toBe(1);
    await silent.closed;
    expect(silent.received()).toMatch(/^SSH-2\.0-/);
    expect(notices).toContain('closed a connection from 127.0.0.1: not authenticated within 0.3 s');
    expect(s.stats().connections).toMatchObject({ pending: 0, timedOut: 1 });
    await expect.poll(() => s.stats().connections.connections).toBe(0);
    // A viewer that authenticates in time is not cut off at the deadline.
    const v = await viewer(s.port);
    await v.waitFor(/driver screen/);
    expect(s.stats().connections).toMatchObject({ pending: 0, connections: 1, timedOut: 1 });
    v.close();
  });

  it('caps connections still authenticating per source and overall; slots free up when they go', async () => {
    const notices: string[] = [];
    const s = await start({ maxPendingPerSource: 2, maxPending: 3, authTimeoutMs: 60_000 }, notices);
    for (const from of ['127.0.0.1', '127.0.0.1', '127.0.0.2']) raws.push(await raw(s.port, from));
    await expect.poll(() => s.stats().connections.pending).toBe(3);
    const sameSource = await raw(s.port, '127.0.0.1');
    await sameSource.closed;
    expect(sameSource.received()).toBe(
      'routedeck serve: refused, 2 connections from 127.0.0.1 are already authenticating; try later\r\n',
    );
    const other = await raw(s.port, '127.0.0.3');
    await other.closed;
    expect(other.received()).toMatch(/refused, 3 connections are already authenticating; try later/);
    expect(notices).toEqual([
      'refused a connection from 127.0.0.1: 2 connections from 127.0.0.1 are already authenticating',
      'refused a connection from 127.0.0.3: 3 connections are already authenticating',
    ]);
    expect(s.stats().connections).toMatchObject({ pending: 3, refused: 2 });
    for (const r of raws) r.socket.destroy();
    await expect.poll(() => s.stats().connections.pending).toBe(0);
    const v = await viewer(s.port);
    await v.waitFor(/driver screen/);
    v.close();
  });

  it('caps all connections per source; a flood of refusals is one notice per source and window', async () => {
    const notices: string[] = [];
    const s = await start({ maxConnectionsPerSource: 1, authTimeoutMs: 60_000 }, notices);
    const v = await viewer(s.port);
    await v.waitFor(/driver screen/);
    for (let i = 0; i < 20; i++) {
      const r = await raw(s.port);
      await r.closed;
      expect(r.received()).toMatch(/refused, 1 connections from 127\.0\.0\.1 are already open/);
    }
    expect(notices).toEqual([
      'refused a connection from 127.0.0.1: 1 connections from 127.0.0.1 are already open',
    ]);
    expect(s.stats().connections).toMatchObject({ connections: 1, refused: 20 });
    v.close();
  });

  it('a client that keeps trying to authenticate is closed after the attempts limit', async () => {
    const notices: string[] = [];
    const s = await start({ maxAuthAttempts: 3 }, notices);
    let tries = 0;
    await new Promise<void>((resolve) => {
      const c = new ssh2.Client();
      c.on('error', () => {});
      c.on('close', () => resolve());
      c.connect({
        host: '127.0.0.1',
        port: s.port,
        username: 'guesser',
        hostVerifier: () => true,
        // Asks again for ever: only the server's limit ends it.
        authHandler: (_methods, _partial, next) => {
          tries += 1;
          next({ type: 'none', username: 'guesser' });
        },
      });
    });
    expect(tries).toBeLessThanOrEqual(4);
    expect(notices).toEqual(['closed a connection from 127.0.0.1: more than 3 authentication attempts']);
    await expect.poll(() => s.stats().connections.connections).toBe(0);
  });

  it('serve options: limits a NOC can change; a bad value is one sentence (exit 2 via UsageError)', () => {
    expect(parseServeLimits({})).toMatchObject({
      authTimeoutMs: 10_000,
      maxViewers: 32,
      maxPending: 64,
      maxPendingPerSource: 16,
      maxConnections: 96,
      maxConnectionsPerSource: 32,
      maxCols: 500,
      maxRows: 200,
    });
    expect(
      parseServeLimits({
        'auth-timeout': '2.5',
        'max-viewers': '4',
        'max-pending': '8',
        'max-pending-per-source': '2',
      }),
    ).toMatchObject({
      authTimeoutMs: 2500,
      maxViewers: 4,
      maxPending: 8,
      maxPendingPerSource: 2,
      maxConnections: 12,
    });
    for (const [option, value] of [
      ['auth-timeout', '0'],
      ['max-viewers', 'lots'],
      ['max-pending', '-1'],
    ] as const)
      expect(() => parseServeLimits({ [option]: value })).toThrow(
        new RegExp(`^--${option} "${value}": expected a number from \\d+ to \\d+$`),
      );
  });

  it('a console log that cannot be written (ENOSPC, EMFILE, …) never throws: one note, events go on', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'routedeck-log-'));
    try {
      const blocker = path.join(dir, 'not-a-dir');
      await writeFile(blocker, '');
      // /dev/full answers every write with ENOSPC, as a full disk does.
      const files = [path.join(blocker, 'console.log'), ...(existsSync('/dev/full') ? ['/dev/full'] : [])];
      for (const file of files) {
        const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
        const store = labStore();
        const stop = logEventsTo(store, file);
        for (let i = 0; i < 5; i++)
          store.setState((s) => ({
            events: [...s.events, { at: i, device: 'serve', level: 'warn' as const, message: `event ${i}` }],
          }));
        expect(store.getState().events.at(-1)?.message).toBe('event 4');
        expect(warn.mock.calls.map(([m]) => String(m))).toEqual([
          expect.stringMatching(
            new RegExp(`^console log ${file}: cannot write \\((E[A-Z]+)\\); events still show here$`),
          ),
        ]);
        if (file === '/dev/full') expect(warn.mock.calls[0]?.[0]).toContain('(ENOSPC)');
        stop();
        warn.mockRestore();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('notices about clients', () => {
  it('are one per kind and source per window, at most ten a kind across sources, and count what was held', () => {
    let now = 0;
    const out: string[] = [];
    const limiter = new NoticeLimiter(
      10_000,
      (m) => out.push(m),
      () => now,
    );
    for (let i = 0; i < 5; i++) limiter.notice('refused|10.0.0.1', 'refused 10.0.0.1');
    for (let i = 0; i < 50; i++) limiter.notice(`refused|2001:db8::${i}`, `refused 2001:db8::${i}`);
    expect(out).toHaveLength(10);
    now = 10_000;
    limiter.notice('refused|10.0.0.1', 'refused 10.0.0.1');
    expect(out.at(-1)).toBe('refused 10.0.0.1 (and 4 more like it before)');
  });
});
