/**
 * Issue 13 items 4–5, with real ssh2 viewers: one that stops reading costs a bounded amount and is
 * disconnected with the reason, and a burst of keys is folded into a few frames while another
 * viewer keeps getting the driver's screen.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseAuthorizedKeys } from '../../src/serve/authorized-keys.ts';
import { viewerFrame } from '../../src/serve/frame.ts';
import type { ServeLimits } from '../../src/serve/limits.ts';
import { ScreenMirror } from '../../src/serve/mirror.ts';
import { startShareServer, type ShareServer, type ViewerStats } from '../../src/serve/server.ts';
import { alice, hostKey, viewer, type Viewer } from './hostile-client.ts';

let server: ShareServer | undefined;
let viewers: Viewer[] = [];
afterEach(async () => {
  for (const v of viewers) v.close();
  viewers = [];
  await server?.close();
  server = undefined;
});

async function start(mirror: ScreenMirror, limits: Partial<ServeLimits>, notices: string[]) {
  server = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: hostKey.private,
    authorized: parseAuthorizedKeys(`${alice.public} alice\n`, 'test'),
    mirror,
    driver: 'carol on jump1',
    frameIntervalMs: 5,
    limits,
    onNotice: (m) => notices.push(m),
  });
  return server;
}

const statsOf = (s: ShareServer, user: string): ViewerStats | undefined =>
  s.stats().viewers.find((v) => v.user === user);

/** A driver screen full of text that differs every time (worst case for a viewer's frame). */
function driverScreen(mirror: ScreenMirror, n: number): void {
  const row = (y: number) => `${String(n).padStart(6, '0')}:${y} `.repeat(20).slice(0, mirror.cols);
  mirror.write(`\u001b[H${Array.from({ length: mirror.rows }, (_, y) => row(y)).join('\r\n')}`);
}

describe('routedeck serve against hostile clients: viewers', () => {
  it('a viewer that stops reading holds at most two frames, then is disconnected with the reason', async () => {
    const mirror = new ScreenMirror(200, 60);
    const notices: string[] = [];
    const s = await start(mirror, { stallMs: 1000 }, notices);
    const stalled = await viewer(s.port, { username: 'stalled', cols: 300, rows: 100 });
    const reading = await viewer(s.port, { username: 'reading', cols: 100, rows: 30 });
    viewers.push(stalled, reading);
    await stalled.waitFor(/read-only/);
    // The largest frame this viewer can be sent: the bound on what it may hold.
    const frameBytes = Buffer.byteLength(
      `\u001b[2J${viewerFrame(mirror, 'carol on jump1', { cols: 300, rows: 100, x: 0, y: 0 })}`,
    );
    stalled.stream.pause();
    let maxQueued = 0;
    let skipped = 0;
    // Bounded: the driver draws until the server gives up on the stalled viewer.
    for (let n = 0; n < 5000 && !notices.some((m) => m.startsWith('disconnected stalled')); n++) {
      driverScreen(mirror, n);
      await mirror.flushed();
      await new Promise((r) => setTimeout(r, 5));
      const st = statsOf(s, 'stalled');
      maxQueued = Math.max(maxQueued, st?.queuedBytes ?? 0);
      skipped = Math.max(skipped, st?.skipped ?? 0);
    }
    expect(notices).toContain('disconnected stalled@127.0.0.1: not reading its screen for 1 s');
    expect(skipped).toBeGreaterThan(0);
    expect(maxQueued).toBeLessThanOrEqual(2 * frameBytes);
    await stalled.closed;
    expect(s.viewers().map((v) => v.user)).toEqual(['reading']);
    // The viewer that reads still gets the driver's latest screen.
    mirror.write('\u001b[2J\u001b[Hafter the stalled viewer left');
    await reading.waitFor(/after the stalled viewer left/);
  });

  it('a 32 KB burst of keys is folded into a few frames, capped, and never stops the driver reaching others', async () => {
    const mirror = new ScreenMirror(100, 30);
    mirror.write(`${'a'.repeat(60)}RIGHT-EDGE\r\n`);
    const notices: string[] = [];
    const s = await start(mirror, {}, notices);
    const flooder = await viewer(s.port, { username: 'flooder', cols: 44, rows: 12 });
    const watcher = await viewer(s.port, { username: 'watcher', cols: 120, rows: 40 });
    viewers.push(flooder, watcher);
    await flooder.waitFor(/aaaa/);
    await watcher.waitFor(/RIGHT-EDGE/);
    const before = statsOf(s, 'flooder')!;
    const burst = '\u001b[C'.repeat(Math.ceil(32_768 / 3)).slice(0, 32_766);
    flooder.stream.write(burst);
    // The driver goes on drawing while the burst arrives; the other viewer sees each screen.
    for (let n = 1; n <= 5; n++) {
      mirror.write(`\u001b[5;1Hdriver frame ${n}`);
      await watcher.waitFor(new RegExp(`driver frame ${n}`));
    }
    await expect.poll(() => statsOf(s, 'flooder')?.inputBytes).toBe(before.inputBytes + burst.length);
    await flooder.waitFor(/RIGHT-EDGE/);
    const after = statsOf(s, 'flooder')!;
    // Without coalescing each of the 10,922 keys was a render; now at most one per input chunk and driver frame.
    expect(after.rendered - before.rendered).toBeLessThanOrEqual(
      after.inputChunks - before.inputChunks + 5 + 1,
    );
    expect(after.keysDropped).toBeGreaterThan(10_000);
    expect(notices).toContain('flooder@127.0.0.1 sends keys faster than 100/s; the extra ones are ignored');
    // Panned to the right edge: columns 57–100 of the driver's 100.
    expect(flooder.text().split('\n')[0]).toMatch(/^aaaaRIGHT-EDGE +$/);
    // Over the rate, leaving still works.
    flooder.stream.write('q');
    await flooder.waitFor(/left the shared session/);
    await expect.poll(() => s.viewers().map((v) => v.user)).toEqual(['watcher']);
  });
});
