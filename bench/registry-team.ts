/**
 * A team on one PostgreSQL registry (issue 19), on a throwaway cluster (test/helpers/pg-cluster.ts):
 *   1. two processes × 2,000 allocations from one pool, walking the same candidates: duplicates (must
 *      be 0), serialization retries, allocations per second;
 *   2. five consoles recording an apply on distinct workloads at once (lease, status, audited steps):
 *      all applied, audit complete, its seq gap-free and each plan's entries in order;
 *   3. a console on another machine killed mid-apply: how long until its lease lapses (TTL 2 s) and
 *      another console takes it over, and whether a fresh console lists the plan as interrupted.
 *   4. five `routedeck apply` processes at once on the embedded lab, one plan each on distinct
 *      workloads, all through the PostgreSQL registry: exit codes, workloads active, audit complete.
 * Parts 1–3 are the registry's side only; part 4 is the whole path (SSH, VyOS API emulator, verify).
 * Alone: `node --expose-gc --import tsx bench/run.ts registry-team`. Needs PostgreSQL's binaries.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from '../src/cli/run.ts';
import { startSimLab } from '../src/lab/sim/lab.ts';
import { openRegistry } from '../src/registry/index.ts';
import { pgBinaries, startPgCluster } from '../test/helpers/pg-cluster.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));
const CHILD = fileURLToPath(new URL('../test/registry/fixtures/pg-child.ts', import.meta.url));
const ALLOCATIONS = 2000;
const CONSOLES = 5;
const STEPS = 20;
const TTL_MS = 2000;

export interface RegistryTeamBench {
  date: string;
  allocations: {
    processes: 2;
    each: number;
    distinct: number;
    duplicates: number;
    retries: number;
    seconds: number;
    perSecond: number;
  };
  applies: {
    consoles: number;
    applied: number;
    auditRows: number;
    expectedRows: number;
    seqGapFree: boolean;
    perPlanOrdered: boolean;
    seconds: number;
  };
  killed: { ttlMs: number; takeoverAfterMs: number; interruptedListed: boolean };
  labApplies: {
    consoles: number;
    exitedOk: number;
    active: number;
    applied: number;
    auditComplete: boolean;
    seconds: number;
  };
  ok: boolean;
}

function child(args: string[]) {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = out.split('\n').find((l) => l.startsWith(prefix));
        if (hit !== undefined) resolve(hit);
      };
      proc.stdout.on('data', check);
      proc.on('exit', (code) => (check(), reject(new Error(`child ${args[0]} exited ${code}`))));
      check();
    });
  return { proc, line };
}

export async function registryTeamBench(): Promise<RegistryTeamBench | null> {
  const bins = pgBinaries();
  if ('missing' in bins) {
    console.log(`registry-team: skipped (${bins.missing})`);
    return null;
  }
  const cluster = await startPgCluster();
  try {
    // 1. The allocation race.
    const url1 = await cluster.createDatabase('bench_alloc');
    const setup = openRegistry({ path: url1 });
    setup.upsertTenant({ name: 'acme', vrf: 'acme', pools4: ['10.64.0.0/20'], pools6: [] });
    let t = performance.now();
    const racers = [
      child(['allocate', url1, String(ALLOCATIONS)]),
      child(['allocate', url1, String(ALLOCATIONS)]),
    ];
    const results = (await Promise.all(racers.map((r) => r.line('{')))).map(
      (l) => JSON.parse(l) as { addresses: string[]; retries: number },
    );
    const allocSeconds = (performance.now() - t) / 1000;
    const all = results.flatMap((r) => r.addresses);
    const stored = setup.allocated({ vrf: 'acme' });
    const distinct = new Set(stored.map((a) => a.address)).size;
    setup.close();

    // 2. Five consoles applying at once.
    const url2 = await cluster.createDatabase('bench_apply');
    const reg2 = openRegistry({ path: url2 });
    reg2.upsertTenant({ name: 'acme', vrf: 'acme', pools4: ['10.0.0.0/24'], pools6: [] });
    t = performance.now();
    const appliers = Array.from({ length: CONSOLES }, (_, i) =>
      child(['apply', url2, `web-${i}`, String(STEPS)]),
    );
    await Promise.all(appliers.map((a) => a.line('applied ')));
    const applySeconds = (performance.now() - t) / 1000;
    const audit = reg2.audit();
    const seqs = audit.map((a) => a.seq);
    const perPlan = new Map<string, string[]>();
    for (const a of audit) perPlan.set(a.planId, [...(perPlan.get(a.planId) ?? []), a.message]);
    const wantOrder = [...Array.from({ length: STEPS }, (_, i) => `step ${i + 1}`), `${STEPS} steps`];
    const applies = {
      consoles: CONSOLES,
      applied: reg2.plans({ status: 'applied' }).length,
      auditRows: audit.length,
      expectedRows: CONSOLES * (STEPS + 1),
      seqGapFree: seqs.every((s, i) => s === i + 1),
      perPlanOrdered: [...perPlan.values()].every((m) => JSON.stringify(m) === JSON.stringify(wantOrder)),
      seconds: round(applySeconds),
    };
    reg2.close();

    // 3. A console killed mid-apply.
    const url3 = await cluster.createDatabase('bench_killed');
    openRegistry({ path: url3 }).close();
    const dying = child(['die', url3, 'web-9', String(TTL_MS)]);
    const planId = (await dying.line('mid ')).slice('mid '.length);
    dying.proc.kill('SIGKILL');
    await new Promise((resolve) => dying.proc.once('exit', resolve));
    const killedAt = performance.now();
    const rescuer = openRegistry({ path: url3, leaseTtlMs: TTL_MS });
    const me = { console: 'rescuer', operator: 'carol', pid: process.pid, host: hostname() };
    let takeoverAfterMs = -1;
    for (;;) {
      try {
        rescuer.acquireLease('web-9', planId, me);
        takeoverAfterMs = performance.now() - killedAt;
        break;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    rescuer.releaseLeasesOf(planId);
    rescuer.close();
    const fresh = openRegistry({ path: url3, leaseTtlMs: TTL_MS });
    const interruptedListed = fresh.interruptedPlans().some((p) => p.plan.id === planId);
    fresh.close();

    const labApplies = await labAppliesBench(await cluster.createDatabase('bench_lab'));

    const b: RegistryTeamBench = {
      date: new Date().toISOString(),
      allocations: {
        processes: 2,
        each: ALLOCATIONS,
        distinct,
        duplicates: all.length - new Set(all).size,
        retries: results.reduce((n, r) => n + r.retries, 0),
        seconds: round(allocSeconds),
        perSecond: Math.round((2 * ALLOCATIONS) / allocSeconds),
      },
      applies,
      killed: { ttlMs: TTL_MS, takeoverAfterMs: Math.round(takeoverAfterMs), interruptedListed },
      labApplies,
      ok: false,
    };
    b.ok =
      b.allocations.duplicates === 0 &&
      b.allocations.distinct === 2 * ALLOCATIONS &&
      applies.applied === CONSOLES &&
      applies.auditRows === applies.expectedRows &&
      applies.seqGapFree &&
      applies.perPlanOrdered &&
      interruptedListed &&
      labApplies.exitedOk === CONSOLES &&
      labApplies.active === CONSOLES &&
      labApplies.applied === CONSOLES &&
      labApplies.auditComplete;
    return b;
  } finally {
    cluster.stop();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
const BIN = fileURLToPath(new URL('../bin/routedeck.mjs', import.meta.url));

/** Part 4: plans made one by one (in-process), then applied by five console processes at once. */
async function labAppliesBench(url: string): Promise<RegistryTeamBench['labApplies']> {
  const parent = await mkdtemp(path.join(tmpdir(), 'routedeck-bench-team-'));
  const lab = await startSimLab({
    dir: path.join(parent, 'sim'),
    fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
  });
  const env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'bench' };
  try {
    const ids: string[] = [];
    for (let i = 0; i < CONSOLES; i++) {
      let out = '';
      const sink = { write: (c: string) => ((out += c), true) } as unknown as NodeJS.WritableStream;
      const args = ['plan', 'create', `team${i}`, '--tenant', 'acme', '--host', `hv${1 + (i % 4)}`];
      const code = await runCli([...args, '--lab', '--registry', url, '--json'], {
        stdout: sink,
        stderr: sink,
        env,
      });
      if (code !== 0) throw new Error(`plan create team${i}: ${out}`);
      ids.push((JSON.parse(out) as { plan: { id: string } }).plan.id);
    }
    const t = performance.now();
    const codes = await Promise.all(
      ids.map(
        (id, i) =>
          new Promise<number | null>((resolve) => {
            const args = [BIN, 'apply', id, '--lab', '--yes', '--registry', url, '--operator', `op${i}`];
            const proc = spawn(process.execPath, args, {
              env: { ...process.env, ...env, ROUTEDECK_FROM_SOURCE: '1' },
              stdio: ['ignore', 'ignore', 'inherit'],
            });
            proc.on('exit', (code) => resolve(code));
          }),
      ),
    );
    const seconds = round((performance.now() - t) / 1000);
    const reg = openRegistry({ path: url });
    try {
      return {
        consoles: CONSOLES,
        exitedOk: codes.filter((c) => c === 0).length,
        active: ids.filter((_, i) => reg.workload(`team${i}`)?.state === 'active').length,
        applied: ids.filter((id) => reg.plan(id)?.status === 'applied').length,
        auditComplete: ids.every((id) => reg.audit({ planId: id }).at(-1)?.outcome === 'applied'),
        seconds,
      };
    } finally {
      reg.close();
    }
  } finally {
    await lab.stop();
    await rm(parent, { recursive: true, force: true });
  }
}

export function report(b: RegistryTeamBench): string {
  const a = b.allocations;
  return [
    'registry on PostgreSQL: a team of consoles',
    `  allocations  2 × ${a.each}: ${a.distinct} distinct, ${a.duplicates} duplicates, ${a.retries} retries, ${a.seconds} s (${a.perSecond}/s)`,
    `  applies      ${b.applies.applied}/${b.applies.consoles} applied, audit ${b.applies.auditRows}/${b.applies.expectedRows} rows, seq gap-free ${b.applies.seqGapFree}, per-plan order ${b.applies.perPlanOrdered}, ${b.applies.seconds} s`,
    `  killed       lease taken over ${b.killed.takeoverAfterMs} ms after the kill (TTL ${b.killed.ttlMs} ms); listed as interrupted: ${b.killed.interruptedListed}`,
    `  lab applies  ${b.labApplies.exitedOk}/${b.labApplies.consoles} \`routedeck apply\` processes exit 0 at once, ${b.labApplies.active} workloads active, ${b.labApplies.applied} plans applied, audit complete ${b.labApplies.auditComplete}, ${b.labApplies.seconds} s`,
    `  ${b.ok ? 'ok' : 'FAILED'}`,
  ].join('\n');
}

export function mergeResults(b: RegistryTeamBench): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(fileURLToPath(new URL('./out/', import.meta.url)), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...previous, registryTeam: b }, null, 2) + '\n');
}
