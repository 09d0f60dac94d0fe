/**
 * The console watching a large fabric (issue 16): the embedded lab at `ROUTEDECK_FLEET_HOSTS` hosts
 * (default 1,000; 50 workloads a host, 4 routers, 20 tenants) in this process, the console — poller,
 * store, workload index and the ink UI on the Workloads view in a 120×40 fake terminal — in a child
 * process (bench/fleet/console.ts) so its CPU and RSS are its own. Measured:
 *   - first complete picture: every device polled once and every workload prefix in the index, no index build pending;
 *   - steady state with nothing changing: the console's CPU (% of one core) and peak RSS, keystroke →
 *     frame latency (p50/p99) meanwhile, and the bytes each router's and host's SSH server sent per
 *     minute, against one full table dump of a router;
 *     (and the lab's own CPU: one process stands in for every device);
 *   - a workload moved twice between hosts here (announced on a target at MED 0; the second move also
 *     withdraws from the first target): routers switched (read from the model) → the console's store
 *     shows the target, first watched only, then with the executor's targeted verification running;
 *   - one host made slow (2 s a command): the other devices' poll cadence during it.
 * Alone: `node --expose-gc --import tsx bench/fleet.ts`; in `npm run bench` as `fleet`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSimLab } from '../src/lab/sim/lab.ts';
import { loadInventoryFile } from '../src/inventory/load.ts';
import { openRegistry } from '../src/registry/index.ts';
import { ADOPT_BATCH, recordAdoptions } from '../src/workflows/service/adopt.ts';
import { CONSOLE_V8_FLAGS } from '../src/cli/common/heap.ts';
import { profileTo } from './cpu-profile.ts';
import type { FleetChildReport, FleetCommand } from './fleet/protocol.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));
const CHILD = fileURLToPath(new URL('./fleet/console.ts', import.meta.url));
const HOSTS = Number(process.env['ROUTEDECK_FLEET_HOSTS'] ?? 1000);
const STEADY_MS = Number(process.env['ROUTEDECK_FLEET_STEADY_MS'] ?? 60_000);
const WARMUP_MS = 15_000;

export interface FleetBench {
  date: string;
  machine: { cpu: string; cores: number; node: string; load1: number };
  hosts: number;
  devices: number;
  workloads: number;
  labStartMs: number;
  /** Recording every workload in an empty registry (a first start's adoption), in ADOPT_BATCH batches. */
  adoption?: { workloads: number; ms: number; longestBatchMs: number };
  /** The lab process's CPU in the steady window, % of one core. */
  labCpuPercent: number;
  /** The lab process's CPU from the console's start to its first picture. */
  labFirstPictureCpuMs: number;
  console: FleetChildReport;
  bytesPerMinute: { router: number; hostMedian: number; routerFullDump: number; routerShareOfDump: number };
  /** Routers switched → every router's view in the store shows the target: watched only, and as the executor (verification) sees it. */
  switch: {
    routersSwitchedToStoreMs: number | null;
    executorSwitchedToStoreMs: number | null;
    /** Routers switched → the Workloads row's host (the hosts' own announcements) names the target. */
    routersSwitchedToHostShownMs: number | null;
    executorSwitchedToHostShownMs: number | null;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The selected entry's first next hop (address and interface) in a one-prefix `show ip route` answer. */
function firstHop(json: string): string | null {
  const doc = JSON.parse(json) as Record<
    string,
    { selected?: boolean; nexthops?: { ip?: string; interfaceName?: string }[] }[]
  >;
  for (const entries of Object.values(doc)) {
    const hop = (entries.find((e) => e.selected) ?? entries[0])?.nexthops?.[0];
    if (hop) return `${hop.ip ?? ''}%${hop.interfaceName ?? ''}`;
  }
  return null;
}

export async function runFleet(): Promise<FleetBench> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'routedeck-fleet-'));
  const t = performance.now();
  const lab = await startSimLab({
    dir: path.join(dir, 'sim'),
    writeState: false,
    fabricOptions: { hosts: HOSTS, routers: 4, workloads: HOSTS * 50, tenants: 20 },
  });
  const labStartMs = performance.now() - t;
  const routers = lab.devices.filter((d) => d.role === 'router').map((d) => d.name);
  const hosts = lab.devices.filter((d) => d.role === 'hypervisor').map((d) => d.name);
  const router = routers[0]!;
  const dump = await lab.fabric.device(router)!.exec("vtysh -c 'show ip route vrf all json'");
  const dump6 = await lab.fabric.device(router)!.exec("vtysh -c 'show ipv6 route vrf all json'");
  const routerFullDump = dump.stdout.length + dump6.stdout.length;

  // The console runs with its registry, as an engineer's does: one that knows the fleet's workloads (a
  // second start; the first, against an empty registry, records them — fleet.ts reports it below).
  const registryPath = path.join(dir, 'registry.sqlite');
  const registry = openRegistry({ path: registryPath });
  for (const tenant of loadInventoryFile(lab.inventoryPath).tenants) registry.upsertTenant(tenant);
  // Recorded as a first start adopts them: ADOPT_BATCH to a transaction, each batch the longest the
  // console's event loop waits on it (src/workflows/service/adopt.ts).
  const known = lab.fabric.workloads().map((x) => ({ ...x, extraAllowed: [], state: 'active' as const }));
  const adoptStart = performance.now();
  let longestBatchMs = 0;
  for (let i = 0; i < known.length; i += ADOPT_BATCH) {
    const b = performance.now();
    recordAdoptions(registry, known.slice(i, i + ADOPT_BATCH), 'bench', Date.now);
    longestBatchMs = Math.max(longestBatchMs, performance.now() - b);
  }
  const adoption = { workloads: known.length, ms: performance.now() - adoptStart, longestBatchMs };
  registry.close();

  // ROUTEDECK_FLEET_LAB_PROFILE_START=file: a CPU profile of the lab (every device) up to the first picture.
  const stopLabProfile = await profileTo('ROUTEDECK_FLEET_LAB_PROFILE_START');
  // ROUTEDECK_FLEET_NODE_FLAGS: extra node/V8 flags for the console process (a trial, e.g. of GC settings).
  const extra = (process.env['ROUTEDECK_FLEET_NODE_FLAGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...CONSOLE_V8_FLAGS, ...extra, '--expose-gc', '--import', 'tsx', CHILD],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
      env: { ...process.env, NODE_ENV: 'production' },
    },
  );
  const lines: string[] = [];
  const waiters: ((line: string) => void)[] = [];
  let partial = '';
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    for (let i = partial.indexOf('\n'); i >= 0; i = partial.indexOf('\n')) {
      const line = partial.slice(0, i);
      partial = partial.slice(i + 1);
      const waiter = waiters.shift();
      if (waiter) waiter(line);
      else lines.push(line);
    }
  });
  const nextLine = () =>
    new Promise<string>((resolve, reject) => {
      const ready = lines.shift();
      if (ready !== undefined) return resolve(ready);
      waiters.push(resolve);
      child.once('exit', (code) => reject(new Error(`fleet console exited ${code}`)));
    });
  const send = (command: FleetCommand) => child.stdin.write(`${JSON.stringify(command)}\n`);
  const expectLine = async (tag: string) => {
    for (;;) {
      const line = await nextLine();
      if (line.startsWith(`${tag} `)) return JSON.parse(line.slice(tag.length + 1)) as unknown;
      process.stdout.write(`  ${line}\n`);
    }
  };

  const w = lab.fabric.workloads().find((x) => x.vrf === 'default') ?? lab.fabric.workloads()[0]!;
  const labStartCpu = process.cpuUsage();
  send({
    type: 'start',
    inventoryPath: lab.inventoryPath,
    registryPath,
    expectedPrefixes: lab.fabric.workloads().length * 2,
    steadyMs: STEADY_MS,
    watch: { prefix: `${w.ipv4}/32`, vrf: w.vrf },
  });
  await expectLine('first-picture');
  const labFirstCpu = process.cpuUsage(labStartCpu);
  const labFirstPictureCpuMs = (labFirstCpu.user + labFirstCpu.system) / 1000;
  await stopLabProfile();
  // Past the first reads' settling (route tables are re-read until their signature is 5 s old).
  send({ type: 'settle' });
  await expectLine('settled');
  await sleep(WARMUP_MS);
  // Steady state: the bytes each SSH server sends while the console watches and nothing changes.
  const before = new Map(lab.devices.map((d) => [d.name, lab.bytesSent(d.name)]));
  const steadyStart = performance.now();
  // The lab's own CPU in the window: one process stands in for every device, on the same 2 cores;
  // near 100 % of a core it is the lab, not the console, that sets how often devices answer.
  const labCpuStart = process.cpuUsage();
  send({ type: 'steady' });
  await expectLine('steady-done');
  const minutes = (performance.now() - steadyStart) / 60_000;
  const labCpu = process.cpuUsage(labCpuStart);
  const labCpuPercent = ((labCpu.user + labCpu.system) / 1000 / (minutes * 60_000)) * 100;
  // Read now: the migration and slow-host phases below make routers re-read their tables, and
  // their bytes are not steady state (counting them here once made a router look like 100 MB/min).
  const after = new Map(lab.devices.map((d) => [d.name, lab.bytesSent(d.name)]));
  const perMinute = (name: string) => ((after.get(name) ?? 0) - (before.get(name) ?? 0)) / minutes;
  const hostRates = hosts.map(perMinute).sort((a, b) => a - b);

  // Migrations on the model directly: the target announces the /32 at a better metric (MED), the
  // routers switch (polled on the model every 2 ms), then the console's store follows. First watched
  // only (another console, routers at their 2 s interval), then as the console running the migration
  // sees it: the executor's targeted verification asks each router for the prefix and polls it once
  // it switched (src/workflows/execute/verify.ts).
  const hostExec = async (name: string, command: string) => {
    const r = await lab.fabric.device(name)!.exec(`sudo -n ${command}`);
    if (r.code !== 0) throw new Error(`${name}: ${command}: ${r.stderr.trim()}`);
  };
  const hopOf = async () =>
    firstHop((await lab.fabric.device(router)!.exec(`vtysh -c 'show ip route ${w.ipv4}/32 json'`)).stdout);
  // The lab's hosts announce a TAP route of metric 512 at MED 0 (ELEVATED_METRIC, as the executor's
  // make-before-break does); the source's ordinary route has a worse MED. A second move announces on a
  // third host and withdraws from the first, so the routers switch once more.
  const migrate = async (
    target: string,
    tap: string,
    mode: 'watch' | 'execute',
    from?: { host: string; tap: string },
  ) => {
    await hostExec(target, `ip tuntap add ${tap} mode tap`);
    await hostExec(target, `ip link set ${tap} up`);
    // The gateway address every TAP carries (as the executor sets it): the host's table then names it a workload's.
    await hostExec(target, `ip addr add 169.254.0.1/32 dev ${tap}`);
    send({ type: 'watch-switch', host: target, mode });
    await expectLine('watching');
    const sourceHop = await hopOf();
    if (process.env['ROUTEDECK_FLEET_DEBUG']) console.error('source hop', sourceHop, 'target', target, w);
    await hostExec(target, `ip route add ${w.ipv4}/32 dev ${tap} metric 512`);
    // As the executor: its verification starts once the announcing step's command returned.
    if (mode === 'execute') send({ type: 'verify', host: target });
    if (from) await hostExec(from.host, `ip route del ${w.ipv4}/32 dev ${from.tap} metric 512`);
    let switchedAt: number | null = null;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
      // The target announces at a better MED: the router's next hop leaves the source's.
      const hop = await hopOf();
      if (hop !== null && hop !== sourceHop) {
        switchedAt = Date.now();
        if (process.env['ROUTEDECK_FLEET_DEBUG'])
          process.stderr.write(`+${switchedAt} routers switched (spine1 hop ${hop})\n`);
        break;
      }
      await sleep(2);
    }
    const seen = (await expectLine('switch-seen')) as { at: number | null; hostAt: number | null };
    const since = (at: number | null) => (switchedAt !== null && at !== null ? at - switchedAt : null);
    return { routers: since(seen.at), host: since(seen.hostAt) };
  };
  const others = hosts.filter((h) => h !== w.host);
  const watched = await migrate(others[0]!, 'tapfleet1', 'watch');
  const executed = await migrate(others[1]!, 'tapfleet2', 'execute', {
    host: others[0]!,
    tap: 'tapfleet1',
  });

  // One host slow: the others keep their cadence.
  lab.faults.setSlow(hosts[1]!, 2_000);
  send({ type: 'slow-window', slowHost: hosts[1]! });
  await expectLine('slow-done');
  send({ type: 'views' });
  await expectLine('views-done');
  send({ type: 'report' });
  const report = (await expectLine('report')) as FleetChildReport;
  child.stdin.end();
  await new Promise((resolve) => child.once('exit', resolve));
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });

  const routerRate = perMinute(router);
  return {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? '?',
      cores: os.cpus().length,
      node: process.version,
      load1: os.loadavg()[0]!,
    },
    hosts: HOSTS,
    devices: lab.devices.length,
    workloads: lab.fabric.workloads().length,
    labStartMs,
    adoption,
    labCpuPercent,
    labFirstPictureCpuMs,
    console: report,
    bytesPerMinute: {
      router: routerRate,
      hostMedian: hostRates[Math.floor(hostRates.length / 2)] ?? 0,
      routerFullDump,
      routerShareOfDump: routerRate / routerFullDump,
    },
    switch: {
      routersSwitchedToStoreMs: watched.routers,
      executorSwitchedToStoreMs: executed.routers,
      routersSwitchedToHostShownMs: watched.host,
      executorSwitchedToHostShownMs: executed.host,
    },
  };
}

/** SSH bytes the first router sent per successful poll in the steady window. */
function perPoll(b: FleetBench): number {
  const r = b.console.routers[0]!;
  return (b.bytesPerMinute.router * (b.console.steadyMs / 60_000)) / r.polls;
}

export function printFleet(b: FleetBench): void {
  const c = b.console;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const ms = (n: number | null | undefined) => (n === null || n === undefined ? 'not seen' : `${n} ms`);
  console.log(
    [
      `fleet: ${b.hosts} hosts, ${b.devices} devices, ${b.workloads} workloads (lab start ${(b.labStartMs / 1000).toFixed(1)} s, load ${b.machine.load1.toFixed(1)})`,
      `  first complete picture ${(c.firstPictureMs / 1000).toFixed(1)} s (every device polled once, ${c.prefixes} workload prefixes indexed, no build pending); routers' tables confirmed (settled) at ${(c.settledMs / 1000).toFixed(1)} s`,
      `    the console's CPU until then ${(c.start.cpuMs / 1000).toFixed(1)} s, of which GC pauses ${(c.start.gcMs / 1000).toFixed(1)} s (${c.start.majorGcs} full collections, ${(c.start.majorGcMs / 1000).toFixed(1)} s); the lab's ${(b.labFirstPictureCpuMs / 1000).toFixed(1)} s`,
      ...(b.adoption
        ? [
            `  the console's registry knows every workload (a second start); a first start records them: ${b.adoption.workloads} in ${(b.adoption.ms / 1000).toFixed(1)} s of batches, the longest ${b.adoption.longestBatchMs.toFixed(0)} ms`,
          ]
        : []),
      `  host polls meanwhile: ${c.hostPollsPerSecond.toFixed(0)} a second, a host's last poll p50 ${(c.hostAgeP50Ms / 1000).toFixed(1)} s old`,
      `  steady, nothing changing, ${(c.steadyMs / 1000).toFixed(0)} s: console CPU ${c.cpuPercent.toFixed(0)} % of one core, peak RSS ${c.peakRssMB.toFixed(0)} MB; the lab (every device, one process) ${b.labCpuPercent.toFixed(0)} %`,
      `    after a full GC: RSS ${c.afterGc.rssMB.toFixed(0)} MB, JS heap ${c.afterGc.heapUsedMB.toFixed(0)} MB live of ${c.afterGc.heapTotalMB.toFixed(0)} MB, external ${c.afterGc.externalMB.toFixed(0)} MB (array buffers ${c.afterGc.arrayBuffersMB.toFixed(0)} MB), V8 malloc ${c.afterGc.mallocedMB.toFixed(0)} MB`,
      `  keystroke → frame meanwhile: p50 ${c.keys.p50.toFixed(0)} ms, p99 ${c.keys.p99.toFixed(0)} ms (${c.keys.count} keys)`,
      ...(c.views ?? []).map(
        (v) =>
          `    in :${v.view} (${v.rows} rows): p50 ${v.p50.toFixed(0)} ms, p99 ${v.p99.toFixed(0)} ms (${v.count} keys)`,
      ),
      `  bytes a minute: router ${(b.bytesPerMinute.router / 1024).toFixed(0)} kB (${(b.bytesPerMinute.routerShareOfDump * 100).toFixed(2)} % of one full dump, ${mb(b.bytesPerMinute.routerFullDump)} MB), host median ${(b.bytesPerMinute.hostMedian / 1024).toFixed(0)} kB`,
      // The figure depends on how often the router was polled: say that, and what one poll costs.
      ...(c.routers[0] && c.routers[0].polls > 0
        ? [
            `    ${c.routers[0].name} polled ${c.routers[0].polls} times in the window: ${(perPoll(b) / 1024).toFixed(1)} kB a poll, ` +
              `${((perPoll(b) * 30 * 100) / b.bytesPerMinute.routerFullDump).toFixed(2)} % of a dump a minute at its 2 s interval`,
          ]
        : []),
      ...c.routers.map(
        (r) =>
          `  ${r.name} in the window: ${r.tableReads} full table reads, settled ${String(r.settled)}, ` +
          `error ${r.lastError ?? 'none'}, partial ${r.partialErrors.length ? r.partialErrors.join('; ') : 'none'}`,
      ),
      `  routers switched → store shows the target: watching ${ms(b.switch.routersSwitchedToStoreMs)} (routers at their 2 s interval); ` +
        `running the migration ${ms(b.switch.executorSwitchedToStoreMs)} (targeted verification, then that router polled); ` +
        `the Workloads row's host names the target: watching ${ms(b.switch.routersSwitchedToHostShownMs)}, running ${ms(b.switch.executorSwitchedToHostShownMs)}`,
      `  one host slow (2 s a command): other devices' poll interval p50 ${c.slow.otherIntervalP50Ms.toFixed(0)} ms, max ${c.slow.otherIntervalMaxMs.toFixed(0)} ms; the slow host ${c.slow.slowHostPolls} polls in ${(c.slow.windowMs / 1000).toFixed(0)} s`,
    ].join('\n'),
  );
}

export function mergeFleet(bench: FleetBench): void {
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  const all = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  writeFileSync(RESULTS, `${JSON.stringify({ ...all, fleet: bench }, null, 2)}\n`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bench = await runFleet();
  printFleet(bench);
  mergeFleet(bench);
}
