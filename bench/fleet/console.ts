/**
 * The console measured by bench/fleet.ts, in its own process: the production wiring (openFabric: SSH
 * pool, poller, store, workload index) and the ink UI on the Workloads view in a 120×40 fake terminal,
 * with the console's poll intervals (routers 2 s, hosts 3 s). Commands arrive as JSON lines on stdin;
 * results leave as `<tag> <json>` lines on stdout.
 */
import '../console/tty-env.ts';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { getHeapSpaceStatistics, getHeapStatistics, writeHeapSnapshot } from 'node:v8';
import { useFastAnsi } from '../../components/render/fast-ansi.ts';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { adoptOnStart } from '../../src/workflows/service/adopt-start.ts';
import { tuneHeapForConsole } from '../../src/cli/common/heap.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { FakeTerminal } from '../console/terminal.ts';
import type { ExecDeps } from '../../src/workflows/execute/types.ts';
import { verifyStep } from '../../src/workflows/execute/verify.ts';
import type { FleetChildReport, FleetCommand } from './protocol.ts';
import { allocationsTo, profileTo } from '../cpu-profile.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (tag: string, value: unknown = {}) => process.stdout.write(`${tag} ${JSON.stringify(value)}\n`);
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
};

let fabric: Fabric | null = null;
let term: FakeTerminal | null = null;
let watch: { prefix: string; vrf: string } | null = null;
let steadyMs = 60_000;
let startedAt = 0;
const report: Partial<FleetChildReport> = {};

function prefixesIndexed(): number {
  return fabric?.store.getState().workloads.length ?? 0;
}

async function start(command: Extract<FleetCommand, { type: 'start' }>): Promise<void> {
  const inventory = loadInventoryFile(command.inventoryPath);
  watch = command.watch;
  steadyMs = command.steadyMs;
  const t = performance.now();
  startedAt = t;
  // As runConsole does (src/cli/common/heap.ts), and as run.ts does before ink loads.
  tuneHeapForConsole();
  useFastAnsi();
  const { startConsole } = await import('../../components/index.ts');
  fabric = openFabric(
    inventory,
    { kind: 'lab-sim', label: 'LAB (simulated)' },
    {
      poller: { intervalMs: { router: 2_000, hypervisor: 3_000 } },
      settleFirst: true,
    },
  );
  traceRouterCommands(fabric);
  // The registry and workflow service, as runConsole opens them (src/cli/common/console.ts): the
  // Workloads view names each row from its records, re-read when the registry changes.
  const workflows = await openWorkflows(inventory, fabric, { registryPath: command.registryPath });
  const wf = workflows.service;
  adoptOnStart(fabric.store, wf);
  term = new FakeTerminal(120, 40);
  startConsole({
    store: fabric.store,
    poller: fabric.poller,
    workflows: wf,
    stdin: term.stdin as unknown as NodeJS.ReadStream,
    stdout: term.stdout as unknown as NodeJS.WriteStream,
    initialView: 'workloads',
  });
  // ROUTEDECK_FLEET_PROFILE_START=file: a CPU profile of the console from its start to the first picture.
  const stopProfile = await profileTo('ROUTEDECK_FLEET_PROFILE_START');
  // ROUTEDECK_FLEET_ALLOC_START=file: what the console allocates from its start to the first picture.
  const stopAllocations = await allocationsTo('ROUTEDECK_FLEET_ALLOC_START');
  // What the start cost this process (CPU, and the collector's part of it): wall time alone varies with
  // the machine's hour (a fixed loop here ran 563–854 ms on one day), the work done less so.
  const startGc = watchGc();
  const startCpu = process.cpuUsage();
  fabric.poller.start();
  // ROUTEDECK_FLEET_DEBUG: how the first picture fills in (devices polled, routers read, index size).
  let progress = '';
  for (;;) {
    const state = fabric.store.getState();
    const all = state.deviceOrder.every((n) => state.devices[n]?.snapshot !== null);
    if (process.env['ROUTEDECK_FLEET_DEBUG']) {
      const polled = state.deviceOrder.filter((n) => state.devices[n]?.snapshot).length;
      const routers = state.deviceOrder
        .filter((n) => state.devices[n]?.spec.role === 'router')
        .map(
          (n) =>
            `${n}:${state.devices[n]?.snapshot?.routes.size ?? '-'}${state.devices[n]?.polling ? '*' : ''}`,
        );
      const line = `polled ${polled}/${state.deviceOrder.length} ${routers.join(' ')} index ${prefixesIndexed()}${state.indexPending ? ' pending' : ''}`;
      if (line !== progress)
        process.stderr.write(`start +${((performance.now() - t) / 1000).toFixed(1)} s ${line}\n`);
      progress = line;
    }
    // Complete: every device answered once and the index holds all of it — every prefix, and no build
    // still waiting for a poll (the routers' inferred entries count the prefixes before the hosts' own
    // announcements are in; a build pending then would leave the last hosts' rows a build behind).
    if (all && prefixesIndexed() >= command.expectedPrefixes && !state.indexPending) break;
    await sleep(100);
  }
  report.firstPictureMs = performance.now() - t;
  const cpu = process.cpuUsage(startCpu);
  const pauses = startGc.stop();
  const gcOf = (kind: string) =>
    pauses.filter((p) => p.kind === kind).reduce((sum, p) => sum + p.duration, 0);
  report.start = {
    cpuMs: (cpu.user + cpu.system) / 1000,
    gcMs: pauses.reduce((sum, p) => sum + p.duration, 0),
    majorGcMs: gcOf('major'),
    majorGcs: pauses.filter((p) => p.kind === 'major').length,
  };
  await stopProfile();
  await stopAllocations();
  report.prefixes = prefixesIndexed();
  say('first-picture', { ms: report.firstPictureMs });
}

/**
 * Until every router's tables are read settled: a router's first read is confirmed by a second once
 * its signature is 5 s old (route-check.ts), and those reads are start-up cost, not steady state.
 */
async function settle(): Promise<void> {
  const store = fabric!.store;
  for (;;) {
    const state = store.getState();
    const routers = state.deviceOrder.filter((n) => state.devices[n]?.spec.role === 'router');
    if (routers.every((n) => state.devices[n]?.snapshot?.routeCheck?.settled !== false)) break;
    await sleep(100);
  }
  report.settledMs = performance.now() - startedAt;
  say('settled', { ms: report.settledMs });
}

/** Nothing changes: CPU and peak RSS over the window, and `j` pressed every 250 ms, key → frame. */
async function steady(): Promise<void> {
  const t = term!;
  while (!t.listening()) await sleep(5);
  if (process.env['ROUTEDECK_FLEET_DEBUG'])
    process.stderr.write(
      `terminal before the window: ${t.writes} writes, ${(t.written / 1e6).toFixed(1)} M characters\n`,
    );
  (globalThis as { gc?: () => void }).gc?.();
  const mem = process.memoryUsage();
  const mb = (bytes: number) => bytes / 1024 / 1024;
  report.afterGc = {
    rssMB: mb(mem.rss),
    heapUsedMB: mb(mem.heapUsed),
    heapTotalMB: mb(mem.heapTotal),
    externalMB: mb(mem.external),
    arrayBuffersMB: mb(mem.arrayBuffers),
    mallocedMB: mb(getHeapStatistics().malloced_memory),
  };
  if (process.env['ROUTEDECK_FLEET_DEBUG'])
    for (const sp of getHeapSpaceStatistics())
      process.stderr.write(
        `heap space ${sp.space_name}: ${mb(sp.space_used_size).toFixed(0)} MB used of ${mb(sp.space_size).toFixed(0)} MB (physical ${mb(sp.physical_space_size).toFixed(0)} MB)\n`,
      );
  // ROUTEDECK_FLEET_HEAP=file: a heap snapshot at that moment (what the live heap is made of).
  if (process.env['ROUTEDECK_FLEET_HEAP']) writeHeapSnapshot(process.env['ROUTEDECK_FLEET_HEAP']);
  // ROUTEDECK_FLEET_CHURN=prefix: two snapshots 10 s apart (prefix-a/-b.heapsnapshot): the objects in the
  // second made after the first (higher ids) are what the steady console keeps replacing — the old
  // space's growth between full collections.
  const churn = process.env['ROUTEDECK_FLEET_CHURN'];
  if (churn) {
    writeHeapSnapshot(`${churn}-a.heapsnapshot`);
    await sleep(10_000);
    writeHeapSnapshot(`${churn}-b.heapsnapshot`);
  }
  // ROUTEDECK_FLEET_PROFILE=file: a CPU profile of the console over the steady window alone.
  const stopProfile = await profileTo('ROUTEDECK_FLEET_PROFILE');
  // ROUTEDECK_FLEET_ALLOC=file: what the steady console allocates (sampled, collected objects too).
  const stopAllocations = await allocationsTo('ROUTEDECK_FLEET_ALLOC');
  const cpu = process.cpuUsage();
  const started = performance.now();
  let peak = process.memoryUsage().rss;
  const store = fabric!.store;
  const hostNames = store
    .getState()
    .deviceOrder.filter((n) => store.getState().devices[n]?.spec.role === 'hypervisor');
  let hostPolls = 0;
  // Full table reads per router during the window: a new route table object means one was read.
  const routerNames = store
    .getState()
    .deviceOrder.filter((n) => store.getState().devices[n]?.spec.role === 'router');
  const tableReads = new Map(routerNames.map((n) => [n, 0]));
  const routerPolls = new Map(routerNames.map((n) => [n, 0]));
  const stopCounting = store.subscribe((state, before) => {
    if (state.devices === before.devices) return;
    for (const n of routerNames) {
      const now = state.devices[n]?.snapshot?.routes;
      if (now !== undefined && now !== before.devices[n]?.snapshot?.routes)
        tableReads.set(n, (tableReads.get(n) ?? 0) + 1);
      if (state.devices[n]?.lastSuccessAt !== before.devices[n]?.lastSuccessAt)
        routerPolls.set(n, (routerPolls.get(n) ?? 0) + 1);
    }
  });
  // Host polls counted where they land, not by comparing every host at every store change (that loop
  // was the bench's own cost, ~1 % of a core at 500 hosts, counted as the console's).
  const hosts = new Set(hostNames);
  const pollSucceeded = store.getState().pollSucceeded;
  store.setState({
    pollSucceeded: (name, snapshot) => {
      if (hosts.has(name)) hostPolls++;
      pollSucceeded(name, snapshot);
    },
  });
  const samples: number[] = [];
  // ROUTEDECK_FLEET_DEBUG: the window's GC pauses, and which ones fell in a slow key's wait.
  const gcs = process.env['ROUTEDECK_FLEET_DEBUG'] ? watchGc() : null;
  const slow: { sent: number; at: number }[] = [];
  let cursor = 0;
  while (performance.now() - started < steadyMs) {
    peak = Math.max(peak, process.memoryUsage().rss);
    cursor++;
    const shown = new RegExp(`\\[${cursor + 1}/`);
    const frame = t.next((plain) => shown.test(plain), `cursor ${cursor + 1}`, 30_000);
    const sent = t.press('j');
    const at = await frame;
    samples.push(at - sent);
    if (at - sent > 50) slow.push({ sent, at });
    await sleep(250);
  }
  const wall = performance.now() - started;
  if (gcs) reportGc(gcs.stop(), slow, started);
  if (gcs)
    process.stderr.write(
      `terminal: ${t.writes} writes, ${(t.written / 1e6).toFixed(1)} M characters since the start\n`,
    );
  if (process.env['ROUTEDECK_FLEET_DEBUG']) {
    // What one poll's store update allocates, in this process (no collection between the two reads).
    const host = hostNames[0]!;
    const snap = store.getState().devices[host]!.snapshot!;
    const deltas: number[] = [];
    for (let i = 0; i < 5; i++) {
      const before = getHeapStatistics().used_heap_size;
      store.getState().pollSucceeded(host, snap);
      deltas.push(getHeapStatistics().used_heap_size - before);
    }
    process.stderr.write(`store update a poll: ${deltas.map((d) => (d / 1024).toFixed(0)).join(', ')} kB\n`);
  }
  const used = process.cpuUsage(cpu);
  await stopProfile();
  await stopAllocations();
  stopCounting();
  store.setState({ pollSucceeded });
  const now = Date.now();
  const state = store.getState();
  report.hostPollsPerSecond = hostPolls / (wall / 1000);
  report.routers = routerNames.map((name) => {
    const d = state.devices[name];
    return {
      name,
      lastError: d?.lastError ?? null,
      partialErrors: d?.snapshot?.partialErrors ?? [],
      settled: d?.snapshot?.routeCheck?.settled ?? null,
      tableReads: tableReads.get(name) ?? 0,
      polls: routerPolls.get(name) ?? 0,
    };
  });
  report.hostAgeP50Ms = quantile(
    hostNames.map((n) => now - (state.devices[n]?.lastSuccessAt ?? 0)),
    0.5,
  );
  report.steadyMs = wall;
  report.cpuPercent = ((used.user + used.system) / 1000 / wall) * 100;
  report.peakRssMB = peak / 1024 / 1024;
  report.keys = { count: samples.length, p50: quantile(samples, 0.5), p99: quantile(samples, 0.99) };
  say('steady-done');
}

/**
 * Keys in the views that hold a row per device, per session or per guard element (at 1,000 hosts:
 * 1,004 devices, ~320,000 BGP sessions, 1,000 guard hosts): each opened with its command, then 20 `j`
 * a quarter second apart, key → the frame showing the cursor moved. Back to Workloads after.
 */
async function otherViews(): Promise<void> {
  const t = term!;
  report.views = [];
  for (const view of ['bgp', 'guard', 'devices']) {
    const opened = t.next((plain) => new RegExp(`^${view} .*\\[1/`, 'm').test(plain), `:${view}`, 60_000);
    for (const key of [...`:${view}`, '\r']) {
      t.press(key);
      await sleep(10);
    }
    await opened;
    // The view's first rows are made after the frame that names it: keys once it has settled.
    await sleep(3000);
    await t.settle();
    const rows = new RegExp(`^${view} .*\\[\\d+/(\\d+)\\]`, 'm').exec(t.text())?.[1] ?? '?';
    const samples: number[] = [];
    const at = /\[(\d+)\//.exec(new RegExp(`^${view} .*`, 'm').exec(t.text())?.[0] ?? '')?.[1];
    let cursor = Number(at ?? 1);
    for (let i = 0; i < 20; i++) {
      const shown = new RegExp(`\\[${cursor + 1}/`);
      const frame = t.next((plain) => shown.test(plain), `${view} cursor ${cursor + 1}`, 30_000);
      const sent = t.press('j');
      // A key lost or answered after 30 s counts as 30 s (and the next waits for its own cursor).
      samples.push(await frame.then((when) => when - sent).catch(() => 30_000));
      cursor++;
      await sleep(250);
    }
    if (process.env['ROUTEDECK_FLEET_DEBUG'])
      process.stderr.write(`keys in :${view}: ${samples.map((ms) => ms.toFixed(0)).join(' ')} ms\n`);
    report.views.push({
      view,
      rows,
      count: samples.length,
      p50: quantile(samples, 0.5),
      p99: quantile(samples, 0.99),
    });
  }
  const back = t.next((plain) => /^workloads /m.test(plain), ':workloads', 60_000);
  for (const key of [...':workloads', '\r']) {
    t.press(key);
    await sleep(10);
  }
  await back;
  say('views-done');
}

interface GcPause {
  start: number;
  duration: number;
  kind: string;
}

function watchGc(): { stop(): GcPause[] } {
  const pauses: GcPause[] = [];
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind ?? -1;
      pauses.push({ start: e.startTime, duration: e.duration, kind: kinds[kind] ?? String(kind) });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    stop() {
      observer.disconnect();
      return pauses;
    },
  };
}

function reportGc(pauses: GcPause[], slow: { sent: number; at: number }[], started: number): void {
  const byKind = new Map<string, number[]>();
  for (const p of pauses) byKind.set(p.kind, [...(byKind.get(p.kind) ?? []), p.duration]);
  for (const [kind, d] of byKind)
    process.stderr.write(
      `gc ${kind}: ${d.length} pauses, max ${Math.max(...d).toFixed(1)} ms, total ${d.reduce((a, b) => a + b, 0).toFixed(0)} ms\n`,
    );
  for (const k of slow) {
    const inside = pauses.filter((p) => p.start < k.at && p.start + p.duration > k.sent);
    const gc = inside.map((p) => `${p.kind} ${p.duration.toFixed(0)} ms`).join(', ') || 'no GC';
    process.stderr.write(
      `slow key at +${((k.sent - started) / 1000).toFixed(1)} s: ${(k.at - k.sent).toFixed(0)} ms (${gc})\n`,
    );
  }
}

/** Resolves with the wall-clock time the store first shows `host` announcing the watched prefix to the routers. */
async function watchSwitch(host: string, mode: 'watch' | 'execute'): Promise<void> {
  const store = fabric!.store;
  const shows = () => {
    const entry = store.getState().workloads.find((w) => w.prefix === watch!.prefix && w.vrf === watch!.vrf);
    const routers = store
      .getState()
      .deviceOrder.filter((n) => store.getState().devices[n]?.spec.role === 'router');
    return (
      entry !== undefined &&
      routers.every((r) =>
        entry.seenBy.some((v) => v.router === r && v.selected && v.nexthops[0]?.viaHost === host),
      )
    );
  };
  // ROUTEDECK_FLEET_SWITCH_PROFILE=file: a CPU profile of the console from here to the switch seen;
  // ROUTEDECK_FLEET_EXEC_PROFILE=file: the same for the migration the console runs.
  const stopProfile = await profileTo(
    mode === 'watch' ? 'ROUTEDECK_FLEET_SWITCH_PROFILE' : 'ROUTEDECK_FLEET_EXEC_PROFILE',
  );
  say('watching');
  const deadline = Date.now() + 60_000;
  // ROUTEDECK_FLEET_DEBUG: when each router's poll started/ended and its table showed the new hop.
  const debug = process.env['ROUTEDECK_FLEET_DEBUG'] ? new Map<string, string>() : null;
  const t0 = 0;
  let lastIndex: unknown = null;
  // When the Workloads row's host (the hosts' own announcements) shows the target too.
  const announced = () =>
    store
      .getState()
      .workloads.find((w) => w.prefix === watch!.prefix && w.vrf === watch!.vrf)
      ?.announcers.some((a) => a.host === host && a.source === 'host') ?? false;
  let seenAt: number | null = null;
  let hostAt: number | null = null;
  // With DEBUG: each stretch the event loop was held past 100 ms while watching.
  let beat = Date.now();
  const stalls = debug
    ? setInterval(() => {
        const t = Date.now();
        if (t - beat > 120) process.stderr.write(`+${t} loop held ${t - beat - 20} ms\n`);
        beat = t;
      }, 20)
    : null;
  await new Promise<void>((resolve) => {
    const stop = store.subscribe((state) => {
      if (debug) {
        for (const n of state.deviceOrder) {
          const d = state.devices[n]!;
          if (n === host && d.snapshot) {
            const line = `${d.polling ? 'polling' : 'idle'} ${d.lastSuccessAt! - t0} index=${state.indexPending}`;
            if (debug.get(n) !== line) process.stderr.write(`+${Date.now() - t0} ${n} ${line}\n`);
            debug.set(n, line);
          }
          if (d.spec.role !== 'router' || !d.snapshot) continue;
          const hop = d.snapshot.routes.lookup(watch!.prefix.split('/')[0]!, watch!.vrf)?.nexthops[0];
          const line = `${d.polling ? 'polling' : 'idle'} ${d.lastSuccessAt! - t0} ${hop?.ip ?? hop?.interface}`;
          if (debug.get(n) !== line)
            process.stderr.write(`+${Date.now() - t0} ${n} ${line} index=${state.indexPending}\n`);
          debug.set(n, line);
        }
      }
      // The index is a new array when it was built again: only then can it show the target (a search
      // of 100k entries at each of a hundred store changes a second was the bench's own load).
      if (state.workloads === lastIndex && Date.now() <= deadline) return;
      lastIndex = state.workloads;
      if (debug && shows()) process.stderr.write(`+${Date.now() - t0} index shows target\n`);
      if (hostAt === null && announced()) {
        hostAt = Date.now();
        if (debug) process.stderr.write(`+${hostAt - t0} index shows the host announcing\n`);
      }
      if (seenAt === null && shows()) seenAt = Date.now();
      if ((seenAt !== null && hostAt !== null) || Date.now() > deadline) {
        stop();
        resolve();
      }
    });
  });
  if (stalls) clearInterval(stalls);
  await stopProfile();
  say('switch-seen', { at: seenAt, hostAt });
}

/**
 * What the console running the migration does once the target announces: the executor's targeted
 * verification (the production verifyStep: each router asked for the prefix on its own vtysh session,
 * polled once it switched). Only the parts of ExecDeps verification uses are given.
 */
async function verifyLikeTheExecutor(host: string): Promise<void> {
  const f = fabric!;
  const state = f.store.getState();
  const routers = state.deviceOrder.filter((n) => state.devices[n]?.spec.role === 'router');
  const deps = {
    runnerFor: (name: string) => f.ssh.get(f.store.getState().devices[name]!.spec),
    store: f.store,
    poller: f.poller,
  } as unknown as ExecDeps;
  await verifyStep(
    [{ prefix: watch!.prefix, vrf: watch!.vrf, expect: 'announced-by', host, routers, timeoutMs: 30_000 }],
    { step: 'bench', device: host, deps, now: Date.now, onConverged: () => undefined },
  ).catch((error: unknown) => process.stderr.write(`verification: ${String(error)}\n`));
}

/** One host answers every command 2 s late: how often the others are polled meanwhile. */
async function slowWindow(slowHost: string): Promise<void> {
  const store = fabric!.store;
  const last = new Map<string, number>();
  const intervals: number[] = [];
  let slowPolls = 0;
  const started = performance.now();
  const stop = store.subscribe((state) => {
    for (const name of state.deviceOrder) {
      const at = state.devices[name]?.snapshot?.collectedAt;
      if (at === undefined || last.get(name) === at) continue;
      const before = last.get(name);
      last.set(name, at);
      if (before === undefined) continue;
      if (name === slowHost) slowPolls++;
      else intervals.push(at - before);
    }
  });
  await sleep(20_000);
  stop();
  report.slow = {
    windowMs: performance.now() - started,
    otherIntervalP50Ms: quantile(intervals, 0.5),
    otherIntervalMaxMs: Math.max(...intervals),
    slowHostPolls: slowPolls,
  };
  say('slow-done');
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const command = JSON.parse(line) as FleetCommand;
  if (command.type === 'start') await start(command);
  else if (command.type === 'settle') await settle();
  else if (command.type === 'steady') await steady();
  else if (command.type === 'watch-switch') void watchSwitch(command.host, command.mode);
  else if (command.type === 'verify') void verifyLikeTheExecutor(command.host);
  else if (command.type === 'slow-window') await slowWindow(command.slowHost);
  else if (command.type === 'views') await otherViews();
  else if (command.type === 'report') say('report', report);
}
await (fabric as Fabric | null)?.close();
process.exit(0);

/**
 * ROUTEDECK_FLEET_TRACE=1: every command a router runs during start-up, when it was sent, when its
 * answer ended and how many bytes came (stderr) — where a router's first poll spends its time.
 */
function traceRouterCommands(f: Fabric): void {
  if (!process.env['ROUTEDECK_FLEET_TRACE']) return;
  const ssh = f.ssh;
  const get = ssh.get.bind(ssh);
  const t0 = performance.now();
  const at = () => ((performance.now() - t0) / 1000).toFixed(3);
  const traced = new WeakSet<object>();
  ssh.get = (spec) => {
    const conn = get(spec);
    // ROUTEDECK_FLEET_TRACE=hv1,hv2: those hosts' commands too.
    const hostsTraced = process.env['ROUTEDECK_FLEET_TRACE']!.split(',');
    if ((spec.role !== 'router' && !hostsTraced.includes(spec.name)) || traced.has(conn)) return conn;
    traced.add(conn);
    const exec = conn.exec.bind(conn);
    const execStream = conn.execStream.bind(conn);
    const say = (line: string) =>
      process.stderr.write(`trace +${at()} s (${Date.now()}) ${spec.name} ${line}\n`);
    conn.exec = async (command, options) => {
      const from = at();
      const result = await exec(command, options);
      say(`exec ${from}→ ${result.stdout.length} B ${command.slice(-60)}`);
      return result;
    };
    conn.execStream = async (command, onStdout, options) => {
      const from = at();
      let bytes = 0;
      const result = await execStream(
        command,
        (chunk) => ((bytes += chunk.length), onStdout(chunk)),
        options,
      );
      say(`stream ${from}→ ${bytes} B ${command.slice(-60)}`);
      return result;
    };
    return conn;
  };
}
