/**
 * `routedeck serve`: the driver's console mirrored to read-only viewers over SSH (issue 7).
 *
 * An ssh2 server that accepts only the public keys of an authorized_keys file, only an
 * interactive shell (no exec, no subsystems, no forwarding), and never passes a viewer's
 * keystrokes anywhere: they pan the viewer's own copy of the screen or leave. Each viewer gets the
 * driver's screen drawn at its own size from the emulator (src/serve/mirror.ts) — cropped with
 * panning when smaller, letterboxed when larger — and a status line saying what it is watching.
 */
import { randomUUID } from 'node:crypto';
import ssh2 from 'ssh2';
import { findKey, type AuthorizedKey } from './authorized-keys.ts';
import type { ScreenMirror } from './mirror.ts';

export interface ViewerInfo {
  id: string;
  user: string;
  from: string;
  /** The authorized key's comment, else its fingerprint. */
  key: string;
  since: number;
  cols: number;
  rows: number;
}

export interface ShareServerOptions {
  host: string;
  port: number;
  /** OpenSSH private host key text. */
  hostKey: string;
  authorized: readonly AuthorizedKey[];
  mirror: ScreenMirror;
  /** Who is driving, for the viewers' status line (`alice on jump1`). */
  driver: string;
  onViewersChange?(viewers: ViewerInfo[]): void;
  /** Viewer frames are coalesced to at most one per this many ms (default 33). */
  frameIntervalMs?: number;
  maxViewers?: number;
  /** Rejected authentications (unknown keys), for the driver's log. */
  onReject?(message: string): void;
}

export interface ShareServer {
  port: number;
  viewers(): ViewerInfo[];
  close(): Promise<void>;
}

interface Viewer {
  info: ViewerInfo;
  channel: ssh2.ServerChannel;
  x: number;
  y: number;
  /** What was last sent, so an unchanged screen costs nothing. */
  last: string;
}

const ESC = '\u001b';
const HIDE_CURSOR = '\u001b[?25l';
const SHOW_CURSOR = '\u001b[?25h';
const SYNC_ON = '\u001b[?2026h';
const SYNC_OFF = '\u001b[?2026l';

export async function startShareServer(opts: ShareServerOptions): Promise<ShareServer> {
  const viewers = new Map<string, Viewer>();
  const interval = opts.frameIntervalMs ?? 33;
  const maxViewers = opts.maxViewers ?? 50;
  const clients = new Set<ssh2.Connection>();
  let timer: NodeJS.Timeout | null = null;
  let lastFrameAt = 0;

  const changed = () => opts.onViewersChange?.([...viewers.values()].map((v) => ({ ...v.info })));

  const frameFor = (v: Viewer): string => {
    const { mirror } = opts;
    const rows = Math.max(1, v.info.rows - 1);
    const cols = Math.max(1, v.info.cols);
    // Panning never goes past the driver's screen.
    v.x = Math.max(0, Math.min(v.x, mirror.cols - cols));
    v.y = Math.max(0, Math.min(v.y, mirror.rows - rows));
    const lines = opts.mirror.renderViewport({ cols, rows, x: v.x, y: v.y });
    const cropped = cols < mirror.cols || rows < mirror.rows;
    const status = statusLine(cols, [
      ['read-only', true],
      [`watching ${opts.driver}`, false],
      [
        cropped
          ? `${v.x + 1}–${Math.min(mirror.cols, v.x + cols)}×${v.y + 1}–${Math.min(mirror.rows, v.y + rows)} (arrows)`
          : '',
        false,
      ],
      [`driver ${mirror.cols}×${mirror.rows}, you ${v.info.cols}×${v.info.rows}`, false],
      ['q leaves', true],
    ]);
    return (
      SYNC_ON +
      HIDE_CURSOR +
      lines.map((line, i) => `\u001b[${i + 1};1H${line}`).join('') +
      `\u001b[${rows + 1};1H\u001b[7m${status}\u001b[0m` +
      SYNC_OFF
    );
  };

  const draw = (v: Viewer, force = false) => {
    const frame = frameFor(v);
    if (!force && frame === v.last) return;
    v.last = frame;
    v.channel.write(frame);
  };

  const drawAll = () => {
    timer = null;
    lastFrameAt = Date.now();
    for (const v of viewers.values()) draw(v);
  };

  // Leading edge when idle, then at most one frame per interval: a viewer sees a keystroke's
  // effect at once, and a burst of driver frames costs viewers one render per interval.
  const schedule = () => {
    if (timer || viewers.size === 0) return;
    const wait = Math.max(0, interval - (Date.now() - lastFrameAt));
    timer = setTimeout(drawAll, wait);
  };
  opts.mirror.on('change', schedule);

  const server = new ssh2.Server({ hostKeys: [opts.hostKey] }, (client, clientInfo) => {
    clients.add(client);
    let user = '';
    let key: AuthorizedKey | undefined;
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const found = findKey(opts.authorized, ctx.key.algo, ctx.key.data);
      if (!found) {
        opts.onReject?.(`refused ${ctx.username}@${clientInfo.ip}: key not in the authorized file`);
        return ctx.reject(['publickey']);
      }
      // Without a signature the client only asks whether the key would do.
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      const parsed = ssh2.utils.parseKey(`${found.type} ${found.blob.toString('base64')}`);
      if (
        parsed instanceof Error ||
        Array.isArray(parsed) ||
        !parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)
      )
        return ctx.reject(['publickey']);
      user = ctx.username;
      key = found;
      ctx.accept();
    });
    client.on('ready', () => {
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        let size = { cols: 80, rows: 24 };
        let viewer: Viewer | undefined;
        session.on('pty', (accept, _reject, info) => {
          size = { cols: info.cols || 80, rows: info.rows || 24 };
          accept?.();
        });
        session.on('window-change', (accept, _reject, info) => {
          size = { cols: info.cols || size.cols, rows: info.rows || size.rows };
          accept?.();
          if (viewer) {
            viewer.info.cols = size.cols;
            viewer.info.rows = size.rows;
            viewer.channel.write('\u001b[2J');
            draw(viewer, true);
            changed();
          }
        });
        session.on('exec', (_accept, reject) => reject?.());
        session.on('subsystem', (_accept, reject) => reject?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => {
          const channel = accept();
          if (viewers.size >= maxViewers) {
            channel.write(`routedeck: ${maxViewers} viewers already watching; try later\r\n`);
            channel.exit(1);
            channel.end();
            return;
          }
          viewer = {
            info: {
              id: randomUUID(),
              user,
              from: clientInfo.ip,
              key: key?.comment || key?.fingerprint || '?',
              since: Date.now(),
              cols: size.cols,
              rows: size.rows,
            },
            channel,
            x: 0,
            y: 0,
            last: '',
          };
          const v = viewer;
          viewers.set(v.info.id, v);
          changed();
          channel.write('\u001b[2J');
          draw(v, true);
          channel.on('data', (data: Buffer) => {
            for (const key of splitKeys(data.toString('latin1'))) handle(key);
          });
          const handle = (key: string) => {
            const action = viewerKey(key);
            if (action === 'leave') {
              channel.write(`\u001b[0m${SHOW_CURSOR}\u001b[2J\u001b[Hleft the shared session\r\n`);
              channel.exit(0);
              channel.end();
              return;
            }
            if (action) {
              v.x += action.dx;
              v.y += action.dy;
              if (action.home) v.x = v.y = 0;
              draw(v);
            }
          };
          channel.on('close', () => {
            viewers.delete(v.info.id);
            changed();
          });
        });
      });
      // No port forwarding of any kind.
      client.on('tcpip', (_accept, reject) => reject());
      client.on('request', (_accept, reject) => reject?.());
    });
    client.on('error', () => {});
    client.on('close', () => clients.delete(client));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    viewers: () => [...viewers.values()].map((v) => ({ ...v.info })),
    close: async () => {
      opts.mirror.off('change', schedule);
      if (timer) clearTimeout(timer);
      for (const v of viewers.values()) {
        v.channel.write(`\u001b[0m${SHOW_CURSOR}\r\nthe driver ended the shared session\r\n`);
        v.channel.exit(0);
        v.channel.end();
      }
      viewers.clear();
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The viewer's status line: parts in display order; required ones always, the others in order of
 * importance (position when cropped, watching, sizes) while they fit.
 */
function statusLine(cols: number, parts: [string, boolean][]): string {
  const shown = parts.map(([text, required]) => (required ? text : ''));
  const join = () => ` ${shown.filter(Boolean).join(' · ')} `;
  for (const i of [2, 1, 3]) {
    const text = parts[i]![0];
    if (!text) continue;
    shown[i] = text;
    if (join().length > cols) shown[i] = '';
  }
  const line = join();
  return line.length > cols ? line.slice(0, cols) : line.padEnd(cols);
}

/** Keys in one chunk (a held arrow key, or several keys coalesced over SSH): CSI/SS3 sequences or single bytes. */
export function splitKeys(data: string): string[] {
  const keys: string[] = [];
  for (let i = 0; i < data.length;) {
    const match = data[i] === ESC ? /^.(?:\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(data.slice(i, i + 16)) : null;
    const length = match ? match[0].length : 1;
    keys.push(data.slice(i, i + length));
    i += length;
  }
  return keys;
}

type KeyAction = 'leave' | { dx: number; dy: number; home?: boolean } | null;

/** A viewer's keys: pan its own copy, or leave. Everything else is ignored. */
export function viewerKey(data: string): KeyAction {
  if (data === 'q' || data === '\u0003' || data === '\u0004') return 'leave';
  switch (data) {
    case '\u001b[A':
    case '\u001bOA':
    case 'k':
      return { dx: 0, dy: -1 };
    case '\u001b[B':
    case '\u001bOB':
    case 'j':
      return { dx: 0, dy: 1 };
    case '\u001b[C':
    case '\u001bOC':
    case 'l':
      return { dx: 4, dy: 0 };
    case '\u001b[D':
    case '\u001bOD':
    case 'h':
      return { dx: -4, dy: 0 };
    case '\u001b[5~':
      return { dx: 0, dy: -10 };
    case '\u001b[6~':
      return { dx: 0, dy: 10 };
    case 'g':
    case '\u001b[H':
      return { dx: 0, dy: 0, home: true };
    default:
      return null;
  }
}
