/**
 * Fault matrix on the embedded lab (issue 15 item 3): every plan kind × every step × every fault,
 * then the tool's own recovery path, then the invariant (test/helpers/fault-matrix/). Prints the
 * table per kind × fault and merges it into bench/out/results.json under `faults`.
 * Part `faults` of bench/run.ts, or alone: `node --import tsx bench/faults.ts [--kinds=… --faults=… --steps=…]`.
 * Subsets: `--kinds=create,migrate-mbb`, `--faults=ssh-drop-step,kill9-rollback`, `--steps=announce`;
 * `ROUTEDECK_FAULT_DROP_MS` (default 8000) is how long an SSH drop or a 503 lasts.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_TIMING, notApplicable, type FaultTiming } from '../test/helpers/fault-matrix/inject.ts';
import { startFaultLab } from '../test/helpers/fault-matrix/lab.ts';
import { reconcileAvailable } from '../test/helpers/fault-matrix/recovery.ts';
import { runCase } from '../test/helpers/fault-matrix/run-case.ts';
import { scenario } from '../test/helpers/fault-matrix/scenario.ts';
import {
  caseName,
  FAULT_KINDS,
  FAULTS,
  type CaseOutcome,
  type Fault,
  type FaultKind,
} from '../test/helpers/fault-matrix/types.ts';

const RESULTS = fileURLToPath(new URL('./out/results.json', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
/** Precedes a worker's JSON on its stdout. */
const MARK = '\n@@fault-rows@@';

export interface FaultRow {
  kind: FaultKind;
  fault: Fault;
  cases: number;
  held: number;
  notHeld: number;
  /** Cases whose fault never fired (the step's command was not sent as expected). */
  notFired: number;
  /** Steps where this fault means nothing (no rollback, no verification). */
  notApplicable: string[];
  failing: { case: string; problem: string; trail: string[] }[];
  /** The harness itself failed for some cases of this kind × fault (those were not counted). */
  error?: string;
}

export interface FaultsBench {
  date: string;
  machine: string;
  timing: FaultTiming;
  /** Worker processes run at once. */
  jobs: number;
  reconcile: boolean;
  seconds: number;
  rows: FaultRow[];
  cases: number;
  held: number;
  ok: boolean;
}

function pick<T extends string>(argv: string[], flag: string, all: readonly T[]): T[] {
  const raw = argv.find((a) => a.startsWith(`--${flag}=`))?.slice(flag.length + 3);
  if (raw === undefined) return [...all];
  const want = raw.split(',').filter(Boolean);
  const bad = want.filter((w) => !(all as readonly string[]).includes(w));
  if (bad.length > 0) throw new Error(`unknown ${flag}: ${bad.join(', ')} (known: ${all.join(', ')})`);
  return want as T[];
}

interface Selection {
  kinds: FaultKind[];
  faults: Fault[];
  steps: string[] | undefined;
  timing: FaultTiming;
  verbose: boolean;
}

function selection(argv: string[]): Selection {
  const dropMs = Number(process.env['ROUTEDECK_FAULT_DROP_MS'] ?? DEFAULT_TIMING.dropMs);
  if (!Number.isInteger(dropMs) || dropMs < 0 || dropMs > 600_000)
    throw new Error(`ROUTEDECK_FAULT_DROP_MS must be whole ms from 0 to 600000, got ${dropMs}`);
  return {
    kinds: pick(argv, 'kinds', FAULT_KINDS),
    faults: pick(argv, 'faults', FAULTS),
    steps: argv
      .find((a) => a.startsWith('--steps='))
      ?.slice(8)
      .split(','),
    timing: { ...DEFAULT_TIMING, dropMs },
    verbose: argv.includes('--verbose'),
  };
}

/** Runs the selected cases here, one lab per kind; progress lines on stderr. */
async function runHere(sel: Selection): Promise<FaultRow[]> {
  const rows: FaultRow[] = [];
  for (const kind of sel.kinds) {
    const flab = await startFaultLab();
    try {
      const scene = scenario(flab, kind);
      const probe = await scene.next();
      await flab.run(['plan', 'discard', probe.planId]);
      const byFault = new Map<Fault, FaultRow>(sel.faults.map((fault) => [fault, emptyRow(kind, fault)]));
      for (const [index, step] of probe.plan.steps.entries()) {
        if (sel.steps && !sel.steps.includes(step.id)) continue;
        for (const fault of sel.faults) {
          const row = byFault.get(fault)!;
          const why = notApplicable(step, fault);
          if (why) {
            row.notApplicable.push(`${step.id} (${why})`);
            continue;
          }
          let outcome;
          try {
            outcome = await runCase(flab, scene, index, fault, { timing: sel.timing });
          } catch (error) {
            // The harness could not set the case up (or run it): said as such, counted nowhere.
            const message = `${kind}/${step.id}/${fault}: ${error instanceof Error ? error.message : String(error)}`;
            row.error = row.error ? `${row.error}; ${message}` : message;
            process.stderr.write(`ERROR    ${message}\n`);
            scene.reset();
            continue;
          }
          record(row, outcome);
          const lines = [
            `${outcome.held ? 'held    ' : 'NOT HELD'} ${caseName(outcome)}${outcome.fired ? '' : ' (fault not fired)'} ` +
              `${(outcome.ms / 1000).toFixed(1)} s${outcome.held ? '' : `: ${outcome.problems[0] ?? ''}`}`,
            ...(sel.verbose ? outcome.trail.map((t) => `    ${t}`) : []),
          ];
          // One write a line: several workers share this stream.
          for (const line of lines) process.stderr.write(`${line}\n`);
        }
      }
      rows.push(...byFault.values());
    } finally {
      await flab.stop();
    }
  }
  return rows;
}

/** One child process per kind × fault, `jobs` at a time: most of a case is waiting, not CPU. */
async function runPool(sel: Selection, jobs: number): Promise<FaultRow[]> {
  const units = sel.kinds.flatMap((kind) => sel.faults.map((fault) => ({ kind, fault })));
  const rows: FaultRow[] = [];
  const worker = async (): Promise<void> => {
    for (let unit = units.shift(); unit; unit = units.shift()) {
      const args = [
        ...process.execArgv,
        SELF,
        '--worker',
        `--kinds=${unit.kind}`,
        `--faults=${unit.fault}`,
        ...(sel.steps ? [`--steps=${sel.steps.join(',')}`] : []),
        ...(sel.verbose ? ['--verbose'] : []),
      ];
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      const at = out.lastIndexOf(MARK);
      if (code === 0 && at >= 0) rows.push(...(JSON.parse(out.slice(at + MARK.length)) as FaultRow[]));
      else {
        // A harness failure is reported as such, never counted as held or not held.
        const error = `worker exited ${code} (see its stderr above)`;
        rows.push({ ...emptyRow(unit.kind, unit.fault), error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
  // In matrix order, whatever order the workers finished in.
  const order = (r: FaultRow): number =>
    FAULT_KINDS.indexOf(r.kind) * FAULTS.length + FAULTS.indexOf(r.fault);
  return rows.sort((a, b) => order(a) - order(b));
}

export async function faultsBench(argv: string[] = process.argv.slice(2)): Promise<FaultsBench> {
  const sel = selection(argv);
  const jobsArg = argv.find((a) => a.startsWith('--jobs='))?.slice(7);
  const jobs = Number(jobsArg ?? process.env['ROUTEDECK_FAULT_JOBS'] ?? 3);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 16)
    throw new Error(`--jobs must be 1 to 16, got ${jobsArg}`);
  const started = Date.now();
  const rows = jobs === 1 ? await runHere(sel) : await runPool(sel, jobs);
  const cases = rows.reduce((n, r) => n + r.cases, 0);
  const held = rows.reduce((n, r) => n + r.held, 0);
  return {
    date: new Date().toISOString(),
    machine: `${os.cpus()[0]?.model ?? '?'} ×${os.cpus().length}, node ${process.version}`,
    timing: sel.timing,
    jobs,
    reconcile: reconcileAvailable(),
    seconds: (Date.now() - started) / 1000,
    rows,
    cases,
    held,
    ok: cases === held && rows.every((r) => !r.error),
  };
}

function emptyRow(kind: FaultKind, fault: Fault): FaultRow {
  return { kind, fault, cases: 0, held: 0, notHeld: 0, notFired: 0, notApplicable: [], failing: [] };
}

function record(row: FaultRow, outcome: CaseOutcome): void {
  row.cases += 1;
  if (!outcome.fired) row.notFired += 1;
  if (outcome.held) row.held += 1;
  else {
    row.notHeld += 1;
    row.failing.push({ case: caseName(outcome), problem: outcome.problems.join('; '), trail: outcome.trail });
  }
}

export function report(b: FaultsBench, examples = 3): string {
  const pad = (cells: (string | number)[]): string =>
    cells.map((c, i) => String(c).padEnd(i === 0 ? 14 : i === 1 ? 19 : 7)).join('');
  const lines = [
    `fault matrix — ${b.machine}; SSH drop / 503 ${b.timing.dropMs} ms, flap ${b.timing.flapMs} ms; ` +
      `plan reconcile ${b.reconcile ? 'used' : 'not in this build'}; ${b.jobs} worker(s)`,
    pad(['kind', 'fault', 'cases', 'held', 'not', 'unfired']),
  ];
  for (const r of b.rows) {
    if (r.error) lines.push(`${pad([r.kind, r.fault])}ERROR: ${r.error}`);
    if (r.cases === 0) continue;
    lines.push(pad([r.kind, r.fault, r.cases, r.held, r.notHeld, r.notFired]));
    for (const f of r.failing.slice(0, examples)) lines.push(`    ✗ ${f.case}: ${f.problem}`);
  }
  lines.push(
    `held ${b.held} of ${b.cases} cases in ${b.seconds.toFixed(0)} s; results in bench/out/results.json`,
  );
  return lines.join('\n');
}

export function mergeResults(b: FaultsBench): void {
  const previous = existsSync(RESULTS)
    ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Record<string, unknown>)
    : {};
  mkdirSync(path.dirname(RESULTS), { recursive: true });
  writeFileSync(RESULTS, JSON.stringify({ ...previous, faults: b }, null, 2) + '\n');
}

if (process.argv[1] === SELF && process.argv.includes('--worker')) {
  process.stdout.write(`${MARK}${JSON.stringify(await runHere(selection(process.argv.slice(2))))}`);
} else if (process.argv[1] === SELF) {
  const b = await faultsBench();
  mergeResults(b);
  console.log(report(b));
  if (!b.ok) process.exitCode = 1;
}
