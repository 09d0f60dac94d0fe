/**
 * The embedded lab's scaling curve (issue 16): `routedeck lab sim` at 100 / 250 / 500 / 1,000 hosts
 * (50 workloads a host, 4 routers, 20 tenants), each size in its own child process so its peak RSS
 * is its own. Per size: model build (createSimFabric: build + convergence), whole start (build plus
 * every device's SSH server and the routers' HTTPS APIs on 127.0.0.1), peak RSS, and one router's
 * `show ip route vrf all json` (all its routes) first and again with nothing changed.
 * Alone: `node --import tsx bench/lab-scale.ts [--sizes=100,250]`; in `npm run bench` as `lab-scale`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const OUT = fileURLToPath(new URL('./out/', import.meta.url));
const RESULTS = path.join(OUT, 'results.json');
const MARK = '\u0000lab-scale:';
const SIZES = [100, 250, 500, 1000];
const MB = 1024 * 1024;

export interface LabScaleRow {
  hosts: number;
  workloads: number;
  devices: number;
  routerRoutes: number;
  buildMs: number;
  startMs: number;
  /** CPU time of this process for the same spans: what a busy machine's wall clock hides. */
  buildCpuMs: number;
  startCpuMs: number;
  peakRssMB: number;
  renderMs: number;
  renderAgainMs: number;
  renderMB: number;
}

export interface LabScaleBench {
  date: string;
  machine: { cpu: string; cores: number; node: string; load1: number };
  rows: LabScaleRow[];
  targets: Record<string, { want: string; got: string; ok: boolean }>;
}

/** One size, in this (child) process. */
async function measure(hosts: number): Promise<LabScaleRow> {
  const { createSimFabric } = await import('../src/lab/sim/fabric.ts');
  const { startSimLab } = await import('../src/lab/sim/lab.ts');
  const dir = path.join(OUT, `lab-scale-${hosts}`);
  rmSync(dir, { recursive: true, force: true });
  const workloads = hosts * 50;
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  const cpu0 = cpu();
  const started = performance.now();
  const fabric = createSimFabric({ hosts, routers: 4, workloads, tenants: 20 });
  const buildMs = performance.now() - started;
  const buildCpuMs = cpu() - cpu0;
  const lab = await startSimLab({ fabric, dir, writeState: false });
  const startMs = performance.now() - started;
  const startCpuMs = cpu() - cpu0;
  const spine = fabric.device('spine1');
  if (!spine) throw new Error('no spine1');
  let t = performance.now();
  const first = await spine.exec("vtysh -c 'show ip route vrf all json'");
  const renderMs = performance.now() - t;
  t = performance.now();
  await spine.exec("vtysh -c 'show ip route vrf all json'");
  const renderAgainMs = performance.now() - t;
  // Each VRF is its own document, one after another (zebra ≤ 9.1): count their bgp entries.
  const routerRoutes = first.stdout.split('"protocol":"bgp"').length - 1;
  const row: LabScaleRow = {
    hosts,
    workloads,
    devices: lab.devices.length,
    routerRoutes,
    buildMs,
    startMs,
    buildCpuMs,
    startCpuMs,
    peakRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
    renderMs,
    renderAgainMs,
    renderMB: Buffer.byteLength(first.stdout) / MB,
  };
  await lab.stop();
  fabric.close();
  rmSync(dir, { recursive: true, force: true });
  return row;
}

function runChild(hosts: number): LabScaleRow {
  const child = spawnSync(process.execPath, [...process.execArgv, SELF, `--child=${hosts}`], {
    encoding: 'utf8',
    maxBuffer: 16 * MB,
  });
  const at = child.stdout.indexOf(MARK);
  if (child.status !== 0 || at < 0) throw new Error(`lab-scale ${hosts} hosts failed: ${child.stderr}`);
  return JSON.parse(child.stdout.slice(at + MARK.length)) as LabScaleRow;
}

export function labScaleBench(sizes: readonly number[] = SIZES): LabScaleBench {
  const rows = sizes.map(runChild);
  const small = rows.find((r) => r.hosts === 100);
  const big = rows.find((r) => r.hosts === 1000);
  const targets: LabScaleBench['targets'] = {};
  if (big) {
    targets['labStart1000'] = {
      want: '< 60 s',
      got: `${(big.startMs / 1000).toFixed(1)} s`,
      ok: big.startMs < 60_000,
    };
    targets['labRss1000'] = {
      want: '< 2048 MB',
      got: `${big.peakRssMB.toFixed(0)} MB`,
      ok: big.peakRssMB < 2048,
    };
  }
  if (big && small) {
    // CPU time, not wall: on a shared machine the wall clock measures the neighbours too.
    const ratio = big.buildCpuMs / small.buildCpuMs;
    targets['labBuildLinear'] = {
      want: '1,000-host build < 12× 100-host (CPU)',
      got: `${ratio.toFixed(1)}×`,
      ok: ratio < 12,
    };
  }
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? '?',
      cores: os.cpus().length,
      node: process.version,
      load1: os.loadavg()[0] ?? 0,
    },
    rows,
    targets,
  };
}

export function report(b: LabScaleBench): string {
  const head = [
    'hosts',
    'workloads',
    'devices',
    'spine1 v4 routes',
    'build s (cpu)',
    'start s (cpu)',
    'peak RSS MB',
    'render ms (again)',
  ];
  const cells = b.rows.map((r) => [
    String(r.hosts),
    String(r.workloads),
    String(r.devices),
    String(r.routerRoutes),
    `${(r.buildMs / 1000).toFixed(1)} (${(r.buildCpuMs / 1000).toFixed(1)})`,
    `${(r.startMs / 1000).toFixed(1)} (${(r.startCpuMs / 1000).toFixed(1)})`,
    r.peakRssMB.toFixed(0),
    `${r.renderMs.toFixed(0)} (${r.renderAgainMs.toFixed(0)}) ${r.renderMB.toFixed(0)} MB`,
  ]);
  const line = (c: string[]) => c.map((x, i) => x.padEnd(i === 7 ? 0 : 17)).join('');
  return [
    `lab sim scale — ${b.machine.cpu} ×${b.machine.cores}, node ${b.machine.node}, load ${b.machine.load1.toFixed(1)}`,
    line(head),
    ...cells.map(line),
    '',
    ...Object.entries(b.targets).map(
      ([k, t]) => `${k.padEnd(16)}${t.got.padEnd(10)}${t.want.padEnd(34)}${t.ok ? 'ok' : 'MISSED'}`,
    ),
  ].join('\n');
}

export function mergeResults(b: LabScaleBench): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(OUT, { recursive: true });
  const targets = { ...(previous['targets'] as object | undefined), ...b.targets };
  writeFileSync(RESULTS, JSON.stringify({ ...previous, labScale: b, targets }, null, 2) + '\n');
}

/** `--sizes=100,250` picks sizes (default 100, 250, 500, 1000). */
export function sizesFrom(argv: readonly string[]): number[] {
  const arg = argv.find((a) => a.startsWith('--sizes='));
  if (!arg) return SIZES;
  const sizes = arg.slice('--sizes='.length).split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 1000))
    throw new Error(`--sizes: whole numbers from 1 to 1000, got ${arg}`);
  return sizes;
}

const child = process.argv.find((a) => a.startsWith('--child='));
if (process.argv[1] === SELF && child) {
  const row = await measure(Number(child.slice('--child='.length)));
  process.stdout.write(`${MARK}${JSON.stringify(row)}`, () => process.exit(0));
} else if (process.argv[1] === SELF) {
  const b = labScaleBench(sizesFrom(process.argv.slice(2)));
  mergeResults(b);
  console.log(report(b));
  if (!Object.values(b.targets).every((x) => x.ok)) process.exitCode = 1;
}
