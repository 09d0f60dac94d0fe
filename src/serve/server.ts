/**
 * `routedeck serve`: the driver's console mirrored to read-only viewers over SSH (issue 7).
 *
 * An ssh2 server that accepts only the public keys of an authorized_keys file, only an
 * interactive shell (no exec, no subsystems, no forwarding), and never passes a viewer's
 * keystrokes anywhere: they pan the viewer's own copy of the screen or leave. Each viewer gets the
 * driver's screen drawn at its own size from the emulator (src/serve/mirror.ts).
 * Anyone who reaches the port is a client (issue 13): connections pass a gate first (caps, auth
 * deadline), sizes are clamped, frames respect backpressure, keys are rate-capped and never draw
 * synchronously, and everything a client supplies is escaped before the driver sees it.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import ssh2 from 'ssh2';
import { safeText } from '../model/text.ts';
import { authenticateClients } from './auth.ts';
import type { AuthorizedKey } from './authorized-keys.ts';
import { viewerFrame } from './frame.ts';
import { FrameSender } from './frame-sender.ts';
import { ConnectionGate, type GateStats, type Ticket } from './gate.ts';
import { clampSize, clientText, DEFAULT_LIMITS, type ServeLimits } from './limits.ts';
import type { ScreenMirror } from './mirror.ts';
import { NoticeLimiter } from './notices.ts';
import { ViewerInput } from './viewer-input.ts';

export interface ViewerInfo {
  id: string;
  /** The SSH username, the source address and the key's comment: safe text, never raw. */
  user: string;
  from: string;
  /** The authorized key's comment, else its fingerprint. */
  key: string;
  since: number;
  cols: number;
  rows: number;
}

export interface ViewerStats extends ViewerInfo {
  /** Bytes held for this viewer and not yet taken by its channel. */
  queuedBytes: number;
  /** Frames rendered for it, sent, and skipped because a newer one replaced them. */
  rendered: number;
  sent: number;
  skipped: number;
  /** Input bytes and chunks received, and keys ignored for going over the rate. */
  inputBytes: number;
  inputChunks: number;
  keysDropped: number;
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
  limits?: Partial<ServeLimits>;
  /** Refused keys, refused or timed-out connections, dropped viewers: one safe line each, for the driver. */
  onNotice?(message: string): void;
}

export interface ShareServer {
  port: number;
  viewers(): ViewerInfo[];
  /** Per-viewer costs and the connection counts (tests and the bench read these). */
  stats(): { viewers: ViewerStats[]; connections: GateStats };
  close(): Promise<void>;
}

interface Viewer {
  info: ViewerInfo;
  channel: ssh2.ServerChannel;
  client: ssh2.Connection;
  socket: Socket | undefined;
  sender: FrameSender;
  x: number;
  y: number;
  /** What was last rendered, so an unchanged screen costs nothing. */
  last: string;
  /** The next frame must clear the screen first (after a resize). */
  clear: boolean;
  rendered: number;
  inputBytes: number;
  inputChunks: number;
  keysDropped: number;
}

const SHOW_CURSOR = '\u001b[?25h';

export async function startShareServer(opts: ShareServerOptions): Promise<ShareServer> {
  const limits: ServeLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  const viewers = new Map<string, Viewer>();
  const dirty = new Set<Viewer>();
  const interval = opts.frameIntervalMs ?? 33;
  const driver = safeText(opts.driver);
  const clients = new Set<ssh2.Connection>();
  const sockets = new Set<Socket>();
  const tickets = new Map<string, { ticket: Ticket; socket: Socket }>();
  const limiter = new NoticeLimiter(10_000, (m) => opts.onNotice?.(m));
  const notice = (key: string, message: string) => limiter.notice(key, message);
  const gate = new ConnectionGate(limits, notice);
  let timer: NodeJS.Timeout | null = null;
  let lastFrameAt = 0;

  const changed = () => opts.onViewersChange?.([...viewers.values()].map((v) => ({ ...v.info })));

  const draw = (v: Viewer) => {
    const view = { cols: v.info.cols, rows: v.info.rows, x: v.x, y: v.y };
    const frame = viewerFrame(opts.mirror, driver, view);
    v.x = view.x;
    v.y = view.y;
    v.rendered += 1;
    if (!v.clear && frame === v.last) return;
    v.last = frame;
    v.sender.send(v.clear ? `\u001b[2J${frame}` : frame);
    v.clear = false;
  };

  const drawDirty = () => {
    timer = null;
    lastFrameAt = Date.now();
    const due = [...dirty];
    dirty.clear();
    for (const v of due) if (viewers.has(v.info.id)) draw(v);
  };

  // Leading edge when idle, then at most one frame per interval: a viewer sees a keystroke's
  // effect at once, and a burst of driver frames or viewer keys costs one render per interval.
  const schedule = (v?: Viewer) => {
    if (v) dirty.add(v);
    else for (const each of viewers.values()) dirty.add(each);
    if (timer || dirty.size === 0) return;
    timer = setTimeout(drawDirty, Math.max(0, interval - (Date.now() - lastFrameAt)));
  };
  const onMirrorChange = () => schedule();
  opts.mirror.on('change', onMirrorChange);

  const drop = (v: Viewer, message: string) => {
    v.sender.close();
    viewers.delete(v.info.id);
    dirty.delete(v);
    changed();
    notice(`dropped|${v.info.id}`, message);
    v.client.end();
    // It does not read, so it would never take the goodbye either: free its buffers now.
    v.socket?.destroy();
  };

  const ssh = new ssh2.Server({ hostKeys: [opts.hostKey] }, (client, clientInfo) => {
    const admitted = tickets.get(`${clientInfo.ip}|${clientInfo.port}`);
    tickets.delete(`${clientInfo.ip}|${clientInfo.port}`);
    const ticket = admitted?.ticket;
    const from = ticket?.source ?? clientText(clientInfo.ip);
    clients.add(client);
    const authenticated = authenticateClients(client, {
      authorized: opts.authorized,
      maxAttempts: limits.maxAuthAttempts,
      from,
      notice,
    });
    client.on('ready', () => {
      ticket?.authenticated();
      client.on('session', (acceptSession) => {
        const session = acceptSession();
        let size = { cols: 80, rows: 24 };
        let viewer: Viewer | undefined;
        session.on('pty', (accept, _reject, info) => {
          size = clampSize(limits, info.cols, info.rows, size);
          accept?.();
        });
        session.on('window-change', (accept, _reject, info) => {
          size = clampSize(limits, info.cols, info.rows, size);
          accept?.();
          if (viewer) {
            viewer.info.cols = size.cols;
            viewer.info.rows = size.rows;
            viewer.clear = true;
            schedule(viewer);
            changed();
          }
        });
        session.on('exec', (_accept, reject) => reject?.());
        session.on('subsystem', (_accept, reject) => reject?.());
        session.on('env', (accept) => accept?.());
        session.on('shell', (accept) => {
          const channel = accept();
          if (viewers.size >= limits.maxViewers) {
            channel.write(`routedeck: ${limits.maxViewers} viewers already watching; try later\r\n`);
            channel.exit(1);
            channel.end();
            return;
          }
          const v: Viewer = {
            info: {
              id: randomUUID(),
              user: authenticated()?.user ?? '?',
              from,
              key: clientText(authenticated()?.key.comment || authenticated()?.key.fingerprint || '?'),
              since: Date.now(),
              cols: size.cols,
              rows: size.rows,
            },
            channel,
            client,
            socket: admitted?.socket,
            sender: new FrameSender(channel, limits.stallMs, () =>
              drop(
                v,
                `disconnected ${v.info.user}@${v.info.from}: not reading its screen for ${limits.stallMs / 1000} s`,
              ),
            ),
            x: 0,
            y: 0,
            last: '',
            clear: true,
            rendered: 0,
            inputBytes: 0,
            inputChunks: 0,
            keysDropped: 0,
          };
          viewer = v;
          viewers.set(v.info.id, v);
          changed();
          schedule(v);
          const input = new ViewerInput(limits.keysPerSecond);
          channel.on('data', (data: Buffer) => {
            if (!viewers.has(v.info.id)) return;
            v.inputChunks += 1;
            v.inputBytes += data.length;
            const got = input.feed(data.toString('latin1'));
            if (got.leave) {
              v.sender.close();
              channel.write(`\u001b[0m${SHOW_CURSOR}\u001b[2J\u001b[Hleft the shared session\r\n`);
              channel.exit(0);
              channel.end();
              return;
            }
            if (got.dropped > 0 && v.keysDropped === 0)
              notice(
                `keys|${v.info.id}`,
                `${v.info.user}@${v.info.from} sends keys faster than ${limits.keysPerSecond}/s; the extra ones are ignored`,
              );
            v.keysDropped += got.dropped;
            if (got.home) v.x = v.y = 0;
            if (got.home || got.dx !== 0 || got.dy !== 0) {
              // Clamped now so a long burst cannot push the offset far past the screen.
              v.x = Math.max(0, Math.min(v.x + got.dx, opts.mirror.cols));
              v.y = Math.max(0, Math.min(v.y + got.dy, opts.mirror.rows));
              schedule(v);
            }
          });
          channel.on('close', () => {
            v.sender.close();
            dirty.delete(v);
            if (viewers.delete(v.info.id)) changed();
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

  // Our own listener: the gate decides before ssh2 spends a key exchange on the connection.
  const listener = createServer((socket) => {
    const ticket = gate.admit(socket);
    if (!ticket) return;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    tickets.set(`${socket.remoteAddress}|${socket.remotePort}`, { ticket, socket });
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(opts.port, opts.host, () => {
      listener.off('error', reject);
      resolve();
    });
  });
  // After listening, an accept error (EMFILE when out of descriptors) is a notice, never a crash.
  listener.on('error', (error: NodeJS.ErrnoException) =>
    notice('accept', `cannot accept a connection (${error.code ?? error.message}); still serving the others`),
  );
  const address = listener.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    viewers: () => [...viewers.values()].map((v) => ({ ...v.info })),
    stats: () => ({
      viewers: [...viewers.values()].map((v) => ({
        ...v.info,
        ...v.sender.stats(),
        rendered: v.rendered,
        inputBytes: v.inputBytes,
        inputChunks: v.inputChunks,
        keysDropped: v.keysDropped,
      })),
      connections: gate.stats(),
    }),
    close: async () => {
      opts.mirror.off('change', onMirrorChange);
      if (timer) clearTimeout(timer);
      for (const v of viewers.values()) {
        v.sender.close();
        // On a cleared screen, so the reason is the last thing the viewer reads, not a line under the frame.
        v.channel.write(
          `\u001b[0m${SHOW_CURSOR}\u001b[2J\u001b[Hthe session ended: ${driver} quit the console\r\n`,
        );
        v.channel.exit(0);
        v.channel.end();
      }
      viewers.clear();
      for (const c of clients) c.end();
      const closed = new Promise<void>((resolve) => listener.close(() => resolve()));
      // A client that stopped reading would hold close() forever: after a grace its socket goes.
      const grace = setTimeout(() => sockets.forEach((s) => s.destroy()), 1000);
      await closed;
      clearTimeout(grace);
    },
  };
}
