import { useCallback, useEffect, useRef, useState } from 'react';
import { useConsole } from '../hooks/context.ts';
import type { WorkflowController } from './controller.ts';
import {
  createWizard,
  guardRepairWizard,
  migrateWizard,
  planFromWizard,
  planScreen,
  type Flow,
} from './flow.ts';
import { formReducer, submits } from './form.ts';
import { reconcileFlow } from './reconcile.ts';
import { planLines, timelineLines, wrapLines } from './lines.ts';
import { scrollBy } from './ScrollLines.tsx';
import { useWorkflowState } from './useWorkflowState.ts';
import type { StoredPlan } from '../../src/registry/index.ts';

const NONE: StoredPlan[] = [];

type FlashFn = (text: string, level?: 'info' | 'error') => void;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Rows the plan screen keeps below its text: the confirmation prompt and its message. */
export const PLAN_PROMPT_LINES = 2;

export interface FlowApi {
  flow: Flow | null;
  /** Handles a key while a flow screen is up; false when there is none. */
  onKey(name: string, size: { width: number; height: number }): boolean;
  /** `c`, `m`, `d`, `F` from the Workloads view (`subject`: the selected row's workload, if any); `R` from :guard (its host). */
  start(action: string, subject: string | null): void;
  openTimeline(): void;
  /** Before the console exits: a plan still at its preview is discarded (its reservations released). */
  abandon(): void;
}

/**
 * The workflow screens' state and keys. The flow is kept in a ref as well as in React state: keys typed
 * faster than a render (a name typed over SSH arrives in one chunk) must each see the previous one.
 */
export function useFlow(flash: FlashFn): FlowApi {
  const { workflows, now } = useConsole();
  const [flow, setFlowState] = useState<Flow | null>(null);
  const ref = useRef<Flow | null>(null);
  const setFlow = useCallback((next: Flow | null) => {
    ref.current = next;
    setFlowState(next);
  }, []);
  const interrupted = useWorkflowState((s) => s.interrupted, NONE);

  useEffect(() => {
    workflows?.findInterrupted();
  }, [workflows]);
  useEffect(() => {
    const first = interrupted[0];
    if (!workflows || !first || ref.current !== null) return;
    setFlow({ screen: 'resume', stored: first, done: workflows.service.completed(first.plan) });
  }, [workflows, interrupted, flow, setFlow]);

  // The end of a run is news wherever the engineer is looking.
  useEffect(() => {
    if (!workflows) return;
    return workflows.store.subscribe((state, previous) => {
      const run = state.run;
      if (!run || run.status === 'running' || previous.run?.status !== 'running') return;
      if (ref.current?.screen === 'timeline') return;
      const subject = run.plan.workload === run.plan.kind ? '' : ` ${run.plan.workload}`;
      const text = `${run.plan.kind}${subject}: ${run.status}${run.error ? ` (${run.error})` : ''} — t for the timeline`;
      flash(text, run.status === 'applied' ? 'info' : 'error');
    });
  }, [workflows, flash]);

  const start = (action: string, subject: string | null) => {
    if (!workflows) {
      flash('no workflow service on this console (no registry)', 'error');
      return;
    }
    if (workflows.running()) {
      flash('an apply is running in this console: t to watch it', 'error');
      return;
    }
    if (action === 'workload.create') return setFlow(createWizard(workflows));
    if (action === 'guard.repair') {
      try {
        return setFlow(guardRepairWizard(workflows, subject));
      } catch (error) {
        flash(message(error), 'error');
        return;
      }
    }
    if (!subject) {
      flash('select a workload row that the registry knows (its NAME column is set)', 'error');
      return;
    }
    const record = workflows.service.registry.workload(subject);
    if (!record || record.state === 'retired') {
      flash(`${subject} is not in the registry`, 'error');
      return;
    }
    if (action === 'workload.migrate') return setFlow(migrateWizard(workflows, record));
    if (action === 'workload.reconcile') return startReconcile(subject);
    try {
      setFlow(planScreen(workflows.service.planDecommission({ name: subject })));
    } catch (error) {
      flash(message(error), 'error');
    }
  };

  const startReconcile = (name: string) => {
    if (!workflows) return;
    const started = reconcileFlow(workflows, name);
    if ('flow' in started) setFlow(started.flow);
    else flash(started.message, started.level);
  };

  const openTimeline = () => {
    if (!workflows?.store.getState().run) {
      flash('no apply has run in this console yet', 'error');
      return;
    }
    setFlow({ screen: 'timeline', scroll: 0, verbose: false });
  };

  const onKey = (name: string, size: { width: number; height: number }): boolean => {
    const current = ref.current;
    if (!current || !workflows) return false;
    switch (current.screen) {
      case 'wizard':
        wizardKey(workflows, current, name, setFlow, flash);
        return true;
      case 'plan':
        planKey(workflows, current, name, size, setFlow, flash);
        return true;
      case 'timeline': {
        const run = workflows.store.getState().run;
        if (name === 'esc' || name === 'q' || name === 't') {
          setFlow(null);
          if (run?.status === 'running') flash('the apply goes on: t or :plan brings the timeline back');
          return true;
        }
        if (name === 'v') return (setFlow({ ...current, verbose: !current.verbose }), true);
        if (!run) return true;
        // A manual VM move: c once it runs on the target, x to stop (the withdraw fails, rollback).
        if (run.paused && (name === 'c' || name === 'x')) return (workflows.answerMove(name === 'c'), true);
        // A failed apply's way out: the reconcile plan of its workload.
        if (name === 'F' && run.status === 'failed' && run.plan.workload !== run.plan.kind) {
          startReconcile(run.plan.workload);
          return true;
        }
        const total = wrapLines(timelineLines(run, now(), current.verbose), size.width).length;
        const scroll = scrollBy(name, current.scroll, total, size.height);
        if (scroll !== null) setFlow({ ...current, scroll });
        return true;
      }
      case 'resume': {
        const id = current.stored.plan.id;
        if (name === 'r' || name === 'b') {
          try {
            workflows.finish(id, name === 'r' ? 'resume' : 'rollback');
            setFlow({ screen: 'timeline', scroll: 0, verbose: false });
          } catch (error) {
            setFlow(null);
            flash(message(error), 'error');
          }
        } else if (name === 'l' || name === 'esc') {
          workflows.dismissInterrupted(id);
          setFlow(null);
          flash(`plan ${id} stays interrupted`);
        }
        return true;
      }
    }
  };

  const abandon = () => {
    const current = ref.current;
    if (current?.screen !== 'plan' || !workflows) return;
    try {
      workflows.service.discard(current.plan.id);
    } catch {
      // Already gone (another console discarded it): nothing to release.
    }
  };

  return { flow, onKey, start, openTimeline, abandon };
}

function wizardKey(
  workflows: WorkflowController,
  flow: Flow & { screen: 'wizard' },
  name: string,
  setFlow: (f: Flow | null) => void,
  flash: FlashFn,
) {
  if (name === 'esc') {
    setFlow(null);
    flash(`${flow.kind} cancelled; nothing was planned`);
    return;
  }
  if (!submits(flow.form, name)) {
    setFlow({ ...flow, form: formReducer(flow.form, { type: 'key', name }) });
    return;
  }
  try {
    setFlow(planScreen(planFromWizard(workflows, flow)));
  } catch (error) {
    // A refusal: the service sent nothing and stored nothing; the engineer fixes the form.
    setFlow({ ...flow, form: formReducer(flow.form, { type: 'error', message: message(error) }) });
  }
}

function planKey(
  workflows: WorkflowController,
  flow: Flow & { screen: 'plan' },
  name: string,
  size: { width: number; height: number },
  setFlow: (f: Flow | null) => void,
  flash: FlashFn,
) {
  const { plan } = flow;
  if (name === 'esc') {
    try {
      workflows.service.discard(plan.id);
      flash(`plan ${plan.id} discarded; nothing was sent`);
    } catch (error) {
      flash(`discard: ${message(error)}`, 'error');
    }
    workflows.refresh();
    setFlow(null);
    return;
  }
  if (name === 'enter') {
    if (flow.typed !== plan.workload) {
      setFlow({
        ...flow,
        typed: '',
        error: `"${flow.typed}" is not ${plan.workload}: nothing applied. Type the workload name exactly.`,
      });
      return;
    }
    try {
      workflows.apply(plan);
      setFlow({ screen: 'timeline', scroll: 0, verbose: false });
    } catch (error) {
      setFlow({ ...flow, error: message(error) });
    }
    return;
  }
  const bodyHeight = Math.max(1, size.height - PLAN_PROMPT_LINES);
  const total = wrapLines(planLines(plan), size.width).length;
  const scroll = scrollBy(name, flow.scroll, total, bodyHeight);
  if (scroll !== null) return setFlow({ ...flow, scroll });
  if (name === 'backspace') return setFlow({ ...flow, typed: flow.typed.slice(0, -1), error: null });
  if (name === 'ctrl+u') return setFlow({ ...flow, typed: '', error: null });
  if ([...name].length === 1 && name > ' ') setFlow({ ...flow, typed: flow.typed + name, error: null });
}
