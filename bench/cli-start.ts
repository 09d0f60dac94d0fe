/**
 * CLI start (issue 16): wall time and peak RSS of `routedeck --help` and of `routedeck get devices
 * --lab --json` against a running `lab sim`, each run from the compiled dist/ and from the sources
 * through tsx (ROUTEDECK_FROM_SOURCE=1), median of 5 child processes. Targets, from dist/: --help
 * < 300 ms, get devices < 1 s. Builds dist/ first (the build's time is reported too); the lab runs
 * in a temp directory of its own, so a developer's running lab is left alone.
 * Run by bench/run.ts (`npm run bench -- cli-start`) or alone: `node --import tsx bench/cli-start.ts`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONSOLE_V8_FLAGS } from '../src/cli/common/heap.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = path.join(ROOT, 'bin/routedeck.mjs');
const RESULTS = path.join(ROOT, 'bench/out/results.json');
const RUNS = 5;
// Loaded before the CLI in each child: its own peak RSS and CPU, written as it exits.
const PRELOAD =
  "data:text/javascript,import{writeFileSync}from'node:fs';process.on('exit',()=>{const u=process.resourceUsage();" +
  'writeFileSync(process.env.ROUTEDECK_BENCH_USAGE,JSON.stringify({maxRssKiB:u.maxRSS,cpuUs:u.userCPUTime+u.systemCPUTime}))})';

interface Sample {
  wallMs: number;
  maxRssMB: number;
  cpuMs: number;
}
export interface Figure {
  command: string;
  from: 'dist' | 'source';
  runs: number;
  /** Medians of the runs. */
  wallMs: number;
  maxRssMB: number;
  cpuMs: number;
}
export interface CliStartBench {
  date: string;
  machine: string;
  loadAverage: number;
  buildMs: number;
  figures: Figure[];
  targets: Record<string, { want: string; got: number; ok: boolean }>;
}

const median = (values: number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

function runOnce(args: string[], env: NodeJS.ProcessEnv, usageFile: string): Sample {
  rmSync(usageFile, { force: true });
  const started = performance.now();
  const child = spawnSync(process.execPath, [...CONSOLE_V8_FLAGS, '--import', PRELOAD, BIN, ...args], {
    env: { ...env, ROUTEDECK_BENCH_USAGE: usageFile },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - started;
  if (child.status !== 0)
    throw new Error(`routedeck ${args.join(' ')} exited ${child.status ?? child.signal}: ${child.stderr}`);
  // bin/routedeck.mjs says when it falls back to the sources: a dist figure must come from dist/.
  if (env['ROUTEDECK_FROM_SOURCE'] !== '1' && child.stderr !== '')
    throw new Error(`routedeck ${args.join(' ')} did not run from dist/: ${child.stderr}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as { maxRssKiB: number; cpuUs: number };
  return { wallMs, maxRssMB: usage.maxRssKiB / 1024, cpuMs: usage.cpuUs / 1000 };
}

function measure(command: string[], from: Figure['from'], env: NodeJS.ProcessEnv, usageFile: string): Figure {
  const runEnv = { ...env, ROUTEDECK_FROM_SOURCE: from === 'source' ? '1' : '0' };
  runOnce(command, runEnv, usageFile); // a warm-up: the file cache, not the code, is what it settles
  const samples = Array.from({ length: RUNS }, () => runOnce(command, runEnv, usageFile));
  return {
    command: `routedeck ${command.join(' ')}`,
    from,
    runs: RUNS,
    wallMs: median(samples.map((s) => s.wallMs)),
    maxRssMB: median(samples.map((s) => s.maxRssMB)),
    cpuMs: median(samples.map((s) => s.cpuMs)),
  };
}

/** `routedeck lab sim` in the background; resolves once it printed where its files are. */
async function startLab(env: NodeJS.ProcessEnv): Promise<() => Promise<void>> {
  const child = spawn(process.execPath, [...CONSOLE_V8_FLAGS, BIN, 'lab', 'sim'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (/^control:/m.test(output)) {
        clearInterval(check);
        resolve();
      } else if (child.exitCode !== null) {
        clearInterval(check);
        reject(new Error(`lab sim exited ${child.exitCode}: ${output}`));
      }
    }, 50);
  });
  return async () => {
    child.kill('SIGTERM');
    await exited;
  };
}

export async function cliStartBench(): Promise<CliStartBench> {
  const started = performance.now();
  const build = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
  const buildMs = performance.now() - started;

  const dir = mkdtempSync(path.join(os.tmpdir(), 'routedeck-cli-start-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    ROUTEDECK_LAB_DIR: path.join(dir, 'lab'),
    NO_COLOR: '1',
  };
  const usageFile = path.join(dir, 'usage.json');
  const figures: Figure[] = [];
  const stopLab = await startLab({ ...env, ROUTEDECK_FROM_SOURCE: '0' });
  try {
    for (const command of [['--help'], ['get', 'devices', '--lab', '--json']])
      for (const from of ['dist', 'source'] as const) figures.push(measure(command, from, env, usageFile));
  } finally {
    await stopLab();
    rmSync(dir, { recursive: true, force: true });
  }
  const wall = (command: string, from: Figure['from']) =>
    figures.find((f) => f.command.startsWith(`routedeck ${command}`) && f.from === from)!.wallMs;
  const help = wall('--help', 'dist');
  const get = wall('get devices', 'dist');
  return {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, node ${process.version}`,
    loadAverage: os.loadavg()[0] ?? 0,
    buildMs,
    figures,
    targets: {
      cliHelp: { want: '< 300 ms', got: help, ok: help < 300 },
      cliGetDevicesLab: { want: '< 1000 ms', got: get, ok: get < 1000 },
    },
  };
}

export function report(b: CliStartBench): string {
  const lines = [
    `CLI start — ${b.machine}, load ${b.loadAverage.toFixed(1)}; median of ${RUNS}; build ${(b.buildMs / 1000).toFixed(1)} s`,
    `${'command'.padEnd(42)}${'from'.padEnd(8)}${'wall ms'.padStart(9)}${'CPU ms'.padStart(9)}${'max RSS MB'.padStart(12)}`,
    ...b.figures.map(
      (f) =>
        `${f.command.padEnd(42)}${f.from.padEnd(8)}${f.wallMs.toFixed(0).padStart(9)}` +
        `${f.cpuMs.toFixed(0).padStart(9)}${f.maxRssMB.toFixed(0).padStart(12)}`,
    ),
    ...Object.entries(b.targets).map(
      ([name, t]) =>
        `${name.padEnd(42)}${t.want.padEnd(12)}${t.got.toFixed(0).padStart(7)} ms  ${t.ok ? 'ok' : 'MISSED'}`,
    ),
  ];
  return lines.join('\n');
}

export function mergeResults(b: CliStartBench): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  const targets = { ...(previous['targets'] as object | undefined), ...b.targets };
  writeFileSync(RESULTS, JSON.stringify({ ...previous, cliStart: b, targets }, null, 2) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const b = await cliStartBench();
  mergeResults(b);
  console.log(report(b));
  if (!Object.values(b.targets).every((t) => t.ok)) process.exitCode = 1;
}
