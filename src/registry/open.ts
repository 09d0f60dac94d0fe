import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { allocationsApi } from './allocations.ts';
import { auditApi } from './audit.ts';
import type { Ctx } from './context.ts';
import { RegistryDamagedError, RegistryError } from './errors.ts';
import { checkDatabase, checkFile, createIfAbsent } from './integrity.ts';
import { holderAlive, leasesApi } from './leases.ts';
import { plansApi, type StoredPlan } from './plans.ts';
import { migrate } from './schema.ts';
import { SecretScrubber } from './secrets.ts';
import { tenantsApi } from './tenants.ts';
import { transitSlicesApi } from './transit-slices.ts';
import { workloadsApi } from './workloads.ts';

export interface RegistryOptions {
  /** SQLite file; `:memory:` for a throwaway registry. Default: see defaultRegistryPath. */
  path?: string;
  /** Clock in ms since the epoch (tests pin it). */
  now?: () => number;
  /** Values that must never be stored (resolved API keys…): replaced by `[redacted]` in the audit log. */
  secrets?: readonly string[];
  /** How long a writer waits for another console's write lock before failing (ms). */
  busyTimeoutMs?: number;
}

export type Registry = ReturnType<typeof tenantsApi> &
  ReturnType<typeof allocationsApi> &
  ReturnType<typeof workloadsApi> &
  ReturnType<typeof plansApi> &
  ReturnType<typeof auditApi> &
  ReturnType<typeof leasesApi> &
  ReturnType<typeof transitSlicesApi> & {
    readonly path: string;
    /** Runs fn as one BEGIN IMMEDIATE transaction: all of it commits, or none of it (fn throwing rolls back). */
    transaction<T>(fn: () => T): T;
    /** Plans that were `applying` when this registry was opened and whose holder is gone: a console died mid-apply. */
    interruptedPlans(): StoredPlan[];
    /** Adds values to scrub from now on (a key resolved after the registry was opened). */
    addSecrets(values: readonly string[]): void;
    /** Folds the WAL into the main file (tests inspect the file; also done on close). */
    checkpoint(): void;
    close(): void;
  };

/** `$XDG_STATE_HOME/routedeck/registry.sqlite`, else `~/.local/state/routedeck/registry.sqlite`. */
export function defaultRegistryPath(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'routedeck', 'registry.sqlite');
}

/**
 * Opens (or, when nothing is at `path`, creates) a registry. An existing file that is empty,
 * not SQLite, damaged or not ours is refused with a RegistryDamagedError and left untouched.
 */
export function openRegistry(options: RegistryOptions = {}): Registry {
  const path = options.path ?? defaultRegistryPath();
  const now = options.now ?? Date.now;
  if (path !== ':memory:') {
    createIfAbsent(path, now);
    checkFile(path);
  }
  let db: Database.Database;
  try {
    db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000, fileMustExist: path !== ':memory:' });
  } catch (error) {
    throw new RegistryDamagedError(path, `cannot be opened (SQLite: ${(error as Error).message})`);
  }
  try {
    if (path !== ':memory:') checkDatabase(db, path);
    db.pragma('journal_mode = WAL');
    // FULL fsyncs the WAL on every commit: a power cut loses nothing that was reported committed.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    migrate(db, now);
  } catch (error) {
    db.close();
    // Damage SQLite finds past quick_check; a busy lock or a full disk is not damage.
    const damaged = error instanceof Database.SqliteError && /^SQLITE_(CORRUPT|NOTADB)/.test(error.code);
    if (error instanceof RegistryError || !damaged) throw error;
    throw new RegistryDamagedError(path, `cannot be used (SQLite: ${error.message})`);
  }

  // IMMEDIATE takes the write lock at BEGIN, so a read-then-write (pick a free address, then insert
  // it) cannot interleave with another console's; nested calls become savepoints.
  const tx = <T>(fn: () => T): T => db.transaction(fn).immediate();
  const ctx: Ctx = { db, now, tx };
  const secrets = new SecretScrubber(options.secrets ?? []);
  const tenants = tenantsApi(ctx);
  const plans = plansApi(ctx, secrets);
  const leases = leasesApi(ctx);

  // Snapshot at open: a plan still `applying` now was being applied by a console that is gone —
  // unless its leases belong to a live console (a colleague applying right now).
  const interrupted = plans
    .plans({ status: 'applying' })
    .filter((p) => !leases.leases({ planId: p.plan.id }).some((l) => holderAlive(l.holder)));

  return {
    path,
    ...tenants,
    ...allocationsApi(ctx, tenants.tenant),
    ...workloadsApi(ctx),
    ...plans,
    ...auditApi(ctx, secrets),
    ...leases,
    ...transitSlicesApi(ctx),
    transaction: tx,
    interruptedPlans: () => [...interrupted],
    addSecrets: (values) => secrets.add(values),
    checkpoint: () => void db.pragma('wal_checkpoint(TRUNCATE)'),
    close: () => db.close(),
  };
}
