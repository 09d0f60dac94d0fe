import { ConfigCliError, type ConfigTree } from './config-tree.ts';
import { ApiFailure, type EmulatedVersion } from './reply.ts';
import type { ConfigureOp, PathValidator } from './validator.ts';

export interface ConfigureCommand {
  op: string;
  path: string[];
  value?: string | null;
}

/** Runs at commit time on the candidate tree; throw to fail the commit with that text, return commit output. */
export type CommitHook = (tree: ConfigTree, commands: readonly ConfigureCommand[]) => string | void;

export type CommitEvent = 'commit' | 'load' | 'revert';

export interface SessionOptions {
  version: EmulatedVersion;
  initial: ConfigTree;
  strict: boolean;
  validator: PathValidator | null;
  commitHook?: CommitHook;
  /** Length of one commit-confirm "minute"; shorten it in tests. */
  confirmMinuteMs: number;
  onCommit?: (tree: ConfigTree, event: CommitEvent) => void;
}

/** Upstream `self_ref_msg`: a change under `service https` is committed in the background. */
const SELF_REF_MSG =
  'Requested HTTP API server configuration change; commit will be called in the background';
const DEFAULT_CONFIG_FILE = '/config/config.boot';

/**
 * The router's single shared config session ([V1x] `SessionState`): the running tree, saved
 * files, a pending commit-confirm, and the global lock that serialises configure and
 * config-file calls.
 */
export class EmulatedConfigSession {
  running: ConfigTree;
  readonly savedFiles = new Map<string, ConfigTree>();
  #pending: { rollback: ConfigTree; timer: NodeJS.Timeout } | undefined;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: SessionOptions) {
    this.running = opts.initial;
    this.savedFiles.set(DEFAULT_CONFIG_FILE, opts.initial.clone());
  }

  get confirmPending(): boolean {
    return this.#pending !== undefined;
  }

  /** One global lock, like upstream's `threading.Lock`: calls run one after another. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    const run = this.#lock.then(fn, fn);
    this.#lock = run.catch(() => undefined);
    return run;
  }

  /** Applies all commands to a copy and commits it; any error leaves the running config untouched. */
  configure(commands: readonly ConfigureCommand[], confirmTime: number): string | null {
    const candidate = this.running.clone();
    for (const c of commands) applyCommand(candidate, c, this.opts);
    const https = commands.some((c) => c.path[0] === 'service' && c.path[1] === 'https');
    return this.#commit(candidate, commands, confirmTime, 'commit', https);
  }

  /** `op: confirm`: stops the revert timer. */
  confirm(): string {
    if (!this.#pending) return 'No confirm pending\n';
    clearTimeout(this.#pending.timer);
    this.#pending = undefined;
    return 'Reload timer stopped\n';
  }

  save(file: string | null | undefined): string {
    const target = file || DEFAULT_CONFIG_FILE;
    this.savedFiles.set(target, this.running.clone());
    return `Saving configuration to '${target}'...\nDone\n`;
  }

  /** `/config-file load`: replaces the running config with a saved file and commits. */
  load(file: string, confirmTime: number): string | null {
    const tree = this.savedFiles.get(file);
    if (!tree) throw new ApiFailure(400, `Configuration file ${file} does not exist`);
    return this.#commit(tree.clone(), [], confirmTime, 'load', false);
  }

  dispose(): void {
    if (this.#pending) clearTimeout(this.#pending.timer);
    this.#pending = undefined;
  }

  #commit(
    candidate: ConfigTree,
    commands: readonly ConfigureCommand[],
    confirmTime: number,
    event: CommitEvent,
    touchesHttps: boolean,
  ): string | null {
    let output: string;
    try {
      output = this.opts.commitHook?.(candidate, commands) ?? '';
    } catch (e) {
      throw new ApiFailure(400, e instanceof Error ? e.message : String(e));
    }
    let msg: string | null = null;
    if (confirmTime > 0) {
      // Revert to the config from before the first unconfirmed commit; a new commit-confirm restarts the timer.
      const rollback = this.#pending?.rollback ?? this.running;
      if (this.#pending) clearTimeout(this.#pending.timer);
      const timer = setTimeout(() => this.#revert(), confirmTime * this.opts.confirmMinuteMs);
      timer.unref();
      this.#pending = { rollback, timer };
      msg = `Initialized commit-confirm; ${confirmTime} minutes to confirm before reload\n`;
    }
    this.running = candidate;
    this.opts.onCommit?.(candidate, event);
    if (touchesHttps) return (msg ?? '') + SELF_REF_MSG;
    // 1.4 returns data null; 1.5 returns the captured commit output (warnings, often empty).
    if (this.opts.version === '1.4') return msg;
    return (msg ?? '') + output;
  }

  /** The commit-confirm timer fired: `commit-confirm action reload` puts the previous config back. */
  #revert(): void {
    if (!this.#pending) return;
    this.running = this.#pending.rollback;
    this.#pending = undefined;
    this.opts.onCommit?.(this.running, 'revert');
  }
}

const FAILED: Record<ConfigureOp, string> = {
  set: 'Set failed',
  delete: 'Delete failed',
  comment: 'Comment failed',
};

function applyCommand(tree: ConfigTree, c: ConfigureCommand, opts: SessionOptions): void {
  if (c.op !== 'set' && c.op !== 'delete' && c.op !== 'comment') {
    throw new ApiFailure(400, `'${c.op}' is not a valid operation`);
  }
  // Upstream: `value = c.value if c.value else ''`, so an empty value means "no value".
  const value = c.value ? c.value : undefined;
  const full = value === undefined ? c.path : [...c.path, value];
  const invalid = c.op === 'comment' ? undefined : opts.validator?.(full, c.op);
  if (invalid) throw new ApiFailure(400, `${invalid}\n${FAILED[c.op]}\n`);
  try {
    if (c.op === 'set') tree.set(c.path, value);
    else if (c.op === 'comment') tree.comment(c.path, value ?? '');
    else if (!tree.exists(full)) {
      if (opts.strict)
        throw new ApiFailure(400, `Cannot delete [${full.join(' ')}]: path/value does not exist`);
    } else tree.delete(c.path, value);
  } catch (e) {
    if (e instanceof ConfigCliError) throw new ApiFailure(400, `${e.message}\n${FAILED[c.op]}\n`);
    throw e;
  }
}
