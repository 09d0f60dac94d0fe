import type { Plan } from '../../src/model/plan.ts';
import type { ExecEvent, ExecStatus } from '../../src/workflows/execute/index.ts';

export type StepState =
  | 'pending'
  | 'running'
  | 'ok'
  | 'failed'
  | 'rolling back'
  | 'rolled back'
  | 'rollback failed'
  /** Its undo was not run: an earlier undo failed, or the compute hook already moved the workload. */
  | 'not undone';

export interface CommandRecord {
  command: string;
  code: number | null;
}

export interface StepLine {
  id: string;
  device: string;
  description: string;
  state: StepState;
  startedAt: number | null;
  endedAt: number | null;
  commands: CommandRecord[];
  error: string | null;
  /** While its undo is retried: the next attempt and why the last one failed. */
  retry: { attempt: number; error: string; delayMs: number } | null;
  /** Commands whose effect was already in place (an undo, or a resumed step re-run): said, not an error. */
  already?: string;
}

/** One router's view of one verification: when it first saw every prefix of the step as expected. */
export interface ConvergenceLine {
  step: string;
  router: string;
  expect: 'announced-by' | 'withdrawn';
  host: string | null;
  /** Prefixes of the step the router has satisfied (first time each). */
  satisfied: Record<string, number>;
  prefixes: string[];
  /** When the last of them was satisfied; null while waiting. */
  at: number | null;
}

export type RunMode = 'apply' | 'resume' | 'rollback';

export interface TimelineState {
  plan: Plan;
  mode: RunMode;
  /** When the console asked for it; the executor's `start` replaces it. */
  startedAt: number;
  steps: StepLine[];
  convergence: ConvergenceLine[];
  status: ExecStatus | 'running';
  endedAt: number | null;
  /** The service refused or threw (nothing or part sent: see the steps). */
  error: string | null;
  /** Why the plan did not apply, as the executor recorded it. */
  reason: string | null;
  /** For a failed plan: the exact command that gets out of it. */
  next: string | null;
  /** The registry's record of the workload once the run ended. */
  after: string | null;
  /** `:note` markers typed while it ran. */
  notes: { at: number; text: string }[];
  /** Waiting for the engineer to move the VM by hand (no compute hook): what to do, or null. */
  paused: string | null;
}

/**
 * The step whose verification is "the switch": the first one expecting the routers to use a host
 * (create, migrate) or to drop the prefix (decommission). Its per-router times are the timeline.
 */
function switchStep(plan: Plan) {
  return plan.steps.find((s) => s.verify.length > 0);
}

export function initialTimeline(
  plan: Plan,
  mode: RunMode,
  now: number,
  done: readonly string[] = [],
): TimelineState {
  const step = switchStep(plan);
  const routers = [...new Set(step?.verify.flatMap((v) => v.routers) ?? [])];
  return {
    plan,
    mode,
    startedAt: now,
    steps: plan.steps.map((s) => ({
      id: s.id,
      device: s.device,
      description: s.description,
      state: done.includes(s.id) ? 'ok' : 'pending',
      startedAt: null,
      endedAt: null,
      commands: [],
      error: null,
      retry: null,
    })),
    convergence: routers.map((router) => ({
      step: step!.id,
      router,
      expect: step!.verify[0]!.expect,
      host: step!.verify[0]!.host ?? null,
      satisfied: {},
      prefixes: step!.verify.filter((v) => v.routers.includes(router)).map((v) => v.prefix),
      at: null,
    })),
    status: 'running',
    endedAt: null,
    error: null,
    reason: null,
    next: null,
    after: null,
    notes: [],
    paused: null,
  };
}

function withStep(state: TimelineState, id: string, change: (s: StepLine) => StepLine): TimelineState {
  return { ...state, steps: state.steps.map((s) => (s.id === id ? change(s) : s)) };
}

/** Folds one executor event into the timeline (pure: the same events always draw the same screen). */
export function timelineReducer(state: TimelineState, event: ExecEvent): TimelineState {
  switch (event.type) {
    case 'start':
      return { ...state, startedAt: event.at };
    case 'step-start':
      return withStep(state, event.step, (s) => ({
        ...s,
        state: 'running',
        startedAt: event.at,
        endedAt: null,
        commands: [],
        error: null,
      }));
    case 'command':
      return withStep(state, event.step, (s) => ({
        ...s,
        commands: [...s.commands, { command: event.command, code: event.code }],
      }));
    case 'verify-progress': {
      if (!event.satisfied) return state;
      const convergence = state.convergence.map((c) => {
        if (c.step !== event.step || c.router !== event.router || !c.prefixes.includes(event.prefix))
          return c;
        if (c.satisfied[event.prefix] !== undefined) return c;
        const satisfied = { ...c.satisfied, [event.prefix]: event.at };
        const complete = c.prefixes.every((p) => satisfied[p] !== undefined);
        return { ...c, satisfied, at: complete ? Math.max(...Object.values(satisfied)) : null };
      });
      return { ...state, convergence };
    }
    case 'step-done':
      return withStep(state, event.step, (s) => ({
        ...s,
        state: event.outcome,
        endedAt: event.at,
        error: event.error ?? null,
        ...(event.already ? { already: event.already } : {}),
      }));
    case 'rollback-start':
      return withStep(state, event.step, (s) => ({ ...s, state: 'rolling back' }));
    case 'rollback-retry':
      return withStep(state, event.step, (s) => ({
        ...s,
        state: 'rolling back',
        retry: { attempt: event.attempt, error: event.error, delayMs: event.delayMs },
      }));
    case 'rollback-done':
      return withStep(state, event.step, (s) => ({
        ...s,
        state:
          event.outcome === 'failed'
            ? 'rollback failed'
            : event.outcome === 'skipped' && event.error !== undefined
              ? 'not undone'
              : 'rolled back',
        error: event.error ?? s.error,
        ...(event.already ? { already: event.already } : {}),
      }));
    case 'done':
      return {
        ...state,
        status: event.status,
        endedAt: event.at,
        reason: event.reason ?? null,
        next: event.next ?? null,
      };
  }
}

export function timelineError(state: TimelineState, error: string, at: number): TimelineState {
  return { ...state, status: 'failed', error, endedAt: at };
}

/**
 * The newest moment any event of the run carries. The screen's clock ticks on a timer and can lag an
 * event it already shows; durations are measured to max(clock, this), so nothing reads negative and
 * "running 546 ms" never sits above a switch "at +646 ms".
 */
export function latestEventAt(run: TimelineState): number {
  let at = run.endedAt ?? run.startedAt;
  for (const s of run.steps) at = Math.max(at, s.startedAt ?? at, s.endedAt ?? at);
  for (const c of run.convergence) for (const t of Object.values(c.satisfied)) at = Math.max(at, t);
  for (const n of run.notes) at = Math.max(at, n.at);
  return at;
}
