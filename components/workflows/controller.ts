import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Plan, Step, WorkloadRecord } from '../../src/model/plan.ts';
import { manualMove } from '../../src/workflows/plan/manual-move.ts';
import type { StoredPlan, TenantRecord } from '../../src/registry/index.ts';
import { StepFailure, type ExecEvent, type ExecResult } from '../../src/workflows/execute/index.ts';
import {
  guardReports,
  planGuardRepairFor,
  WorkflowService,
  type GuardReport,
} from '../../src/workflows/service/index.ts';
import type { AdoptionState } from '../../src/workflows/service/adopt.ts';
import {
  initialTimeline,
  timelineError,
  timelineReducer,
  type RunMode,
  type TimelineState,
} from './timeline.ts';

/** What the console uses of the workflow service (tests may hand in the real one). */
export type ConsoleWorkflows = Pick<
  WorkflowService,
  | 'planCreate'
  | 'planMigrate'
  | 'planDecommission'
  | 'discard'
  | 'apply'
  | 'markInterrupted'
  | 'completed'
  | 'resume'
  | 'rollback'
  | 'workloads'
  | 'tenants'
  | 'hypervisors'
  | 'plan'
  | 'note'
  | 'operator'
> & {
  registry: {
    workload(name: string): WorkloadRecord | undefined;
    workloads(): WorkloadRecord[];
    /** Moves when the registry may have changed (null: cannot tell, read again); see Registry. */
    changeMark?(): string | null;
  };
};

export interface WorkflowUiState {
  /** Registry workloads that are not retired, keyed `vrf|prefix` for the Workloads view's join. */
  records: ReadonlyMap<string, WorkloadRecord>;
  /** The apply running or last run in this console. */
  run: TimelineState | null;
  /** Plans a dead console left mid-apply, still to be offered. */
  interrupted: StoredPlan[];
}

export interface WorkflowController {
  store: StoreApi<WorkflowUiState>;
  service: ConsoleWorkflows;
  tenants(): TenantRecord[];
  hypervisors(): { name: string; health: string }[];
  /** Every workload record, retired ones too (`:guard` compares the hosts' sets with them). */
  registryWorkloads(): WorkloadRecord[];
  /** Whether the console's adoption of the live workloads waits or runs (null: neither, or no such service). */
  adoption(): AdoptionState;
  /** `R` in `:guard`: a guard-repair plan for one hypervisor, or every one with drift (WorkflowError when none). */
  planGuardRepair(device?: string): Plan;
  /** Drift per hypervisor, as `routedeck get guard` reports it (the repair wizard's choices). */
  guardReports(): GuardReport[];
  /** Re-reads the registry's workloads (after an action, and periodically for other consoles' changes). */
  refresh(): void;
  /** Marks and lists plans left applying by a console that died (once, at start). */
  findInterrupted(): void;
  dismissInterrupted(planId: string): void;
  running(): boolean;
  apply(plan: Plan): void;
  finish(planId: string, mode: Exclude<RunMode, 'apply'>): void;
  /**
   * `:note TEXT`: a walkthrough marker in the audit log, on the plan being applied when there is one,
   * or on the plan whose timeline is on screen (`onTimeline`), and then on that timeline too.
   * Returns what was recorded and the plan it went to, if any.
   */
  note(text: string, options?: { onTimeline?: boolean }): { message: string; planId: string | null };
  /** The engineer's answer to a manual-move pause: moved (continue) or not (the step fails, rollback). */
  answerMove(moved: boolean): boolean;
  dispose(): void;
}

export function recordKey(vrf: string, prefix: string): string {
  return `${vrf}|${prefix}`;
}

function indexRecords(records: WorkloadRecord[]): Map<string, WorkloadRecord> {
  const map = new Map<string, WorkloadRecord>();
  for (const w of records) {
    map.set(recordKey(w.vrf, `${w.ipv4}/32`), w);
    map.set(recordKey(w.vrf, w.ipv6Prefix), w);
  }
  return map;
}

function sameRecords(a: WorkloadRecord[], b: WorkloadRecord[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((w, i) => {
    const o = b[i]!;
    return (
      w.name === o.name &&
      w.state === o.state &&
      w.host === o.host &&
      w.ipv4 === o.ipv4 &&
      w.ipv6Prefix === o.ipv6Prefix &&
      w.vrf === o.vrf
    );
  });
}

function describeRecord(w: WorkloadRecord | undefined, name: string): string {
  if (!w) return `${name}: not in the registry (nothing reserved)`;
  if (w.state === 'retired') return `${name}: retired, its addresses released`;
  return `${name}: ${w.state} on ${w.host}, ${w.ipv4}/32 and ${w.ipv6Prefix} (${w.tap})`;
}

/** The guard planner reads the service's store and registry: only the real service has them. */
function realService(service: ConsoleWorkflows): WorkflowService {
  if (!(service instanceof WorkflowService))
    throw new Error("this console's workflow service cannot plan guard repairs");
  return service;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The console's side of the workflow service, without React: the registry rows the Workloads view
 * joins, and the one apply this console runs, folded from the executor's events into a timeline
 * that outlives the screen showing it (the engineer may look elsewhere while it runs).
 */
export function createWorkflowController(
  service: ConsoleWorkflows,
  now: () => number,
  refreshMs = 3000,
): WorkflowController {
  const store = createStore<WorkflowUiState>(() => ({ records: new Map(), run: null, interrupted: [] }));
  let active = false;
  let last: WorkloadRecord[] = [];
  let lastMark: string | null = null;
  const refresh = () => {
    try {
      // Read again only when the registry may have changed: a fleet's registry holds 50,000
      // workloads, ~240 ms to read and check — every 3 s, a console's keys waited on it.
      const mark = service.registry.changeMark?.() ?? null;
      if (mark !== null && mark === lastMark) return;
      const records = service.workloads();
      lastMark = mark;
      // Unchanged rows keep the same map: the Workloads view re-filters only when something changed.
      if (sameRecords(records, last)) return;
      last = records;
      store.setState({ records: indexRecords(records) });
    } catch {
      // A registry busy with another console's write: the next refresh reads it.
    }
  };
  // Every workload the registry holds (retired ones too: the Guard view names them), read again only
  // when the registry may have changed — the Guard view asks at every poll it draws.
  let all: { mark: string; workloads: WorkloadRecord[] } | null = null;
  const registryWorkloads = (): WorkloadRecord[] => {
    const mark = service.registry.changeMark?.() ?? null;
    if (mark !== null && all?.mark === mark) return all.workloads;
    const workloads = service.registry.workloads();
    all = mark === null ? null : { mark, workloads };
    return workloads;
  };
  refresh();
  const timer = setInterval(refresh, refreshMs);
  timer.unref?.();
  const onEvent = (event: ExecEvent) => {
    const run = store.getState().run;
    if (run) store.setState({ run: timelineReducer(run, event) });
    // The service marked the record migrating/decommissioning before the executor started.
    if (event.type === 'start') refresh();
  };
  // A migrate with no compute hook waits before the source withdraws until the VM is moved by hand.
  let waiting: ((moved: boolean) => void) | null = null;
  const pauseForMove = (plan: Plan) => {
    const move = manualMove(plan);
    if (!move) return undefined;
    const target = plan.steps.find((s) => s.id === 'target-tap')?.device ?? 'the target';
    return async (step: Step) => {
      if (step.id !== move.beforeStep) return;
      const run = store.getState().run;
      const text = `${move.text}: move ${plan.workload} to ${target} now, then c (VM moved, continue); x stops here and rolls back`;
      if (run) store.setState({ run: { ...run, paused: text } });
      const moved = await new Promise<boolean>((resolve) => (waiting = resolve));
      // Nothing of the step was sent: a plain step failure, so its own undo is not tried.
      if (!moved) throw new StepFailure(`stopped before ${step.id}: the VM was not moved`, false);
      // From here the network follows the VM: a later failure is not rolled back (executor).
      return { irreversible: `${service.operator} confirmed ${plan.workload} moved to ${target} by hand` };
    };
  };
  const track = (plan: Plan, mode: RunMode, done: readonly string[], work: () => Promise<ExecResult>) => {
    if (active) throw new Error('an apply is already running in this console');
    active = true;
    store.setState({ run: initialTimeline(plan, mode, now(), done) });
    const settle = (error: unknown) => {
      active = false;
      refresh();
      const run = store.getState().run;
      if (!run) return;
      const ended = error === null ? run : timelineError(run, message(error), now());
      let after: ReturnType<typeof describeRecord> | null = null;
      try {
        // A guard repair changes hosts only: the registry is its truth, not its subject.
        if (plan.kind !== 'guard-repair')
          after = describeRecord(service.registry.workload(plan.workload), plan.workload);
      } catch {
        // The console closed (registry closed) while the apply was finishing: nothing to show.
      }
      store.setState({ run: { ...ended, after } });
    };
    work().then(
      () => settle(null),
      (error: unknown) => settle(error),
    );
  };
  return {
    store,
    service,
    tenants: () => service.tenants(),
    hypervisors: () => service.hypervisors(),
    registryWorkloads,
    adoption: () => (service instanceof WorkflowService ? service.adoption() : null),
    planGuardRepair(device) {
      return planGuardRepairFor(realService(service), device !== undefined ? { device } : {});
    },
    guardReports: () => guardReports(realService(service)),
    refresh,
    findInterrupted() {
      try {
        store.setState({ interrupted: service.markInterrupted() });
      } catch {
        store.setState({ interrupted: [] });
      }
    },
    dismissInterrupted(planId) {
      store.setState({ interrupted: store.getState().interrupted.filter((p) => p.plan.id !== planId) });
    },
    running: () => active,
    apply(plan) {
      track(plan, 'apply', [], () => service.apply(plan, { onEvent, beforeStep: pauseForMove(plan) }));
    },
    answerMove(moved) {
      const answer = waiting;
      if (!answer) return false;
      waiting = null;
      const run = store.getState().run;
      if (run) store.setState({ run: { ...run, paused: null } });
      answer(moved);
      return true;
    },
    finish(planId, mode) {
      const stored = store.getState().interrupted.find((p) => p.plan.id === planId) ?? service.plan(planId);
      if (!stored) throw new Error(`no plan ${planId}`);
      const done = service.completed(stored.plan);
      this.dismissInterrupted(planId);
      track(stored.plan, mode, done, () =>
        mode === 'resume'
          ? service.resume(planId, { onEvent, beforeStep: pauseForMove(stored.plan) })
          : service.rollback(planId, { onEvent }),
      );
    },
    note(text, options = {}) {
      const run = store.getState().run;
      const planId = run && (active || options.onTimeline) ? run.plan.id : null;
      const record = service.note(text, planId ?? undefined);
      const current = store.getState().run;
      if (planId && current?.plan.id === planId)
        store.setState({
          run: { ...current, notes: [...current.notes, { at: now(), text: record.message }] },
        });
      return { message: record.message, planId };
    },
    dispose() {
      clearInterval(timer);
      waiting?.(false);
    },
  };
}
