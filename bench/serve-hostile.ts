/**
 * `routedeck serve` against hostile clients (issue 13): what they cost the driver, with the
 * default limits. The driver (share server + a 120×40 screen redrawn every 16 ms, as ink does)
 * runs in a child process so its RSS and event-loop delays are its own; the clients run here.
 *   1. A viewer that stops reading (`ssh -tt … | sleep`): the driver's RSS and the bytes held for
 *      it while the screen changes, until the server drops it (stall limit, 15 s).
 *   2. A 32 KB burst of arrow keys from one viewer, four times: the driver's frame delay (timer
 *      lateness of its 16 ms redraw) against idle, the flooder's renders, frames another viewer got.
 *   3. 500 connections that never authenticate, from 32 loopback source addresses: how many the
 *      driver holds at most, how many it refuses, and whether all are gone after the auth timeout.
 * Run by bench/run.ts (part `serve-hostile`) or alone: `node --expose-gc --import tsx bench/serve-hostile.ts`.
 * Traffic only to 127.0.0.1.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Probe {
  rssMB: number;
  delays: number[];
  stats: {
    viewers: {
      user: string;
      queuedBytes: number;
      rendered: number;
      sent: number;
      skipped: number;
      keysDropped: number;
    }[];
    connections: { pending: number; connections: number; refused: number; timedOut: number };
  };
  notices: string[];
}

export interface ServeHostileBench {
  date: string;
  machine: string;
  stalled: {
    rssBeforeMB: number;
    rssPeakMB: number;
    rssAfterMB: number;
    maxQueuedKB: number;
    droppedAfterS: number | null;
    skipped: number;
  };
  burst: {
    idle: Pct;
    during: Pct;
    flooderRenders: number;
    keysSent: number;
    keysDropped: number;
    watcherFrames: number;
  };
  preauth: { opened: number; maxHeld: number; refused: number; heldAfterTimeout: number };
  /** The same 500 against a driver limited to 48 descriptors (`ulimit -n 48`). */
  fdLimit: { alive: boolean; maxHeld: number; acceptErrors: number; notices: string[] };
}
type Pct = { p50: number; p99: number; max: number };

function pct(values: number[]): Pct {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(at(1)) };
}

// ---- the driver child ----------------------------------------------------------------------

async function driverChild(): Promise<void> {
  const { ScreenMirror } = await import('../src/serve/mirror.ts');
  const { startShareServer } = await import('../src/serve/server.ts');
  const { parseAuthorizedKeys } = await import('../src/serve/authorized-keys.ts');
  const { generateEd25519 } = await import('../src/transport/ssh/keys.ts');
  const key = JSON.parse(process.argv[3]!) as { public: string };
  const mirror = new ScreenMirror(120, 40);
  const notices: string[] = [];
  const server = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: generateEd25519().private,
    authorized: parseAuthorizedKeys(`${key.public} bench\n`, 'bench'),
    mirror,
    driver: 'bench',
    onNotice: (m) => notices.push(m),
  });
  // The driver's redraw: a changing full screen every 16 ms; its lateness is the frame delay.
  let delays: number[] = [];
  let n = 0;
  let due = performance.now() + 16;
  const tick = () => {
    const now = performance.now();
    delays.push(now - due);
    n += 1;
    const row = (y: number) => `${String(n).padStart(8, '0')}:${y} `.repeat(12).slice(0, 120);
    mirror.write(`\u001b[H${Array.from({ length: 40 }, (_, y) => row(y)).join('\r\n')}`);
    due = Math.max(due + 16, now);
    timer = setTimeout(tick, Math.max(0, due - performance.now()));
  };
  let timer = setTimeout(tick, 16);
  process.on('message', (m: { cmd: string }) => {
    if (m.cmd === 'probe') {
      let rssMB = NaN;
      try {
        rssMB = process.memoryUsage.rss() / MB;
      } catch {
        // reading RSS needs a descriptor, which the ulimit phase may not have
      }
      const probe: Probe = { rssMB, delays, stats: server.stats(), notices };
      delays = [];
      process.send!(probe);
    } else if (m.cmd === 'stop') {
      clearTimeout(timer);
      void server.close().then(() => process.exit(0));
    }
  });
  process.send!({ port: server.port });
}

// ---- the clients (this process) -------------------------------------------------------------

/** The driver's figures; rejects if it died (the ulimit phase checks exactly that). */
function ask(child: ChildProcess): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const died = (code: number | null) => reject(new Error(`the driver exited (${code})`));
    child.once('exit', died);
    child.once('message', (m) => {
      child.off('exit', died);
      resolve(m as Probe);
    });
    child.send({ cmd: 'probe' });
  });
}

async function viewer(port: number, key: string, user: string, cols: number, rows: number) {
  return new Promise<{
    client: ssh2.Client;
    stream: ssh2.ClientChannel;
    frames: () => number;
    closed: Promise<void>;
  }>((resolve, reject) => {
    const client = new ssh2.Client();
    const closed = new Promise<void>((r) => client.on('close', () => r()));
    client.on('error', reject);
    client.on('ready', () =>
      client.shell({ term: 'xterm-256color', cols, rows }, (error, stream) => {
        if (error) return reject(error);
        let frames = 0;
        stream.on('data', (d: Buffer) => (frames += d.toString('latin1').split('\u001b[?2026l').length - 1));
        resolve({ client, stream, frames: () => frames, closed });
      }),
    );
    client.connect({
      host: '127.0.0.1',
      port,
      username: user,
      privateKey: key,
      hostVerifier: () => true,
      readyTimeout: 60_000,
    });
  });
}

/** 500 unauthenticated connections from 32 source addresses, held until `closeAfterMs`. */
async function flood(port: number, child: ChildProcess, closeAfterMs: number) {
  const sockets: Socket[] = [];
  let maxHeld = 0;
  for (let i = 0; i < 500; i++) {
    const socket = connect({ host: '127.0.0.1', port, localAddress: `127.0.0.${2 + (i % 32)}` });
    socket.on('error', () => {});
    sockets.push(socket);
    if (i % 50 === 49) {
      await sleep(200);
      maxHeld = Math.max(maxHeld, (await ask(child)).stats.connections.pending);
    }
  }
  await sleep(500);
  const held = await ask(child);
  maxHeld = Math.max(maxHeld, held.stats.connections.pending);
  await sleep(closeAfterMs);
  const later = await ask(child);
  for (const s of sockets) s.destroy();
  return { maxHeld, held, later };
}

/** A driver whose process may hold only 48 descriptors: accept fails with EMFILE, the driver must live. */
async function fdLimited(key: { public: string }): Promise<ServeHostileBench['fdLimit']> {
  const child = spawn(
    'sh',
    [
      '-c',
      'ulimit -n 48 && exec "$0" "$@"',
      process.execPath,
      ...process.execArgv,
      SELF,
      '--driver',
      JSON.stringify(key),
    ],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const { port } = await new Promise<{ port: number }>((resolve) =>
    child.once('message', (m) => resolve(m as { port: number })),
  );
  try {
    const { maxHeld } = await flood(port, child, 1000);
    await sleep(500);
    const last = await ask(child);
    return {
      alive: last.delays.length > 0,
      maxHeld,
      acceptErrors: last.notices.filter((m) => m.startsWith('cannot accept')).length,
      notices: [...new Set(last.notices.map((m) => m.replace(/\d+\.\d+\.\d+\.\d+/g, 'ADDR')))].slice(0, 5),
    };
  } catch {
    return { alive: false, maxHeld: 0, acceptErrors: 0, notices: [] };
  } finally {
    if (child.exitCode === null) {
      child.send({ cmd: 'stop' });
      await new Promise((r) => child.once('exit', r));
    }
  }
}

export async function serveHostileBench(): Promise<ServeHostileBench> {
  const { generateEd25519 } = await import('../src/transport/ssh/keys.ts');
  const key = generateEd25519();
  const child = fork(SELF, ['--driver', JSON.stringify({ public: key.public })], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port } = await new Promise<{ port: number }>((resolve) =>
    child.once('message', (m) => resolve(m as { port: number })),
  );
  try {
    // 1. A viewer that stops reading.
    await sleep(1000);
    const rssBefore = (await ask(child)).rssMB;
    const stalled = await viewer(port, key.private, 'stalled', 500, 200);
    stalled.stream.pause();
    const started = performance.now();
    let droppedAt: number | null = null;
    let peak = rssBefore;
    let maxQueued = 0;
    let skipped = 0;
    void stalled.closed.then(() => (droppedAt ??= performance.now()));
    for (let i = 0; i < 60 && droppedAt === null; i++) {
      await sleep(500);
      const p = await ask(child);
      peak = Math.max(peak, p.rssMB);
      const s = p.stats.viewers.find((v) => v.user === 'stalled');
      maxQueued = Math.max(maxQueued, s?.queuedBytes ?? 0);
      skipped = Math.max(skipped, s?.skipped ?? 0);
      if (p.notices.some((m) => m.startsWith('disconnected stalled'))) droppedAt ??= performance.now();
    }
    stalled.client.destroy();
    await sleep(2000);
    const rssAfter = (await ask(child)).rssMB;

    // 2. Key bursts from one viewer while another watches.
    const flooder = await viewer(port, key.private, 'flooder', 80, 24);
    const watcher = await viewer(port, key.private, 'watcher', 120, 41);
    await sleep(1000);
    await ask(child);
    await sleep(2000);
    const idle = (await ask(child)).delays;
    const before = (await ask(child)).stats.viewers.find((v) => v.user === 'flooder')!;
    const watched = watcher.frames();
    const burst = '\u001b[C\u001b[B'.repeat(Math.floor(32_768 / 6));
    for (let i = 0; i < 4; i++) {
      flooder.stream.write(burst);
      await sleep(500);
    }
    await sleep(1000);
    const during = await ask(child);
    const after = during.stats.viewers.find((v) => v.user === 'flooder')!;
    const watcherFrames = watcher.frames() - watched;
    flooder.client.end();
    watcher.client.end();

    // 3. Connections that never authenticate.
    const { maxHeld, held, later } = await flood(port, child, 11_000);
    const fdLimit = await fdLimited({ public: key.public });
    return {
      date: new Date().toISOString().slice(0, 10),
      machine: `${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, Node ${process.versions.node}`,
      stalled: {
        rssBeforeMB: Math.round(rssBefore),
        rssPeakMB: Math.round(peak),
        rssAfterMB: Math.round(rssAfter),
        maxQueuedKB: Math.round(maxQueued / 1024),
        droppedAfterS: droppedAt === null ? null : Math.round((droppedAt - started) / 100) / 10,
        skipped,
      },
      burst: {
        idle: pct(idle),
        during: pct(during.delays),
        flooderRenders: after.rendered - before.rendered,
        keysSent: (burst.length / 3) * 4,
        keysDropped: after.keysDropped - before.keysDropped,
        watcherFrames,
      },
      preauth: {
        opened: 500,
        maxHeld,
        refused: held.stats.connections.refused,
        heldAfterTimeout: later.stats.connections.pending,
      },
      fdLimit,
    };
  } finally {
    child.send({ cmd: 'stop' });
    await new Promise((r) => child.once('exit', r));
  }
}

export function report(b: ServeHostileBench): string {
  const p = (x: Pct) => `p50 ${x.p50} ms, p99 ${x.p99} ms, max ${x.max} ms`;
  return [
    `serve against hostile clients (${b.date}, ${b.machine})`,
    `  stalled viewer: RSS ${b.stalled.rssBeforeMB} → peak ${b.stalled.rssPeakMB} → ${b.stalled.rssAfterMB} MB after; ` +
      `held for it at most ${b.stalled.maxQueuedKB} KB; ${b.stalled.skipped} frames skipped; dropped after ${b.stalled.droppedAfterS ?? 'never'} s`,
    `  driver frame delay idle: ${p(b.burst.idle)}`,
    `  driver frame delay during 4 × 32 KB key bursts: ${p(b.burst.during)}`,
    `    flooder: ${b.burst.keysSent} keys sent, ${b.burst.keysDropped} ignored, ${b.burst.flooderRenders} renders; ` +
      `the other viewer got ${b.burst.watcherFrames} frames meanwhile`,
    `  500 unauthenticated connections from 32 sources: at most ${b.preauth.maxHeld} held, ${b.preauth.refused} refused, ` +
      `${b.preauth.heldAfterTimeout} left after the auth timeout`,
    `  the same with the driver at ulimit -n 48: ${b.fdLimit.alive ? 'still drawing' : 'DIED'}, ` +
      `${b.fdLimit.maxHeld} held, accept errors noted ${b.fdLimit.acceptErrors}; notices: ${b.fdLimit.notices.join(' | ') || 'none'}`,
  ].join('\n');
}

export function mergeResults(b: ServeHostileBench): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...previous, serveHostile: b }, null, 2) + '\n');
}

/** Measures, merges into results.json and prints (bench/run.ts part `serve-hostile`). */
export async function runServeHostile(): Promise<void> {
  const b = await serveHostileBench();
  mergeResults(b);
  console.log(`\n${report(b)}`);
}

if (process.argv[2] === '--driver') await driverChild();
else if (process.argv[1] === SELF) await runServeHostile();
