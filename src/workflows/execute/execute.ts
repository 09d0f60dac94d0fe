import type { Plan, Step } from '../../model/plan.ts';
import type { AuditEntry } from '../../registry/index.ts';
import { runAction } from './action.ts';
import { retryPolicy } from './retry.ts';
import {
  StepFailure,
  type Convergence,
  type ExecDeps,
  type ExecEvent,
  type ExecOptions,
  type ExecResult,
  type ExecStatus,
  type RollbackRecord,
  type StepRecord,
  type VyosConfigApi,
} from './types.ts';
import {
  nextCommand,
  rollbackStep,
  undoFailure,
  undoInOrder,
  type Executed,
  type UndoContext,
} from './undo.ts';
import { verifyStep } from './verify.ts';
import { VerifySessions } from './verify-sessions.ts';
import { applyVyos, type VyosPending } from './vyos.ts';

const reason = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function apiOf(deps: ExecDeps, device: string): () => Promise<VyosConfigApi> {
  return () => {
    if (!deps.apiFor) return Promise.reject(new Error('this console has no VyOS API access configured'));
    return deps.apiFor(device);
  };
}

function commandsOf(step: Step, which: 'action' | 'rollback'): string[] {
  const action = which === 'action' ? step.action : step.rollback;
  if (!action) return [];
  return action.type === 'ssh'
    ? [...action.commands]
    : action.commands.map((c) => `${c.op} ${c.path.join(' ')}${c.value !== undefined ? ` ${c.value}` : ''}`);
}

/**
 * The steps of a plan the audit log records as done (`step` entries with outcome ok): what a crashed
 * console had finished, for resume or rollback.
 */
export function completedSteps(plan: Plan, audit: readonly AuditEntry[]): string[] {
  const ok = audit.filter((e) => e.planId === plan.id && e.kind === 'step' && e.outcome === 'ok');
  return plan.steps
    .filter((step) => ok.some((e) => e.device === step.device && e.message.startsWith(`${step.id}: `)))
    .map((step) => step.id);
}

/**
 * Applies a plan step by step: lease on the workload, each step's commands on its device, then its
 * verifications on the live store (routers polled fast); on the first failure the executed steps'
 * rollbacks run in reverse, an unreachable device retried up to a bound (undo.ts). Every step,
 * rollback, retry and the outcome go to the audit log; the lease is released in every case. A lease
 * held by another console, or a bad retry setting, throws before anything is sent.
 */
export async function executePlan(
  plan: Plan,
  deps: ExecDeps,
  options: ExecOptions = {},
): Promise<ExecResult> {
  const now = deps.now ?? Date.now;
  const { registry } = deps;
  // A bad retry setting is refused here, before the lease and before anything is sent.
  const policy = retryPolicy(deps.rollbackRetry);
  const audit = (entry: Omit<AuditEntry, 'at' | 'operator' | 'planId'>): void => {
    registry.appendAudit({
      at: new Date(now()).toISOString(),
      operator: deps.operator,
      planId: plan.id,
      ...entry,
    });
  };
  const emit = (event: ExecEvent): void => {
    // Each retry of an undo is on record too: the audit tells why a rollback took a minute.
    if (event.type === 'rollback-retry')
      audit({
        kind: 'rollback',
        device: event.device,
        outcome: 'retry',
        message: `rollback of ${event.step} on ${event.device}: attempt ${event.attempt} in ${event.delayMs} ms after: ${event.error}`,
      });
    deps.onEvent?.(event);
  };
  const undo: UndoContext = { deps, policy, now, emit, api: (device) => apiOf(deps, device) };

  registry.acquireLease(plan.workload, plan.id, {
    console: deps.console.id,
    operator: deps.operator,
    pid: deps.console.pid,
    host: deps.console.host,
  });
  const steps: StepRecord[] = [];
  const rollbacks: RollbackRecord[] = [];
  const convergence: Convergence[] = [];
  let status: ExecStatus = 'failed';
  let detail: string | undefined;
  // Opened now, while the first commands run: a step's first question then goes out at once.
  const sessions = new VerifySessions(deps);
  sessions.prewarm(plan.steps.flatMap((s) => s.verify.flatMap((v) => v.routers)));
  try {
    registry.savePlan(plan, 'applying');
    const mode = options.mode ?? 'apply';
    const done = new Set(options.completed ?? []);
    const verb = mode === 'apply' ? 'start' : mode === 'resume' ? 'resume' : 'roll back';
    audit({
      kind: 'plan',
      outcome: mode === 'apply' ? 'start' : mode,
      message:
        `${verb} ${plan.kind}: ${plan.summary}` +
        (mode === 'apply' ? '' : ` (steps already done: ${[...done].join(', ') || 'none'})`),
    });
    if (mode === 'apply') {
      for (const diff of plan.diffs)
        audit({
          kind: 'diff',
          device: diff.device,
          diff,
          outcome: 'planned',
          message: `config of ${diff.device}`,
        });
    }
    emit({ type: 'start', planId: plan.id, at: now() });

    const executed: Executed[] = [];
    let failure: string | null = null;
    let blockedBy: RollbackRecord | null = null;
    // A manual move a crashed console's engineer confirmed (audited as `moved <step>: why`).
    const movedEarlier = new Map<string, string>();
    if (mode !== 'apply')
      for (const e of registry.audit({ planId: plan.id }))
        if (e.kind === 'moved') {
          const colon = e.message.indexOf(': ');
          if (colon > 0) movedEarlier.set(e.message.slice(0, colon), e.message.slice(colon + 2));
        }
    const moved = (step: Step) => movedEarlier.get(step.id);
    // Steps a crashed console finished: not sent again, but undone if the plan is rolled back.
    const remaining = plan.steps.filter((step) => {
      if (!done.has(step.id)) return true;
      const why = moved(step);
      executed.push({
        step,
        confirmed: commandsOf(step, 'action').length,
        uncertain: false,
        ...(why !== undefined ? { movedBefore: why } : {}),
      });
      return false;
    });
    // The step the crash interrupted may have run in part: undo what it may have done first — except
    // on a resume of an SSH step, which is re-run instead (make-before-break: an announce is not
    // withdrawn only to be made again; what is already in place is said, not failed).
    const interrupted = remaining[0];
    const replay = mode === 'resume' && interrupted?.action.type === 'ssh' ? interrupted.id : null;
    if (interrupted && replay !== null) {
      audit({
        kind: 'rollback',
        device: interrupted.device,
        diff: { device: interrupted.device, before: [], after: [] },
        outcome: 'skipped',
        message: `interrupted step ${interrupted.id} is re-run, not undone first: its commands already in place are accepted`,
      });
    } else if (interrupted && mode !== 'apply') {
      if (mode === 'rollback') {
        const why = moved(interrupted);
        executed.push({
          step: interrupted,
          confirmed: 0,
          uncertain: true,
          ...(why !== undefined ? { movedBefore: why } : {}),
        });
        failure = `rollback of interrupted plan requested by ${deps.operator}`;
      } else {
        const record = await rollbackStep({ step: interrupted, confirmed: 0, uncertain: true }, undo);
        audit({
          kind: 'rollback',
          device: interrupted.device,
          diff: { device: interrupted.device, before: [], after: commandsOf(interrupted, 'rollback') },
          outcome: record.outcome,
          message:
            record.error ?? `undo any partial effect of interrupted step ${interrupted.id} before resuming`,
        });
        if (record.outcome === 'failed') {
          // Already retried to the bound: the finished steps before it are not undone either.
          rollbacks.push(record);
          blockedBy = record;
          failure = record.error ?? `could not undo interrupted step ${interrupted.id}`;
        }
      }
    }
    for (const step of failure === null ? remaining : []) {
      const startedAt = now();
      emit({ type: 'step-start', step: step.id, device: step.device, at: startedAt });
      // A re-run interrupted step may have run before the crash: if it fails now, undo it tolerantly.
      const entry: Executed = { step, confirmed: 0, uncertain: step.id === replay };
      executed.push(entry);
      const already: string[] = [];
      let pending: VyosPending | null = null;
      try {
        const before = deps.beforeStep ? await deps.beforeStep(step) : undefined;
        if (before?.irreversible) {
          entry.movedBefore = before.irreversible;
          audit({
            kind: 'moved',
            device: step.device,
            outcome: 'ok',
            message: `${step.id}: ${before.irreversible}`,
          });
        }
        const onCommand = (command: string, code: number | null): void => {
          emit({ type: 'command', step: step.id, device: step.device, command, code, at: now() });
          if (code === 0) entry.confirmed += 1;
          // A transport error: the command may or may not have run.
          if (code === null) entry.uncertain = true;
        };
        if (step.action.type === 'vyos-configure') {
          pending = await applyVyos(step.action, {
            device: step.device,
            api: apiOf(deps, step.device),
            onCommand,
          });
        } else {
          await runAction(step.action, {
            device: step.device,
            runner: deps.runnerFor(step.device),
            timeoutMs: step.timeoutMs,
            now,
            onCommand,
            ...(step.id === replay
              ? { onAlready: (command: string, state: string) => already.push(`${state}: \`${command}\``) }
              : {}),
          });
        }
        await verifyStep(step.verify, {
          step: step.id,
          device: step.device,
          deps,
          sessions,
          now,
          onConverged: (v, router, at) =>
            convergence.push({ step: step.id, router, prefix: v.prefix, vrf: v.vrf, expect: v.expect, at }),
        });
        // Commit-confirm: confirmed only once the commit was read back and the step verified.
        const committed = pending;
        pending = null;
        await committed?.finish();
      } catch (error) {
        await pending?.abandon();
        failure = `step ${step.id} on ${step.device}: ${reason(error)}`;
        if (!(error instanceof StepFailure)) entry.uncertain = true;
      }
      const endedAt = now();
      const outcome = failure === null ? 'ok' : 'failed';
      steps.push({
        id: step.id,
        startedAt,
        endedAt,
        outcome,
        ...(failure !== null ? { error: failure } : {}),
      });
      emit({
        type: 'step-done',
        step: step.id,
        outcome,
        ...(failure !== null ? { error: failure } : {}),
        ...(already.length > 0 ? { already: already.join('; ') } : {}),
        at: endedAt,
      });
      audit({
        kind: 'step',
        device: step.device,
        diff: { device: step.device, before: [], after: commandsOf(step, 'action') },
        outcome,
        message: failure ?? `${step.id}: ${step.description}`,
      });
      if (failure !== null) break;
    }

    if (failure === null) {
      status = 'applied';
      registry.setPlanStatus(plan.id, 'applied');
      audit({ kind: 'plan', outcome: 'applied', message: `applied ${plan.steps.length} step(s)` });
    } else {
      // Past an irreversible step (the compute hook moved the workload) the network must follow
      // the workload, not go back: nothing is undone, and the engineer is told where it stands.
      // A move by hand confirmed before a step is such a point too, whatever that step did.
      const barrier = executed.findLastIndex(
        (e) =>
          e.movedBefore !== undefined ||
          (e.step.irreversible === true &&
            (e.confirmed > 0 || e.uncertain) &&
            e.step.id !== executed.at(-1)?.step.id),
      );
      if (barrier >= 0) {
        const at = executed[barrier]!;
        const hook = at.step;
        const why =
          at.movedBefore !== undefined
            ? `not rolled back: ${at.movedBefore} (before ${hook.id})`
            : `not rolled back: ${hook.id} on ${hook.device} already moved ${plan.workload}`;
        for (const { step } of [...executed].reverse()) {
          emit({ type: 'rollback-done', step: step.id, outcome: 'skipped', error: why, at: now() });
          rollbacks.push({ id: step.id, device: step.device, outcome: 'skipped', error: why });
        }
        status = 'failed';
        detail = `${failure}; ${why}, so undoing the network would strand it. The network was left as it is`;
      } else {
        rollbacks.push(
          ...(await undoInOrder(executed, undo, blockedBy, ({ step }, record) =>
            audit({
              kind: 'rollback',
              device: step.device,
              diff: { device: step.device, before: [], after: commandsOf(step, 'rollback') },
              outcome: record.outcome,
              message: record.error ?? `rollback of ${step.id}: ${record.outcome}`,
            }),
          )),
        );
        status = rollbacks.some((r) => r.outcome === 'failed') ? 'failed' : 'rolled-back';
        detail = undoFailure(failure, rollbacks);
      }
      registry.setPlanStatus(plan.id, status, detail);
      audit({ kind: 'plan', outcome: status, message: detail });
    }
    // Verification read the routers prefix by prefix; the views, and whoever reads the store once the
    // result is out, get the full picture from one poll of every device the plan touched, first.
    const touched = plan.steps.flatMap((s) => [s.device, ...s.verify.flatMap((v) => v.routers)]);
    await deps.poller.pollNow([...new Set(touched)]).catch(() => undefined);
    const next = status === 'failed' ? nextCommand(plan) : undefined;
    emit({
      type: 'done',
      status,
      ...(detail !== undefined ? { reason: detail } : {}),
      ...(next ? { next } : {}),
      at: now(),
    });
    return {
      status,
      ...(detail !== undefined ? { reason: detail } : {}),
      ...(next ? { next } : {}),
      steps,
      rollbacks,
      convergence,
    };
  } finally {
    sessions.close();
    registry.releaseLeasesOf(plan.id);
  }
}
