import { homedir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { assemble, type RegistryChange, type RegistryTables } from './assemble.ts';
import type { Ctx } from './context.ts';
import { RegistryDamagedError, RegistryError } from './errors.ts';
import { checkDatabase, checkFile, createIfAbsent } from './integrity.ts';
import { parseRegistryLocation, type SslMode } from './location.ts';
import { openPgRegistry } from './pg/open.ts';
import { migrate } from './schema.ts';
import { sqliteDb } from './sql.ts';

export interface RegistryOptions {
  /**
   * SQLite file (`:memory:` for a throwaway registry), `sqlite:FILE`, or `postgres://USER@HOST[:PORT]/DB`.
   * Default: see defaultRegistryPath.
   */
  path?: string;
  /** PostgreSQL only: the password (resolved from the inventory's reference; else PGPASSWORD, ~/.pgpass). */
  password?: string;
  /** PostgreSQL only: TLS as libpq's sslmode/sslrootcert (a `?sslmode=` in the URL wins). */
  sslmode?: SslMode;
  sslrootcert?: string;
  /** PostgreSQL only: one statement's limit and the connect limit (ms). */
  timeoutMs?: number;
  /** Clock in ms since the epoch (tests pin it). */
  now?: () => number;
  /** Values that must never be stored (resolved API keys…): replaced by `[redacted]` in the audit log. */
  secrets?: readonly string[];
  /** How long a writer waits for another console's write lock before failing (ms). */
  busyTimeoutMs?: number;
  /** A lease whose holder has not heartbeaten for this long is gone (default LEASE_TTL_MS). */
  leaseTtlMs?: number;
}

export type Registry = RegistryTables & {
  /** The file, or the PostgreSQL URL without its password. */
  readonly path: string;
  readonly backend: 'sqlite' | 'postgres';
  /**
   * Runs fn as one transaction: all of it commits, or none of it (fn throwing rolls back). PostgreSQL
   * runs it SERIALIZABLE and re-runs fn whole after a lost race, so fn must only touch the registry.
   */
  transaction<T>(fn: () => T): T;
  /** How many transactions were re-run after a serialization failure or deadlock (always 0 on SQLite). */
  transactionRetries(): number;
  /** Changes other consoles commit (PostgreSQL LISTEN/NOTIFY); SQLite never calls back. Returns unsubscribe. */
  onChange(listener: (change: RegistryChange) => void): () => void;
  /**
   * A value that changes whenever anything in the registry may have changed — this console's writes or
   * another's commit — so a caller re-reads 50,000 workload rows only then; null when the backend cannot
   * tell cheaply (PostgreSQL: read again).
   */
  changeMark(): string | null;
  /** Folds the WAL into the main file (tests inspect the file; also done on close). No-op on PostgreSQL. */
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
  const now = options.now ?? Date.now;
  // The default path's directories are made on demand; a path given explicitly was checked by the caller.
  const location = parseRegistryLocation(options.path ?? defaultRegistryPath(), {
    createDirs: true,
    ...(options.sslmode ? { sslmode: options.sslmode } : {}),
    ...(options.sslrootcert ? { sslrootcert: options.sslrootcert } : {}),
  });
  if (location.kind === 'postgres') return openPgRegistry(location, { ...options, now });
  const path = location.path;
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
  const sql = sqliteDb(db);
  const ctx: Ctx = { db: sql, now, tx };
  const { tables, stop } = assemble(ctx, options);
  return {
    path,
    backend: 'sqlite',
    ...tables,
    transaction: tx,
    transactionRetries: () => 0,
    onChange: () => () => {},
    // data_version moves when another connection commits; this one's writes are counted.
    changeMark: () => `${String(db.pragma('data_version', { simple: true }))}:${sql.writes()}`,
    checkpoint: () => void db.pragma('wal_checkpoint(TRUNCATE)'),
    close: () => {
      stop();
      db.close();
    },
  };
}
