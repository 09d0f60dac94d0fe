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

export type CommitEvent = 'commit' | 'load' | 'revert' | 'reboot';

/** `system config-management commit-confirm action`: what an unconfirmed commit-confirm does at expiry. */
export type ConfirmAction = 'reboot' | 'reload';

export interface SessionOptions {
  version: EmulatedVersion;
  initial: ConfigTree;
  strict: boolean;
  validator: PathValidator | null;
  commitHook?: CommitHook;
  /** Length of one commit-confirm "minute"; shorten it in tests. */
  confirmMinuteMs: number;
  onCommit?: (tree: ConfigTree, event: CommitEvent) => void;
  /** An expired `action reboot` timer: the owner takes the router down (see EmulatedConfigSession.reboot). */
  onTimerReboot?: () => void;
}

/** What a test or the lab's control socket can see of the router's config machinery. */
export interface SessionState {
  confirmPending: boolean;
  /** The action the pending timer was armed with (read from the config when armed). */
  pendingAction?: ConfirmAction;
  /** Running config differs from the saved config.boot (a reboot would lose it). */
  unsaved: boolean;
  boots: { reason: string; at: number }[];
}

/** Upstream `self_ref_msg`: a change under `service https` is committed in the background. */
const SELF_REF_MSG =
  'Requested HTTP API server configuration change; commit will be called in the background';
const DEFAULT_CONFIG_FILE = '/config/config.boot';
const ACTION_PATH = ['system', 'config-management', 'commit-confirm', 'action'];

/** The action in force: [V1x] system_config-management.xml.in `<defaultValue>reboot`. */
export function confirmActionOf(tree: ConfigTree): ConfirmAction {
  return tree.returnValue(ACTION_PATH) === 'reload' ? 'reload' : 'reboot';
}

/**
 * The router's single shared config session ([V1x] `SessionState`): the running tree, saved
 * files, the commit archive's revision 0, a pending commit-confirm, and the global lock that
 * serialises configure and config-file calls. Commit-confirm follows [V1x] python/vyos/config_mgmt.py:
 * the change is committed, then the timer starts; at expiry `action reboot` reboots into the saved
 * config.boot and `action reload` (revert_soft) loads archived revision 0, which plain commits made
 * meanwhile are part of (commit_revision archives them) but commit-confirmed ones are not.
 */
export class EmulatedConfigSession {
  running: ConfigTree;
  readonly savedFiles = new Map<string, ConfigTree>();
  /** Archived revision 0 ([V1x] `/config/archive/config.boot`): updated by plain commits and by confirm. */
  #archive: ConfigTree;
  #pending: { action: ConfirmAction; timer: NodeJS.Timeout } | undefined;
  #lock: Promise<unknown> = Promise.resolve();
  readonly #boots: { reason: string; at: number }[] = [];

  constructor(private readonly opts: SessionOptions) {
    this.running = opts.initial;
    this.#archive = opts.initial.clone();
    this.savedFiles.set(DEFAULT_CONFIG_FILE, opts.initial.clone());
  }

  get confirmPending(): boolean {
    return this.#pending !== undefined;
  }

  state(): SessionState {
    const saved = this.savedFiles.get(DEFAULT_CONFIG_FILE);
    const unsaved =
      !saved || JSON.stringify(saved.showConfig([])) !== JSON.stringify(this.running.showConfig([]));
    return {
      confirmPending: this.#pending !== undefined,
      ...(this.#pending ? { pendingAction: this.#pending.action } : {}),
      unsaved,
      boots: this.#boots.map((b) => ({ ...b })),
    };
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

  /** `op: confirm`: stops the timer and archives the confirmed config ([V1x] `ConfigMgmt.confirm`). */
  confirm(): string {
    if (!this.#pending) return 'No confirm pending\n';
    clearTimeout(this.#pending.timer);
    const { action } = this.#pending;
    this.#pending = undefined;
    this.#archive = this.running.clone();
    return action === 'reboot' ? 'Reboot timer stopped\n' : 'Reload timer stopped\n';
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

  /**
   * The router boots: the running config becomes the saved config.boot (every unsaved commit is
   * lost) and a pending timer dies with the old boot. The caller models the downtime.
   */
  reboot(reason: string): void {
    if (this.#pending) clearTimeout(this.#pending.timer);
    this.#pending = undefined;
    const saved = this.savedFiles.get(DEFAULT_CONFIG_FILE) ?? this.running;
    this.running = saved.clone();
    this.#archive = saved.clone();
    this.#boots.push({ reason, at: Date.now() });
    this.opts.onCommit?.(this.running, 'reboot');
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
    this.running = candidate;
    // A plain commit is archived at once (commit_revision); a commit-confirmed one only on confirm.
    if (confirmTime <= 0) this.#archive = candidate.clone();
    this.opts.onCommit?.(candidate, event);
    let msg: string | null = null;
    if (confirmTime > 0) {
      // The commit already happened; a second commit-confirm fails after it (`Another confirm is pending`).
      if (this.#pending) throw new ApiFailure(400, 'Another confirm is pending\n');
      const action = confirmActionOf(candidate);
      const timer = setTimeout(() => this.#expire(), confirmTime * this.opts.confirmMinuteMs);
      timer.unref();
      this.#pending = { action, timer };
      msg = `Initialized commit-confirm; ${confirmTime} minutes to confirm before ${action}\n`;
    }
    if (touchesHttps) return (msg ?? '') + SELF_REF_MSG;
    // 1.4 returns data null; 1.5 returns the captured commit output (warnings, often empty).
    if (this.opts.version === '1.4') return msg;
    return (msg ?? '') + output;
  }

  /** The timer fired: `config-mgmt revert` (reboot) or `revert_soft` (reload archived revision 0). */
  #expire(): void {
    const pending = this.#pending;
    if (!pending) return;
    this.#pending = undefined;
    if (pending.action === 'reboot') {
      if (this.opts.onTimerReboot) this.opts.onTimerReboot();
      else this.reboot('commit-confirm expired (action reboot)');
      return;
    }
    this.running = this.#archive.clone();
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
