import type { TimelineState } from './timeline.ts';
import { useWorkflowState } from './useWorkflowState.ts';

const NO_RUN: TimelineState | null = null;

/** The status line while an apply runs and the engineer looks at something else. */
export function useRunActivity(watching: boolean): string | null {
  const run = useWorkflowState((s) => s.run, NO_RUN);
  if (!run || run.status !== 'running' || watching) return null;
  const index = run.steps.findIndex((s) => s.state === 'running' || s.state === 'rolling back');
  const step = run.steps[index];
  const where = step ? `step ${index + 1}/${run.steps.length} ${step.id} (${step.state})` : 'starting';
  return `${run.mode === 'apply' ? 'applying' : run.mode} ${run.plan.kind} ${run.plan.workload}: ${where} — t timeline`;
}
