import type { Registry } from '../../registry/index.ts';
import type { Poller } from '../../poller/poller.ts';
import type { AppStore } from '../../state/store.ts';
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
  | { type: 'step-done'; step: string; outcome: StepOutcome; error?: string; at: number }
  | { type: 'rollback-start'; step: string; device: string; at: number }
  | { type: 'rollback-done'; step: string; outcome: RollbackOutcome; error?: string; at: number }
  | { type: 'done'; status: ExecStatus; at: number };

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
  now?: () => number;
  /** Rollback commands hit by a transport error are retried (default 5 attempts, 1 s apart). */
  rollbackRetry?: { attempts: number; delayMs: number };
  /** Fast-poll interval of the routers while a step is verified (default 50 ms). */
  verifyPollMs?: number;
}

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
