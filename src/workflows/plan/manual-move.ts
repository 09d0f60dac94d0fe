import type { Plan } from '../../model/plan.ts';

/** Where a migrate without a compute hook needs the engineer to move the VM by hand. */
export interface ManualMove {
  /** 1-based: move the VM between step `after` and step `after + 1`. */
  after: number;
  /** The step that must not start before the VM runs on the target (the source's withdraw). */
  beforeStep: string;
  text: string;
}

/**
 * A migrate with no compute hook configured (`computeHook: none`, or none at all) moves the routes
 * only: the VM must be moved between the target taking the traffic and the source withdrawing —
 * where the hook step would have been. Null for other plans, or when a hook step is in the plan.
 */
export function manualMove(plan: Plan): ManualMove | null {
  if (plan.kind !== 'migrate' || plan.steps.some((s) => s.id === 'compute-hook')) return null;
  const index = plan.steps.findIndex((s) => s.id === 'source-withdraw');
  if (index <= 0) return null;
  return {
    after: index,
    beforeStep: 'source-withdraw',
    text: `compute: none configured — move the VM yourself between steps ${index} and ${index + 1}`,
  };
}
