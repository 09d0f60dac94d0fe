/**
 * Route-table ingest benchmark (`npm run bench`). Prints a table and writes bench/out/results.json.
 *   1. 100k routes in memory: streaming parser + CompactRouteTable vs plain JSON.parse (best of 3).
 *   2. 1M routes from a file on disk, read in 64 KiB chunks as an SSH channel delivers them, in a
 *      child process so its peak RSS is its own: RSS, bytes a route, lookup time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RouteStreamParser } from '../src/drivers/frr/route-stream.ts';
import { CompactRouteTableBuilder, type CompactRouteTable } from '../src/model/compact-route-table.ts';
import { routeDocument, routePrefix, writeRouteDocument } from './routes.ts';

const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const BIG_FILE = path.join(OUT, 'routes-1m.json');
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

function ingest(feed: (write: (chunk: Buffer) => void) => void): CompactRouteTable {
  const builder = new CompactRouteTableBuilder();
  const parser = new RouteStreamParser(builder, { defaultVrf: 'INTERNET' });
  feed((chunk) => parser.write(chunk));
  parser.end();
  return builder.finish();
}

function phase100k() {
  const text = routeDocument(100_000);
  const bytes = Buffer.from(text);
  const parse = bestOf(3, () => Object.keys(JSON.parse(text) as object).length);
  const stream = bestOf(3, () =>
    ingest((write) => {
      for (let i = 0; i < bytes.length; i += CHUNK) write(bytes.subarray(i, i + CHUNK));
    }),
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

function phase1m() {
  gc();
  let peakRss = process.memoryUsage.rss();
  const t = performance.now();
  const fd = openSync(BIG_FILE, 'r');
  const table = ingest((write) => {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (let n, i = 0; (n = readSync(fd, buf, 0, CHUNK, null)) > 0; i++) {
      // A fresh chunk each time, as a socket delivers them (the parser may keep a reference).
      write(Buffer.from(buf.subarray(0, n)));
      if (i % 256 === 0) peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }
  });
  closeSync(fd);
  const ingestMs = performance.now() - t;
  const bytesPerRoute = table.bytesUsed() / table.size;

  // First lookup builds the index; then timed lookups of random addresses inside known prefixes.
  let t0 = performance.now();
  const first = table.lookup('1.0.0.1', 'INTERNET');
  const indexMs = performance.now() - t0;
  const queries = Array.from(
    { length: 100_000 },
    (_, i) => routePrefix((i * 7919) % table.size).split('/')[0]!,
  );
  let hits = 0;
  t0 = performance.now();
  for (const q of queries) if (table.lookup(q, 'INTERNET')) hits++;
  const lookupUs = ((performance.now() - t0) * 1000) / queries.length;
  peakRss = Math.max(peakRss, process.memoryUsage.rss());
  return {
    routes: table.size,
    fileMB: statSync(BIG_FILE).size / MB,
    ingestMs,
    mbPerS: statSync(BIG_FILE).size / MB / (ingestMs / 1000),
    routesPerS: table.size / (ingestMs / 1000),
    peakRssMB: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / MB,
    bytesPerRoute,
    bytesPerRouteWithIndex: table.bytesUsed() / table.size,
    indexBuildMs: indexMs,
    lookupUs,
    lookupHits: hits / queries.length,
    firstLookup: first?.prefix ?? null,
  };
}

function writeBigFile(count: number): number {
  mkdirSync(OUT, { recursive: true });
  const fd = openSync(BIG_FILE, 'w');
  writeRouteDocument(count, (piece) => writeSync(fd, piece), { vrfName: 'INTERNET', vrfId: 5 });
  closeSync(fd);
  return statSync(BIG_FILE).size;
}

function row(cells: (string | number)[]): string {
  return cells
    .map((c, i) => (typeof c === 'number' ? c.toFixed(c < 10 ? 2 : 0) : c).padEnd(i ? 19 : 34))
    .join('');
}

function main(): void {
  if (process.argv.includes('--phase=1m')) {
    process.stdout.write(JSON.stringify(phase1m()));
    return;
  }
  const started = performance.now();
  let t = performance.now();
  const size = writeBigFile(1_000_000);
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
    lookup: { want: '< 1000 us', ok: big.lookupUs < 1000 },
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
    generate1m: { ms: generateMs, bytes: size },
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
    '',
    row([
      'streaming / JSON.parse throughput',
      small.ratio,
      targets.streamingVsJsonParse.want,
      ok(targets.streamingVsJsonParse.ok),
    ]),
    row(['1M peak RSS (MB)', big.peakRssMB, targets.peakRss1m.want, ok(targets.peakRss1m.ok)]),
    row([
      '1M table bytes/route',
      big.bytesPerRoute,
      targets.bytesPerRoute1m.want,
      ok(targets.bytesPerRoute1m.ok),
    ]),
    row(['1M bytes/route with LPM index', big.bytesPerRouteWithIndex, '', '']),
    row(['LPM index build (ms)', big.indexBuildMs, '', '']),
    row(['LPM lookup (µs, 100k random)', big.lookupUs, targets.lookup.want, ok(targets.lookup.ok)]),
    '',
    `1M document ${big.fileMB.toFixed(0)} MB generated in ${(generateMs / 1000).toFixed(1)} s; ` +
      `total ${results.totalSeconds.toFixed(0)} s; results in bench/out/results.json`,
  ];
  console.log(lines.join('\n'));
  if (!Object.values(targets).every((x) => x.ok)) process.exitCode = 1;
}

function ok(pass: boolean): string {
  return pass ? 'ok' : 'MISSED';
}

main();
