export { completedSteps, executePlan } from './execute.ts';
export { RollbackRetryError, retryPolicy } from './retry.ts';
export { nextCommand } from './undo.ts';
export { routerSatisfies } from './verify.ts';
export {
  DEFAULT_ROLLBACK_RETRY_MS,
  MAX_ROLLBACK_RETRY_MS,
  StepFailure,
  type Convergence,
  type ExecDeps,
  type ExecEvent,
  type ExecOptions,
  type ExecResult,
  type ExecStatus,
  type RollbackOutcome,
  type RollbackRecord,
  type RollbackRetry,
  type StepOutcome,
  type StepRecord,
  type VyosConfigApi,
  type VyosRouterApi,
} from './types.ts';
export { acquireDeviceLock, configHas, notReadBack } from './vyos.ts';
