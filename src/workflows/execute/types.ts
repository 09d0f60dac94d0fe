import type { Registry } from '../../registry/index.ts';
import type { Poller } from '../../poller/poller.ts';
import type { AppStore } from '../../state/store.ts';
import type { Step } from '../../model/plan.ts';
import type { CommandRunner } from '../../transport/types.ts';

/** Times are milliseconds since the epoch (from `deps.now`), so a timeline can subtract them. */
export type ExecEvent =
  | { type: 'start'; planId: string; at: number }
  | { type: 'step-start'; step: string; device: string; at: number }
  | { type: 'command'; step: string; device: string; command: string; code: number | null; at: number }
  | {
      type: 'verify-progress';
      step: string;
      router: string;
      prefix: string;
      vrf: string;
      satisfied: boolean;
      at: number;
    }
  /** `already`: on a resumed step, commands whose effect the interrupted run had put in place already. */
  | { type: 'step-done'; step: string; outcome: StepOutcome; error?: string; already?: string; at: number }
  | { type: 'rollback-start'; step: string; device: string; at: number }
  /** An undo failed and will be tried again after `delayMs`: `attempt` is the number of that next try. */
  | {
      type: 'rollback-retry';
      step: string;
      device: string;
      attempt: number;
      error: string;
      delayMs: number;
      at: number;
    }
  /** `skipped` with an `error`: not undone for that reason (not merely "nothing to undo"). */
  /** `already`: undo commands whose effect was in place already (a route already absent…), said as such. */
  | {
      type: 'rollback-done';
      step: string;
      outcome: RollbackOutcome;
      error?: string;
      already?: string;
      at: number;
    }
  /** `reason`: why the plan did not apply (absent when applied); `next`: the command that gets out of it. */
  | { type: 'done'; status: ExecStatus; reason?: string; next?: string; at: number };

export type StepOutcome = 'ok' | 'failed';
/** `skipped`: the step has no rollback, or its first command failed so nothing was applied. */
export type RollbackOutcome = 'ok' | 'failed' | 'skipped';
export type ExecStatus = 'applied' | 'rolled-back' | 'failed';

/** What the executor needs of a router's VyOS API (src/transport/vyos-api's client has it). */
export interface VyosConfigApi {
  configure(
    commands: { op: 'set' | 'delete'; path: string[]; value?: string }[],
    opts?: { confirmTime?: number },
  ): Promise<{ output: string | null; confirmPending: boolean }>;
  confirm(): Promise<string>;
  /** `/config-file save` to config.boot: what the router boots into. */
  saveConfig(): Promise<string>;
  showConfig(path: string[]): Promise<unknown>;
}

/** A router's API as the workflows use it: configure, and the version probe (`GET /info`, null before 1.5). */
export interface VyosRouterApi extends VyosConfigApi {
  info(): Promise<{ version?: string } | null>;
}

export interface ExecDeps {
  runnerFor(device: string): CommandRunner;
  /** A router's VyOS API, for `vyos-configure` steps (absent: such steps fail, naming the device). */
  apiFor?(device: string): Promise<VyosConfigApi>;
  store: AppStore;
  poller: Pick<Poller, 'pollNow' | 'pollFast'>;
  registry: Registry;
  operator: string;
  /** This console instance: names the lease holder. */
  console: { id: string; pid: number; host: string };
  onEvent?(event: ExecEvent): void;
  /**
   * Awaited before each step runs (a manual VM move); a throw fails that step, as a failed command
   * would. Resolving with `{ irreversible }` says something outside the network changed just now that
   * the network must follow (the engineer moved the VM by hand): it is audited (kind `moved`), and a
   * failure from then on is not rolled back — undoing the network would strand the workload.
   */
  beforeStep?(step: Step): Promise<void | { irreversible: string }>;
  now?: () => number;
  /** How an undo that fails to reach its device is retried (default: for 90 s, see RollbackRetry). */
  rollbackRetry?: RollbackRetry;
  /** Fast-poll interval of the routers while a step is verified (default 50 ms). */
  verifyPollMs?: number;
}

/**
 * An undo command that cannot reach its device (SSH dropped, API unreachable) is tried again with
 * backoff for `forMs` after its first failure; later undo steps wait, since they may depend on it.
 */
export interface RollbackRetry {
  /** Bound per undo step, in ms (default DEFAULT_ROLLBACK_RETRY_MS). */
  forMs?: number;
  /** First pause between tries (default 500 ms), doubled up to `maxDelayMs` (default 5 s). */
  delayMs?: number;
  maxDelayMs?: number;
  /** Optional cap on tries as well. */
  attempts?: number;
}

/** Longer than a 30 s SSH drop plus the SSH client's own reconnect backoff. */
export const DEFAULT_ROLLBACK_RETRY_MS = 90_000;
/** One hour: a bound past that is a typo, not a policy. */
export const MAX_ROLLBACK_RETRY_MS = 3_600_000;

/**
 * `resume` / `rollback`: continue or undo a plan a console was applying when it died. `completed`
 * are the steps the audit log shows done; the next one may have run in part, so it is undone
 * (tolerantly) before a resume re-runs it, and undone with the others on a rollback.
 */
export interface ExecOptions {
  mode?: 'apply' | 'resume' | 'rollback';
  completed?: readonly string[];
}

export interface StepRecord {
  id: string;
  startedAt: number;
  endedAt: number;
  outcome: StepOutcome;
  error?: string;
}

export interface RollbackRecord {
  id: string;
  device: string;
  outcome: RollbackOutcome;
  error?: string;
}

/** First time a router satisfied a step's verification of a prefix. */
export interface Convergence {
  step: string;
  router: string;
  prefix: string;
  vrf: string;
  expect: 'announced-by' | 'withdrawn';
  at: number;
}

export interface ExecResult {
  status: ExecStatus;
  /** Why it did not apply (the failed step, and any undo that failed or was not run). */
  reason?: string;
  /** For `failed`: the command that brings the fabric and the registry back into agreement. */
  next?: string;
  steps: StepRecord[];
  rollbacks: RollbackRecord[];
  convergence: Convergence[];
}

/** A step failed; `transport`: the device could not be reached (the command's effect is unknown). */
export class StepFailure extends Error {
  override name = 'StepFailure';
  constructor(
    message: string,
    readonly transport: boolean,
  ) {
    super(message);
  }
}
