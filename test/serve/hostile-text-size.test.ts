/**
 * Issue 13 items 1–2, with a real ssh2 client: what a client names itself never reaches the
 * driver's terminal as control characters, and no pty size it asks for can exhaust the driver.
 */
import '../components/tty-env.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { isSafeText } from '../../src/model/text.ts';
import { parseAuthorizedKeys } from '../../src/serve/authorized-keys.ts';
import { ScreenMirror } from '../../src/serve/mirror.ts';
import { startShareServer, type ShareServer } from '../../src/serve/server.ts';
import { renderConsole, type Screen } from '../components/harness.ts';
import { labStore } from '../components/fixtures.ts';
import { alice, hostKey, mallory, viewer, type Viewer } from './hostile-client.ts';

const HOSTILE = 'mallory\u001b]0;PWNED\u0007\u001b[2J\u009b31m\u202e';

let server: ShareServer | undefined;
let screen: Screen | undefined;
let viewers: Viewer[] = [];
afterEach(async () => {
  for (const v of viewers) v.close();
  viewers = [];
  await server?.close();
  await screen?.close();
  server = screen = undefined;
});

describe('routedeck serve against hostile clients: text and sizes', () => {
  it("a hostile username is shown escaped in the driver's status bar, header and log, never run", async () => {
    const store = labStore();
    screen = renderConsole({ store, cols: 160, rows: 30 });
    const titles: string[] = [];
    screen.term.onTitleChange((t) => titles.push(t));
    await screen.waitForText(/LAB \(simulated\)/);
    const notices: string[] = [];
    server = await startShareServer({
      host: '127.0.0.1',
      port: 0,
      hostKey: hostKey.private,
      authorized: parseAuthorizedKeys(`${alice.public} alice\u001b[2Jlaptop\n`, 'test'),
      mirror: new ScreenMirror(80, 24),
      driver: 'carol\u001b]0;X\u0007 on jump1',
      onViewersChange: (v) => store.getState().setWatchers(v, Date.now()),
      onNotice: (message) => {
        notices.push(message);
        store.setState((s) => ({
          events: [...s.events, { at: Date.now(), device: 'serve', level: 'warn' as const, message }],
        }));
      },
    });
    // Never authenticates: its username reaches only the refusal notice.
    await expect(viewer(server.port, { username: HOSTILE, key: mallory.private })).rejects.toThrow(
      /authentication/i,
    );
    expect(notices[0]).toContain('refused mallory\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m\\u202e@127.0.0.1');
    await screen.waitForText('refused mallory\\x1b]0;PWNED');
    // An authorised viewer with the same username: the header names it, escaped.
    const v = await viewer(server.port, { username: HOSTILE, cols: 120, rows: 40 });
    viewers.push(v);
    await screen.waitForText('watched by 1: mallory\\x1b]0;PWNED');
    const [info] = server.viewers();
    expect([info?.user, info?.key].every((t) => isSafeText(t ?? '\u001b'))).toBe(true);
    expect(store.getState().events.every((e) => isSafeText(e.message))).toBe(true);
    // The viewer's own status line names the driver escaped too.
    await v.waitFor(/watching carol\\x1b\]0;X\\x07 on jump1/);
    expect(titles).toEqual([]);
    expect(screen.text()).toContain('LAB (simulated)');
  });

  it('a 50000×50000 pty and window change are clamped to 500×200; the driver is unaffected', async () => {
    const mirror = new ScreenMirror(100, 30);
    mirror.write('driver screen');
    server = await startShareServer({
      host: '127.0.0.1',
      port: 0,
      hostKey: hostKey.private,
      authorized: parseAuthorizedKeys(`${alice.public} alice\n`, 'test'),
      mirror,
      driver: 'carol on jump1',
    });
    const big = await viewer(server.port, { cols: 50_000, rows: 50_000 });
    viewers.push(big);
    await big.waitFor(/driver 100×30, you 500×200/);
    expect(server.viewers()[0]).toMatchObject({ cols: 500, rows: 200 });
    big.stream.setWindow(1_000_000, 1_000_000, 0, 0);
    // A size of 0 means "unknown": the last good size stays.
    big.stream.setWindow(0, 0, 0, 0);
    mirror.write('\r\nstill drawing');
    await big.waitFor(/still drawing/);
    expect(server.viewers()[0]).toMatchObject({ cols: 500, rows: 200 });
    // The driver keeps its own size, and a second viewer is served as usual.
    expect([mirror.cols, mirror.rows]).toEqual([100, 30]);
    const small = await viewer(server.port, { cols: 0, rows: 0, termCols: 80, termRows: 24 });
    viewers.push(small);
    await small.waitFor(/still drawing/);
    expect(server.viewers().map((x) => [x.cols, x.rows])).toEqual([
      [500, 200],
      [80, 24],
    ]);
  });
});
