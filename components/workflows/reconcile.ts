/**
 * `F` (fix) on a Workloads row, or on the timeline of a failed apply: the reconcile plan of that
 * workload on the usual plan screen (typed name, apply, timeline), or the sentence saying why
 * there is none (nothing to reconcile, or the holder must be chosen with `--keep` in the CLI).
 */
import { planReconcileFor } from '../../src/workflows/reconcile/index.ts';
import { WorkflowService } from '../../src/workflows/service/index.ts';
import type { WorkflowController } from './controller.ts';
import { planScreen, type Flow } from './flow.ts';

export type ReconcileStart = { flow: Flow } | { message: string; level: 'info' | 'error' };

export function reconcileFlow(controller: WorkflowController, name: string): ReconcileStart {
  const service = controller.service;
  // The planner reads the fabric's store and the registry: only the real service has both.
  if (!(service instanceof WorkflowService))
    return { message: "this console's workflow service cannot plan a reconcile", level: 'error' };
  try {
    const result = planReconcileFor(service, { name });
    if (result.kind === 'consistent') return { message: result.message, level: 'info' };
    return { flow: planScreen(result.plan) };
  } catch (error) {
    return { message: error instanceof Error ? error.message : String(error), level: 'error' };
  }
}
