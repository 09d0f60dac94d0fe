/**
 * The shared-session server with a real ssh2 client: authorized keys only, read-only viewers,
 * late joiners get the current screen at their own size, the driver learns who is watching.
 */
import xterm from '@xterm/headless';
import ssh2 from 'ssh2';
import { afterEach, describe, expect, it } from 'vitest';
import { parseAuthorizedKeys, AuthorizedKeysError } from '../../src/serve/authorized-keys.ts';
import { ScreenMirror } from '../../src/serve/mirror.ts';
import { startShareServer, type ShareServer, type ViewerInfo } from '../../src/serve/server.ts';
import { generateEd25519 } from '../../src/transport/ssh/keys.ts';

const { Terminal } = xterm;
const hostKey = generateEd25519();
const alice = generateEd25519();
const mallory = generateEd25519();

interface ViewerClient {
  client: ssh2.Client;
  stream: ssh2.ClientChannel;
  term: InstanceType<typeof Terminal>;
  text(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<number>;
  resize(cols: number, rows: number): void;
  close(): void;
}

function connect(port: number, key: string, cols = 80, rows = 24): Promise<ViewerClient> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    const term = new Terminal({ cols, rows, allowProposedApi: true });
    client.on('error', reject);
    client.on('ready', () => {
      client.shell({ term: 'xterm-256color', cols, rows }, (error, stream) => {
        if (error) return reject(error);
        stream.on('data', (d: Buffer) => term.write(d));
        const text = () => {
          const b = term.buffer.active;
          const out: string[] = [];
          for (let y = 0; y < term.rows; y++)
            out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
          return out.join('\n');
        };
        resolve({
          client,
          stream,
          term,
          text,
          waitFor: async (re, timeoutMs = 60_000) => {
            const start = Date.now();
            for (;;) {
              await new Promise<void>((r) => term.write('', r));
              if (re.test(text())) return Date.now() - start;
              if (Date.now() - start > timeoutMs) throw new Error(`viewer never showed ${re}:\n${text()}`);
              await new Promise((r) => setTimeout(r, 10));
            }
          },
          resize: (c, r) => {
            term.resize(c, r);
            stream.setWindow(r, c, 0, 0);
          },
          close: () => client.end(),
        });
      });
    });
    client.connect({ host: '127.0.0.1', port, username: 'bob', privateKey: key, hostVerifier: () => true });
  });
}

let server: ShareServer | undefined;
let viewers: ViewerClient[] = [];
afterEach(async () => {
  for (const v of viewers) v.close();
  viewers = [];
  await server?.close();
  server = undefined;
});

async function start(mirror: ScreenMirror, changes: ViewerInfo[][] = [], rejects: string[] = []) {
  server = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: hostKey.private,
    authorized: parseAuthorizedKeys(`${alice.public} alice@laptop\n`, 'test'),
    mirror,
    driver: 'carol on jump1',
    onViewersChange: (v) => changes.push(v),
    onNotice: (m) => rejects.push(m),
  });
  return server;
}

describe('routedeck serve: the shared-session server', () => {
  it('a viewer who joins late sees the current screen at once, with the driver named', async () => {
    const mirror = new ScreenMirror(100, 30);
    mirror.write('\u001b[1;31mBGP SESSIONS\u001b[0m\r\nspine1  hv2  Established\r\n');
    await mirror.flushed();
    const changes: ViewerInfo[][] = [];
    const s = await start(mirror, changes);
    const v = await connect(s.port, alice.private, 120, 40);
    viewers.push(v);
    await v.waitFor(/spine1 {2}hv2 {2}Established/);
    expect(v.text()).toMatch(/read-only · watching carol on jump1 · driver 100×30, you 120×40 · q leaves/);
    // Colours survive: the title is red and bold on the viewer's terminal.
    const cell = v.term.buffer.active.getLine(0)!.getCell(0)!;
    expect([cell.isBold() !== 0, cell.getFgColor()]).toEqual([true, 1]);
    expect(changes.at(-1)?.map((x) => [x.user, x.key, x.cols, x.rows])).toEqual([
      ['bob', 'alice@laptop', 120, 40],
    ]);
    // Later driver output reaches the viewer.
    mirror.write('\u001b[3;1Hspine2  hv3  Active');
    await v.waitFor(/spine2 {2}hv3 {2}Active/);
  });

  it("a viewer's keystrokes change nothing on the driver's screen; a small viewer pans its own copy", async () => {
    const mirror = new ScreenMirror(100, 30);
    mirror.write(`${'a'.repeat(60)}RIGHT-EDGE\r\n`);
    const s = await start(mirror);
    const v = await connect(s.port, alice.private, 44, 12);
    viewers.push(v);
    await v.waitFor(/aaaa/);
    expect(v.text()).not.toContain('RIGHT-EDGE');
    const before = mirror.textLines().join('\n');
    v.stream.write(':vrfs\r');
    v.stream.write('dmc');
    v.stream.write('c');
    // A held arrow key arrives as several sequences in one chunk.
    v.stream.write('\u001b[C'.repeat(4));
    for (let i = 0; i < 4; i++) v.stream.write('\u001bOC');
    await v.waitFor(/RIGHT-EDGE/);
    expect(v.text()).toMatch(/read-only · 33–76×1–11 \(arrows\) · q leaves/);
    await mirror.flushed();
    expect(mirror.textLines().join('\n')).toBe(before);
  });

  it('resizing the viewer redraws at the new size', async () => {
    const mirror = new ScreenMirror(100, 30);
    mirror.write('hello from the driver');
    const s = await start(mirror);
    const v = await connect(s.port, alice.private, 100, 10);
    viewers.push(v);
    await v.waitFor(/1–100×1–9 \(arrows\)/);
    v.resize(110, 35);
    await v.waitFor(/you 110×35/);
    expect(s.viewers()[0]).toMatchObject({ cols: 110, rows: 35 });
  });

  it('an unknown key is refused and reported; exec is refused for an authorized one', async () => {
    const mirror = new ScreenMirror(80, 24);
    const rejects: string[] = [];
    const s = await start(mirror, [], rejects);
    await expect(connect(s.port, mallory.private)).rejects.toThrow(/authentication/i);
    expect(rejects[0]).toMatch(/refused bob@127\.0\.0\.1: key not in the authorized file/);
    expect(s.viewers()).toEqual([]);
    const code = await new Promise<string>((resolve) => {
      const c = new ssh2.Client();
      c.on('ready', () =>
        c.exec('id', (error) => {
          resolve(error ? error.message : 'exec accepted');
          c.end();
        }),
      );
      c.connect({
        host: '127.0.0.1',
        port: s.port,
        username: 'bob',
        privateKey: alice.private,
        hostVerifier: () => true,
      });
    });
    expect(code).not.toBe('exec accepted');
  });

  it('q leaves; the driver sees the viewer go', async () => {
    const mirror = new ScreenMirror(80, 24);
    const changes: ViewerInfo[][] = [];
    const s = await start(mirror, changes);
    const v = await connect(s.port, alice.private);
    await v.waitFor(/read-only/);
    const closed = new Promise((r) => v.stream.on('close', r));
    v.stream.write('q');
    await closed;
    v.close();
    await expect.poll(() => s.viewers().length).toBe(0);
    expect(changes.at(-1)).toEqual([]);
  });

  it('when the driver quits, every viewer is told the session ended, with who ended it', async () => {
    const mirror = new ScreenMirror(80, 24);
    const s = await start(mirror);
    const v = await connect(s.port, alice.private);
    viewers.push(v);
    await v.waitFor(/read-only/);
    let raw = '';
    v.stream.on('data', (d: Buffer) => (raw += d.toString()));
    const closed = new Promise((r) => v.stream.on('close', r));
    await s.close();
    server = undefined;
    await closed;
    await v.waitFor(/the session ended: carol on jump1 quit the console/);
    expect(raw).toContain('the session ended');
  });

  it('authorized_keys lines with options or garbage are refused with their line numbers', () => {
    const text = `# team\n${alice.public} alice\nfrom="10.0.0.1" ${mallory.public} m\nssh-ed25519 AAAAnotakey x\n`;
    expect(() => parseAuthorizedKeys(text, 'keys')).toThrow(AuthorizedKeysError);
    expect(() => parseAuthorizedKeys(text, 'keys')).toThrow(
      /line 3: options .*\n\s+line 4: not a valid ssh-ed25519/,
    );
    expect(() => parseAuthorizedKeys('# nobody\n', 'keys')).toThrow(/no keys/);
  });
});
