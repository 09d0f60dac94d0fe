export { completedSteps, executePlan } from './execute.ts';
export { routerSatisfies } from './verify.ts';
export {
  StepFailure,
  type Convergence,
  type ExecDeps,
  type ExecEvent,
  type ExecOptions,
  type ExecResult,
  type ExecStatus,
  type RollbackOutcome,
  type RollbackRecord,
  type StepOutcome,
  type StepRecord,
  type VyosConfigApi,
  type VyosRouterApi,
} from './types.ts';
export { acquireDeviceLock, configHas, notReadBack } from './vyos.ts';
