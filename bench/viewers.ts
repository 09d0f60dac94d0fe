/**
 * Shared sessions (issue 7): the driver's keystroke → frame latency on the embedded lab with no
 * viewer, then with ten viewers attached over SSH (`routedeck serve`'s server and mirror), then
 * with none again. Target: with ten viewers, p50 and p99 within 20 % of the no-viewer figure.
 *
 * The console runs in a child process (like console-latency.ts) on a 120×40 fake terminal on the
 * BGP view; the ten viewers are ssh2 clients in a third process (they stand for colleagues'
 * machines), each with its own terminal size, all receiving every frame.
 * Run by bench/run.ts (`npm run bench`, part `viewers`) or alone:
 * `node --expose-gc --import tsx bench/viewers.ts`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const VIEWERS = 10;
const PRESSES = 200;
const ROUNDS = 2;
const TARGET = 1.2;

interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface ViewersBench {
  date: string;
  machine: string;
  viewers: number;
  noViewers: Stats;
  withViewers: Stats;
  noViewersAfter: Stats;
  /** with / mean(before, after), per percentile. */
  ratio: { p50: number; p99: number };
  /** Frames (bytes) the viewers received while measured. */
  viewerBytes: number;
  ok: boolean;
}

function stats(values: number[]): Stats {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: sorted.length, p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)) };
}

// ---- the console child ---------------------------------------------------------------------

async function consoleChild(): Promise<void> {
  await import('./console/tty-env.ts');
  const { startConsole } = await import('../components/console.tsx');
  const { FakeTerminal } = await import('./console/terminal.ts');
  const { startSimLab } = await import('../src/lab/sim/lab.ts');
  const { openFabric } = await import('../src/cli/wiring.ts');
  const { loadInventoryFile } = await import('../src/inventory/load.ts');
  const { ScreenMirror } = await import('../src/serve/mirror.ts');
  const { startShareServer } = await import('../src/serve/server.ts');
  const { parseAuthorizedKeys } = await import('../src/serve/authorized-keys.ts');
  const { generateEd25519 } = await import('../src/transport/ssh/keys.ts');
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const dir = mkdtempSync(path.join(os.tmpdir(), 'routedeck-bench-viewers-'));
  const lab = await startSimLab({ dir: path.join(dir, 'sim'), writeState: false });
  const fabric = openFabric(
    loadInventoryFile(lab.inventoryPath),
    { kind: 'lab-sim', label: 'LAB (simulated)' },
    { poller: { intervalMs: { router: 2_000, hypervisor: 3_000 } } },
  );
  await fabric.poller.pollNow();
  fabric.poller.start();

  const term = new FakeTerminal(120, 40);
  const mirror = new ScreenMirror(120, 40);
  const write = term.stdout.write;
  term.stdout.write = (data: string) => {
    const ok = write(data);
    mirror.write(data);
    return ok;
  };
  const viewerKey = generateEd25519();
  writeFileSync(path.join(dir, 'viewer.key'), viewerKey.private, { mode: 0o600 });
  let viewerBytes = 0;
  const server = await startShareServer({
    host: '127.0.0.1',
    port: 0,
    hostKey: generateEd25519().private,
    authorized: parseAuthorizedKeys(`${viewerKey.public} bench\n`, 'bench'),
    mirror,
    driver: 'bench',
  });
  const handle = startConsole({
    store: fabric.store,
    poller: fabric.poller,
    stdin: term.stdin as unknown as NodeJS.ReadStream,
    stdout: term.stdout as unknown as NodeJS.WriteStream,
    initialView: 'bgp',
  });
  await term.next((plain) => /\[1\/\d+\]/.test(plain), 'the BGP view', 20_000);
  while (!term.listening()) await sleep(5);

  /** j/k presses a key at a time (auto-repeat rate), each timed to the frame showing the new position. */
  let cursor = 0;
  let down = true;
  const run = async (presses: number): Promise<number[]> => {
    const samples: number[] = [];
    const total = Number(/\[\d+\/(\d+)/.exec(mirror.textLines().join('\n'))?.[1] ?? '50');
    for (let i = 0; i < presses; i++) {
      if (cursor >= total - 1) down = false;
      if (cursor <= 0) down = true;
      cursor += down ? 1 : -1;
      const want = new RegExp(`\\[${cursor + 1}/\\d+`);
      const done = term
        .next((plain) => want.test(plain), `cursor ${cursor + 1}`)
        .catch((error: Error) => {
          throw new Error(
            `${error.message.split('\n')[0]}; the driver's screen:\n${mirror.textLines().join('\n')}`,
          );
        });
      const sent = term.press(down ? 'j' : 'k');
      samples.push((await done) - sent);
      await sleep(33);
    }
    return samples;
  };

  const phase = async (): Promise<number[]> => {
    const all: number[] = [];
    for (let r = 0; r < ROUNDS; r++) all.push(...(await run(PRESSES)));
    return all;
  };

  await run(60); // warm-up
  const before = await phase();

  const load: ChildProcess = spawn(
    process.execPath,
    [
      ...process.execArgv,
      SELF,
      '--viewers',
      String(server.port),
      path.join(dir, 'viewer.key'),
      String(VIEWERS),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await new Promise<void>((resolve, reject) => {
    let out = '';
    load.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('ready')) resolve();
      const bytes = /bytes (\d+)/.exec(out.split('\n').at(-2) ?? '');
      if (bytes) viewerBytes = Number(bytes[1]);
    });
    load.once('exit', (code) => reject(new Error(`viewer load exited ${code}`)));
  });
  if (server.viewers().length !== VIEWERS) throw new Error(`${server.viewers().length} viewers attached`);
  await run(30);
  const during = await phase();
  const attached = server.viewers().length;
  load.kill('SIGTERM');
  await new Promise((resolve) => load.once('exit', resolve));
  await sleep(300);
  const after = await phase();

  handle.unmount();
  await server.close();
  await fabric.close();
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify({ before, during, after, attached, viewerBytes }));
  process.exit(0);
}

// ---- the viewers' process ------------------------------------------------------------------

async function viewersChild(port: number, keyFile: string, count: number): Promise<void> {
  const ssh2 = (await import('ssh2')).default;
  const key = readFileSync(keyFile, 'utf8');
  const sizes = [
    [80, 24],
    [120, 40],
    [200, 50],
    [100, 30],
    [132, 43],
  ] as const;
  let bytes = 0;
  let ready = 0;
  for (let i = 0; i < count; i++) {
    const [cols, rows] = sizes[i % sizes.length]!;
    const client = new ssh2.Client();
    client.on('ready', () =>
      client.shell({ term: 'xterm-256color', cols, rows }, (error, stream) => {
        if (error) throw error;
        let first = true;
        stream.on('data', (d: Buffer) => {
          bytes += d.length;
          if (first) {
            first = false;
            if (++ready === count) process.stdout.write('ready\n');
          }
        });
      }),
    );
    client.connect({
      host: '127.0.0.1',
      port,
      username: `viewer${i}`,
      privateKey: key,
      hostVerifier: () => true,
    });
  }
  setInterval(() => process.stdout.write(`bytes ${bytes}\n`), 500);
  process.on('SIGTERM', () => process.exit(0));
}

// ---- the parent ----------------------------------------------------------------------------

export function viewersBench(): ViewersBench {
  const child = spawnSync(process.execPath, [...process.execArgv, SELF, '--child'], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 300_000,
  });
  if (child.status !== 0)
    throw new Error(`viewers bench failed (${child.status ?? child.signal}): ${child.stderr}`);
  const raw = JSON.parse(child.stdout) as {
    before: number[];
    during: number[];
    after: number[];
    attached: number;
    viewerBytes: number;
  };
  const noViewers = stats(raw.before);
  const withViewers = stats(raw.during);
  const noViewersAfter = stats(raw.after);
  const base = (k: 'p50' | 'p99') => (noViewers[k] + noViewersAfter[k]) / 2;
  const ratio = {
    p50: Math.round((withViewers.p50 / base('p50')) * 100) / 100,
    p99: Math.round((withViewers.p99 / base('p99')) * 100) / 100,
  };
  return {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, Node ${process.version}`,
    viewers: raw.attached,
    noViewers,
    withViewers,
    noViewersAfter,
    ratio,
    viewerBytes: raw.viewerBytes,
    ok: ratio.p50 <= TARGET && ratio.p99 <= TARGET,
  };
}

export function report(b: ViewersBench): string {
  const line = (label: string, s: Stats) =>
    `  ${label.padEnd(26)} p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  (n=${s.n})`;
  return [
    `Driver keystroke → frame on the embedded lab (BGP view, 120×40), ${b.viewers} viewers over SSH:`,
    line('no viewer', b.noViewers),
    line(`${b.viewers} viewers attached`, b.withViewers),
    line('no viewer again', b.noViewersAfter),
    `  ratio with/without: p50 ${b.ratio.p50}, p99 ${b.ratio.p99} (target ≤ ${TARGET}) → ${b.ok ? 'ok' : 'MISSED'}`,
  ].join('\n');
}

export function mergeResults(b: ViewersBench): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...previous, viewers: b }, null, 2) + '\n');
}

const argv = process.argv.slice(2);
if (argv[0] === '--child') await consoleChild();
else if (argv[0] === '--viewers') await viewersChild(Number(argv[1]), argv[2]!, Number(argv[3]));
else if (process.argv[1] === SELF) {
  const b = viewersBench();
  mergeResults(b);
  console.log(report(b));
  if (!b.ok) process.exitCode = 1;
}
