/**
 * Route-table ingest benchmark (`npm run bench`). Prints a table and writes bench/out/results.json.
 *   1. 100k routes in memory: streaming parser + CompactRouteTable vs plain JSON.parse (best of 3).
 *   2. A border router's full tables — 1M IPv4 then 200k IPv6 routes in one VRF, as the driver's two
 *      `show ip[v6] route vrf all json` streams — from files on disk read in 64 KiB chunks as an SSH
 *      channel delivers them, in a child process so its peak RSS is its own: RSS, bytes a route,
 *      index build and lookup time.
 *   3. The console's keystroke → frame latency on a 1M-route table (console-latency.ts), merged into the
 *      same results.json under `consoleLatency`.
 *   4. Migrations on the real-FRR netns lab (migration.ts; root only, skipped otherwise), merged under
 *      `migration`.
 *   5. The driver's keystroke → frame latency with ten `routedeck serve` viewers attached (viewers.ts),
 *      merged under `viewers`.
 *   6. Recovery of a migration killed in its announce step on the netns lab (resume-loss.ts; root only),
 *      merged under `resumeLoss`.
 *   7. The fault matrix on the embedded lab (faults.ts), merged under `faults`; subsets with
 *      `--kinds=… --faults=… --steps=…`.
 *   8. CLI start: `--help` and `get devices --lab` from dist/ and from source (cli-start.ts), under `cliStart`.
 *   9. The embedded lab's scaling curve, 100 to 1,000 hosts (lab-scale.ts), merged under `labScale`;
 *      `--sizes=100,250` picks sizes.
 *  10. A team on one PostgreSQL registry (registry-team.ts), merged under `registryTeam`.
 *  11. The console on a 1,000-host lab (fleet.ts), merged under `fleet`.
 * Arguments pick parts: `bench/run.ts migration`, `bench/run.ts routes console`; none runs all.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteStreamParser } from '../src/drivers/frr/route-stream.ts';
import { type CompactRouteTable } from '../src/model/compact-route-table.ts';
import { CompactRouteTableBuilder } from '../src/model/compact-route-builder.ts';
import { consoleLatency, mergeResults, report } from './console-latency.ts';
import * as migration from './migration.ts';
import * as resumeLoss from './resume-loss.ts';
import * as viewers from './viewers.ts';
import { routeDocument, routePrefix, writeRouteDocument } from './routes.ts';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const BIG_FILE = path.join(OUT, 'routes-1m.json');
const V6_FILE = path.join(OUT, 'routes6-200k.json');
const V6_ROUTES = 200_000;
const CHUNK = 64 * 1024;
const MB = 1024 * 1024;

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function bestOf<T>(runs: number, fn: () => T): { ms: number; value: T } {
  let best = Infinity;
  let value: T | undefined;
  for (let i = 0; i < runs; i++) {
    gc();
    const t = performance.now();
    value = fn();
    best = Math.min(best, performance.now() - t);
  }
  return { ms: best, value: value as T };
}

function ingest(
  feed: (write: (chunk: Buffer) => void) => void,
  builder = new CompactRouteTableBuilder(),
): CompactRouteTableBuilder {
  const parser = new RouteStreamParser(builder);
  feed((chunk) => parser.write(chunk));
  parser.end();
  return builder;
}

/** Feeds a file in 64 KiB chunks, sampling RSS as it goes; returns the peak seen. */
function feedFile(file: string, write: (chunk: Buffer) => void): number {
  let peak = 0;
  const fd = openSync(file, 'r');
  const buf = Buffer.allocUnsafe(CHUNK);
  for (let n, i = 0; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; i++) {
    // A fresh chunk each time, as a socket delivers them (the parser may keep a reference).
    write(Buffer.from(buf.subarray(0, n)));
    if (i % 256 === 0) peak = Math.max(peak, process.memoryUsage.rss());
  }
  closeSync(fd);
  return peak;
}

function phase100k() {
  const text = routeDocument(100_000);
  const bytes = Buffer.from(text);
  const parse = bestOf(3, () => Object.keys(JSON.parse(text) as object).length);
  const stream = bestOf(3, () =>
    ingest((write) => {
      for (let i = 0; i < bytes.length; i += CHUNK) write(bytes.subarray(i, i + CHUNK));
    }).finish(),
  );
  const mbs = (ms: number): number => bytes.length / MB / (ms / 1000);
  return {
    routes: stream.value.size,
    documentMB: bytes.length / MB,
    jsonParse: { ms: parse.ms, mbPerS: mbs(parse.ms), routesPerS: parse.value / (parse.ms / 1000) },
    streaming: { ms: stream.ms, mbPerS: mbs(stream.ms), routesPerS: stream.value.size / (stream.ms / 1000) },
    ratio: parse.ms / stream.ms,
  };
}

function lookupMicros(table: CompactRouteTable, family: 4 | 6, count: number): { us: number; hits: number } {
  const queries = Array.from(
    { length: 100_000 },
    (_, i) => routePrefix((i * 7919) % count, family).split('/')[0]!,
  );
  let hits = 0;
  const t = performance.now();
  for (const q of queries) if (table.lookup(q, 'INTERNET')) hits++;
  return { us: ((performance.now() - t) * 1000) / queries.length, hits: hits / queries.length };
}

function phase1m() {
  gc();
  let peakRss = process.memoryUsage.rss();
  let t = performance.now();
  const builder = ingest((write) => (peakRss = Math.max(peakRss, feedFile(BIG_FILE, write))));
  const ingestMs = performance.now() - t;
  const v4Routes = builder.size;
  t = performance.now();
  ingest((write) => (peakRss = Math.max(peakRss, feedFile(V6_FILE, write))), builder);
  const ingest6Ms = performance.now() - t;
  const table = builder.finish();
  const bytesPerRoute = table.bytesUsed() / table.size;

  // The first lookup of a VRF/family builds its index.
  t = performance.now();
  const first = table.lookup('1.0.0.1', 'INTERNET');
  const indexMs = performance.now() - t;
  t = performance.now();
  table.lookup('2a00::1', 'INTERNET');
  const index6Ms = performance.now() - t;
  const v4 = lookupMicros(table, 4, v4Routes);
  const v6 = lookupMicros(table, 6, V6_ROUTES);
  peakRss = Math.max(peakRss, process.memoryUsage.rss(), process.resourceUsage().maxRSS * 1024);
  const mb = statSync(BIG_FILE).size / MB;
  return {
    routes: v4Routes,
    routes6: table.size - v4Routes,
    fileMB: mb,
    file6MB: statSync(V6_FILE).size / MB,
    ingestMs,
    mbPerS: mb / (ingestMs / 1000),
    routesPerS: v4Routes / (ingestMs / 1000),
    ingest6Ms,
    peakRssMB: peakRss / MB,
    bytesPerRoute,
    bytesPerRouteWithIndex: table.bytesUsed() / table.size,
    indexBuildMs: indexMs,
    index6BuildMs: index6Ms,
    lookupUs: v4.us,
    lookup6Us: v6.us,
    lookupHits: Math.min(v4.hits, v6.hits),
    firstLookup: first?.prefix ?? null,
  };
}

/** Written piece by piece (~1 MB at a time): the 754 MB document never exists as one string. */
function writeDocument(file: string, count: number, family: 4 | 6): number {
  mkdirSync(OUT, { recursive: true });
  const fd = openSync(file, 'w');
  writeRouteDocument(count, (piece) => writeSync(fd, piece), { vrfName: 'INTERNET', vrfId: 5, family });
  closeSync(fd);
  return statSync(file).size;
}

function row(cells: (string | number)[]): string {
  return cells
    .map((c, i) => (typeof c === 'number' ? c.toFixed(c < 10 ? 2 : 0) : c).padEnd(i ? 19 : 34))
    .join('');
}

const PARTS = [
  'routes',
  'console',
  'migration',
  'resume-loss',
  'viewers',
  'serve-hostile',
  'faults',
  'cli-start',
  'lab-scale',
  'registry-team',
  'fleet',
] as const;

async function main(): Promise<void> {
  if (process.argv.includes('--phase=1m')) {
    process.stdout.write(JSON.stringify(phase1m()));
    return;
  }
  const picked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = picked.filter((a) => !(PARTS as readonly string[]).includes(a));
  if (unknown.length > 0)
    throw new Error(`unknown bench part(s) ${unknown.join(', ')} (known: ${PARTS.join(', ')})`);
  const want = (part: (typeof PARTS)[number]): boolean => picked.length === 0 || picked.includes(part);
  const started = performance.now();
  if (want('routes')) routes(started);
  if (want('console')) {
    const latency = consoleLatency();
    mergeResults(latency);
    console.log(`\n${report(latency)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (!Object.values(latency.targets).every((x) => x.ok)) process.exitCode = 1;
  }
  if (want('migration')) {
    const moved = await migration.migrationBench();
    migration.mergeResults(moved);
    console.log(`\n${migration.report(moved)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (!migration.migrationOk(moved)) process.exitCode = 1;
  }
  if (want('resume-loss')) {
    const recovered = await resumeLoss.resumeLossBench();
    resumeLoss.mergeResults(recovered);
    console.log(
      `\n${resumeLoss.report(recovered)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    if (!resumeLoss.resumeLossOk(recovered)) process.exitCode = 1;
  }
  if (want('viewers')) {
    const watched = viewers.viewersBench();
    viewers.mergeResults(watched);
    console.log(`\n${viewers.report(watched)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (!watched.ok) process.exitCode = 1;
  }
  if (want('serve-hostile')) await (await import('./serve-hostile.ts')).runServeHostile();
  if (want('faults')) {
    const faults = await import('./faults.ts');
    const matrix = await faults.faultsBench(process.argv.slice(2));
    faults.mergeResults(matrix);
    console.log(`\n${faults.report(matrix)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (!matrix.ok) process.exitCode = 1;
  }
  if (want('cli-start')) {
    const cli = await import('./cli-start.ts');
    const start = await cli.cliStartBench();
    cli.mergeResults(start);
    console.log(`\n${cli.report(start)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (!Object.values(start.targets).every((t) => t.ok)) process.exitCode = 1;
  }
  if (want('lab-scale')) {
    const scale = await import('./lab-scale.ts');
    const curve = scale.labScaleBench(scale.sizesFrom(process.argv.slice(2)));
    scale.mergeResults(curve);
    console.log(`\n${scale.report(curve)}\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`);
    if (!Object.values(curve.targets).every((x) => x.ok)) process.exitCode = 1;
  }
  if (want('fleet')) {
    const fleet = await import('./fleet.ts');
    const b = await fleet.runFleet();
    fleet.mergeFleet(b);
    console.log('');
    fleet.printFleet(b);
  }
  if (want('registry-team')) {
    const team = await import('./registry-team.ts');
    const b = await team.registryTeamBench();
    if (b) {
      team.mergeResults(b);
      console.log(`\n${team.report(b)}`);
      if (!b.ok) process.exitCode = 1;
    }
  }
}

function routes(started: number): void {
  let t = performance.now();
  const size = writeDocument(BIG_FILE, 1_000_000, 4) + writeDocument(V6_FILE, V6_ROUTES, 6);
  const generateMs = performance.now() - t;
  const small = phase100k();
  t = performance.now();
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, fileURLToPath(import.meta.url), '--phase=1m'],
    {
      encoding: 'utf8',
      maxBuffer: 16 * MB,
    },
  );
  if (child.status !== 0) throw new Error(`1M phase failed: ${child.stderr}`);
  const big = JSON.parse(child.stdout) as ReturnType<typeof phase1m>;

  const targets = {
    streamingVsJsonParse: { want: '>= 0.5', ok: small.ratio >= 0.5 },
    peakRss1m: { want: '< 600 MB', ok: big.peakRssMB < 600 },
    bytesPerRoute1m: { want: '< 150 (aim < 100)', ok: big.bytesPerRoute < 150 },
    lookup: { want: '< 1000 us', ok: Math.max(big.lookupUs, big.lookup6Us) < 1000 && big.lookupHits === 1 },
  };
  const results = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? '?',
      cores: os.cpus().length,
      node: process.version,
      os: os.release(),
    },
    git: (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
      } catch {
        return null;
      }
    })(),
    generate: { ms: generateMs, bytes: size },
    routes100k: small,
    routes1m: big,
    targets,
    totalSeconds: (performance.now() - started) / 1000,
  };
  writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(results, null, 2) + '\n');

  const lines = [
    `routedeck bench — ${results.machine.cpu} ×${results.machine.cores}, node ${process.version}`,
    row(['', 'ms', 'MB/s', 'routes/s']),
    row([
      '100k JSON.parse (whole string)',
      small.jsonParse.ms,
      small.jsonParse.mbPerS,
      small.jsonParse.routesPerS,
    ]),
    row([
      '100k streaming → compact table',
      small.streaming.ms,
      small.streaming.mbPerS,
      small.streaming.routesPerS,
    ]),
    row(['1M streaming from file', big.ingestMs, big.mbPerS, big.routesPerS]),
    row([
      '+200k IPv6 streaming from file',
      big.ingest6Ms,
      big.file6MB / (big.ingest6Ms / 1000),
      big.routes6 / (big.ingest6Ms / 1000),
    ]),
    '',
    row([
      'streaming / JSON.parse throughput',
      small.ratio,
      targets.streamingVsJsonParse.want,
      ok(targets.streamingVsJsonParse.ok),
    ]),
    row(['1M+200k peak RSS (MB)', big.peakRssMB, targets.peakRss1m.want, ok(targets.peakRss1m.ok)]),
    row([
      '1M+200k bytes/route',
      big.bytesPerRoute,
      targets.bytesPerRoute1m.want,
      ok(targets.bytesPerRoute1m.ok),
    ]),
    row(['  with both LPM indexes', big.bytesPerRouteWithIndex, '', '']),
    row([
      'LPM index build v4 / v6 (ms)',
      `${big.indexBuildMs.toFixed(0)} / ${big.index6BuildMs.toFixed(0)}`,
      '',
      '',
    ]),
    row([
      'LPM lookup v4 / v6 (µs)',
      `${big.lookupUs.toFixed(2)} / ${big.lookup6Us.toFixed(2)}`,
      targets.lookup.want,
      ok(targets.lookup.ok),
    ]),
    '',
    `documents ${big.fileMB.toFixed(0)} + ${big.file6MB.toFixed(0)} MB generated in ${(generateMs / 1000).toFixed(1)} s; ` +
      `total ${results.totalSeconds.toFixed(0)} s; results in bench/out/results.json`,
  ];
  console.log(lines.join('\n'));
  if (!Object.values(targets).every((x) => x.ok)) process.exitCode = 1;
}

function ok(pass: boolean): string {
  return pass ? 'ok' : 'MISSED';
}

await main();
