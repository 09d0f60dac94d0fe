export { decideHolder, type Decision, type OpenPlan, type RegistryOutcome } from './decide.ts';
export { describeFacts, hostFacts, type HostFacts } from './facts.ts';
export { registerReconcile } from './kind.ts';
export { openPlanOf } from './open-plan.ts';
export { OUTCOME_ARTIFACT, planReconcile, type ReconcileIntent } from './plan.ts';
export {
  planReconcileFor,
  reconcileCandidates,
  ReconcileUndecidedError,
  type ReconcileInput,
  type ReconcileResult,
} from './reconcile.ts';
