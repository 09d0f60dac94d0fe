/**
 * One netns lab per machine: namespace, bridge and veth names are global. The lock is a directory
 * (atomic mkdir) holding owner.json, of one of two kinds:
 * - `run`: a process (a test file, a bench, a `lab netns up|down` at work) holds it while it runs;
 *   others wait for it, and a dead holder's lock is taken over.
 * - `lab`: a lab left running by `routedeck lab netns up` holds it until `lab netns down`. Nothing
 *   else may tear that lab down, so tests refuse at once instead of waiting for ever; a lab hold
 *   whose lab.json is gone (its dir deleted) is stale and taken over.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { labFiles } from './paths.ts';

export type NetnsLockOwner =
  | { kind: 'run'; pid: number; what: string; since: string }
  | { kind: 'lab'; pid: number; dir: string; since: string };

export interface LockOptions {
  /** Lock directory; default ROUTEDECK_NETNS_LOCK, else /run/lock/routedeck-netns (cleared at boot). */
  lockDir?: string;
}

/** The lock is held by someone this caller must not disturb; the message is one sentence. */
export class NetnsLockBusyError extends Error {
  constructor(
    message: string,
    /** null: a holder between taking the lock and writing who it is. */
    readonly owner: NetnsLockOwner | null,
  ) {
    super(message);
    this.name = 'NetnsLockBusyError';
  }
}

export function netnsLockDir(opts: LockOptions = {}): string {
  return opts.lockDir ?? process.env['ROUTEDECK_NETNS_LOCK'] ?? '/run/lock/routedeck-netns';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The owner, or null while a holder is between mkdir and writing owner.json (or wrote garbage). */
export function readLockOwner(lockDir: string): NetnsLockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path.join(lockDir, 'owner.json'), 'utf8')) as Partial<NetnsLockOwner>;
    if (typeof o.pid !== 'number' || typeof o.since !== 'string') return null;
    if (o.kind === 'run' && typeof o.what === 'string') return o as NetnsLockOwner;
    if (o.kind === 'lab' && typeof o.dir === 'string') return o as NetnsLockOwner;
    return null;
  } catch {
    return legacyOwner(lockDir);
  }
}

/** A checkout from before owner.json writes only `pid`: still a run to wait for, not a stale lock. */
function legacyOwner(lockDir: string): NetnsLockOwner | null {
  try {
    const file = path.join(lockDir, 'pid');
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    return { kind: 'run', pid, what: 'a netns run', since: statSync(file).mtime.toISOString() };
  } catch {
    return null;
  }
}

function writeOwner(lockDir: string, owner: NetnsLockOwner): void {
  // Atomic replace: a reader never sees half a file when a run hold becomes a lab hold.
  const tmp = path.join(lockDir, `owner.json.${process.pid}`);
  writeFileSync(tmp, JSON.stringify(owner) + '\n');
  renameSync(tmp, path.join(lockDir, 'owner.json'));
  // Older checkouts read only this: they wait for a live pid (a lab hold's is this CLI's, soon
  // dead, after which they would take over; they predate lab holds).
  writeFileSync(path.join(lockDir, 'pid'), `${owner.pid}\n`);
}

/** A holder that can never release: a dead process, or a lab hold whose lab is gone. */
function stale(owner: NetnsLockOwner | null, lockDir: string): boolean {
  if (owner === null) {
    // Killed between mkdir and writing owner.json: the directory stays ownerless for good.
    try {
      return Date.now() - statSync(lockDir).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
  if (owner.kind === 'run') return owner.pid !== process.pid && !alive(owner.pid);
  return !existsSync(labFiles(owner.dir).record);
}

/** "pid 123 (the netns tests) since 13:02:11 UTC" or "the lab in DIR started by `…` at …". */
export function describeOwner(owner: NetnsLockOwner): string {
  const at = owner.since.replace(/^\d{4}-\d\d-\d\dT/, '').replace(/\.\d+Z$/, ' UTC');
  return owner.kind === 'run'
    ? `pid ${owner.pid} (${owner.what}) since ${at}`
    : `the lab in ${owner.dir} that \`routedeck lab netns up\` started at ${at}`;
}

/** One attempt: the release function, or the current owner (null: being taken right now). */
function tryTake(lockDir: string, what: string): (() => void) | { owner: NetnsLockOwner | null } {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  try {
    mkdirSync(lockDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = readLockOwner(lockDir);
    if (!stale(owner, lockDir)) return { owner };
    rmSync(lockDir, { recursive: true, force: true });
    return tryTake(lockDir, what);
  }
  writeOwner(lockDir, { kind: 'run', pid: process.pid, what, since: new Date().toISOString() });
  return () => releaseIf(lockDir, (o) => o?.kind === 'run' && o.pid === process.pid);
}

function releaseIf(lockDir: string, mine: (owner: NetnsLockOwner | null) => boolean): void {
  if (mine(readLockOwner(lockDir))) rmSync(lockDir, { recursive: true, force: true });
}

function labHoldRefusal(what: string, owner: NetnsLockOwner & { kind: 'lab' }): NetnsLockBusyError {
  return new NetnsLockBusyError(
    `${what}: the netns lab is held by ${describeOwner(owner)}, which this run would tear down; ` +
      `stop it with \`routedeck lab netns down\` (ROUTEDECK_LAB_DIR=${path.dirname(owner.dir)}) first`,
    owner,
  );
}

/**
 * Waits (polling) until this process holds the lab lock; returns the release function. A lab left
 * up by the CLI is refused at once (NetnsLockBusyError): it goes away only when someone downs it.
 */
export async function acquireNetnsLock(
  timeoutMs = 15 * 60_000,
  what = 'the netns tests',
  opts: LockOptions = {},
): Promise<() => void> {
  const lockDir = netnsLockDir(opts);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = tryTake(lockDir, what);
    if (typeof got === 'function') return got;
    const { owner } = got;
    if (owner?.kind === 'lab') throw labHoldRefusal(what, owner);
    if (owner?.pid === process.pid) throw new Error(`${what}: this process already holds the netns lab lock`);
    if (Date.now() > deadline)
      throw new Error(
        `${what}: the netns lab is busy (held by ${owner ? describeOwner(owner) : 'a process starting'}) ` +
          `for over ${timeoutMs / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What `lab netns up|down` holds while it works, and what it leaves behind. */
export interface CliLabClaim {
  /** True when this process already held a run lock (a test driving the CLI in-process): left as is. */
  readonly borrowed: boolean;
  /** After `up`: the lock stays, as a lab hold on `dir`, until `down`. */
  keepForLab(): void;
  /** After `down` (or an `up` that created nothing): the lock is free again. */
  release(): void;
}

/**
 * The CLI's claim for `lab netns up|down` on `dir` (`what` is recorded for others to read): never
 * waits. Refused (NetnsLockBusyError, one sentence naming the holder) while another live process
 * holds the lock, or while a lab from another dir is up; a lab hold on this dir is its own.
 */
export function claimNetnsLabForCli(dir: string, what: string, opts: LockOptions = {}): CliLabClaim {
  const lockDir = netnsLockDir(opts);
  const labOwner = (): NetnsLockOwner => ({
    kind: 'lab',
    pid: process.pid,
    dir,
    since: new Date().toISOString(),
  });
  const claim = (borrowed: boolean): CliLabClaim => ({
    borrowed,
    keepForLab: () => {
      if (!borrowed) writeOwner(lockDir, labOwner());
    },
    release: () => {
      if (!borrowed)
        releaseIf(lockDir, (o) => o !== null && o.pid === process.pid && (o.kind === 'run' || o.dir === dir));
    },
  });
  const got = tryTake(lockDir, what);
  if (typeof got === 'function') return claim(false);
  const { owner } = got;
  if (owner === null)
    throw new NetnsLockBusyError(
      `the netns lab lock ${lockDir} is being taken by another process; try again`,
      null,
    );
  if (owner.kind === 'run') {
    if (owner.pid === process.pid) return claim(true);
    throw new NetnsLockBusyError(
      `the netns lab is in use by ${describeOwner(owner)}; try again when it has finished`,
      owner,
    );
  }
  if (path.resolve(owner.dir) !== path.resolve(dir))
    throw new NetnsLockBusyError(
      `the netns lab is already up from ${owner.dir}; stop it with ` +
        `\`routedeck lab netns down\` (ROUTEDECK_LAB_DIR=${path.dirname(owner.dir)}) first`,
      owner,
    );
  // Our own lab: work under a run hold so a crash mid-way is taken over, not mistaken for a lab.
  writeOwner(lockDir, { kind: 'run', pid: process.pid, what, since: new Date().toISOString() });
  return claim(false);
}
