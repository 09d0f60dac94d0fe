import { readFileSync } from 'node:fs';
import { assemble, type RegistryChange } from '../assemble.ts';
import type { Ctx } from '../context.ts';
import { RegistryError, RegistrySqlError } from '../errors.ts';
import type { PgLocation } from '../location.ts';
import type { SqlDb } from '../sql.ts';
import { SyncPg } from './bridge.ts';
import { migratePg, NOTIFY_CHANNEL } from './schema.ts';
import { bind, translate } from './translate.ts';

export interface PgRegistryOptions {
  now?: () => number;
  secrets?: readonly string[];
  leaseTtlMs?: number;
  /** Resolved by the caller from the inventory's `registry.password` ({env|file}); else PGPASSWORD or ~/.pgpass. */
  password?: string;
  /** One statement's limit, and the connect limit (ms). */
  timeoutMs?: number;
  /** How often a transaction is re-run after a serialization failure or deadlock before giving up. */
  maxRetries?: number;
}

// 40001 serialization_failure, 40P01 deadlock_detected: the transaction lost a race and may be re-run whole.
const RETRYABLE = new Set(['40001', '40P01']);
const retryable = (e: unknown): boolean =>
  e instanceof RegistrySqlError && e.code !== null && RETRYABLE.has(e.code);

/** A connection to a PostgreSQL registry with the synchronous SqlDb face and SERIALIZABLE transactions. */
export function connectPg(location: PgLocation, options: PgRegistryOptions) {
  let ca: string | undefined;
  if (location.sslrootcert) {
    try {
      ca = readFileSync(location.sslrootcert, 'utf8');
    } catch (error) {
      throw new RegistryError(`registry sslrootcert ${location.sslrootcert}: ${(error as Error).message}`);
    }
  }
  const pg = new SyncPg(
    {
      host: location.host,
      port: location.port,
      ...(location.user ? { user: location.user } : {}),
      database: location.database,
      ...(options.password !== undefined ? { password: options.password } : {}),
      sslmode: location.sslmode,
      ...(ca ? { ca } : {}),
    },
    location.label,
    options.timeoutMs ?? 10_000,
  );
  let depth = 0;
  // The first failure inside a transaction: PostgreSQL aborts the transaction, and a COMMIT after it
  // would silently roll back, so commit refuses instead.
  let aborted: unknown = null;
  let retries = 0;
  const query = (sql: string, params: readonly unknown[]) => {
    try {
      return pg.query(sql, params, depth > 0);
    } catch (error) {
      if (depth > 0) aborted ??= error;
      throw error;
    }
  };
  const db: SqlDb = {
    dialect: 'postgres',
    prepare(sql) {
      const t = translate(sql);
      return {
        run: (...args) => ({ changes: query(t.sql, bind(t, args)).rowCount }),
        get: (...args) => query(t.sql, bind(t, args)).rows[0],
        all: (...args) => query(t.sql, bind(t, args)).rows,
      };
    },
  };
  const maxRetries = options.maxRetries ?? 20;

  function tx<T>(fn: () => T): T {
    if (depth > 0) return savepoint(fn);
    for (let attempt = 0; ; attempt++) {
      pg.query('BEGIN ISOLATION LEVEL SERIALIZABLE');
      depth = 1;
      aborted = null;
      try {
        const result = fn();
        if (aborted) throw aborted;
        pg.query('COMMIT', [], true);
        return result;
      } catch (error) {
        try {
          pg.query('ROLLBACK', [], true);
        } catch {
          // Connection gone: the server has rolled back.
        }
        const cause = retryable(aborted) ? aborted : error;
        if (retryable(cause) && attempt < maxRetries) {
          retries++;
          continue;
        }
        throw cause;
      } finally {
        depth = 0;
      }
    }
  }

  function savepoint<T>(fn: () => T): T {
    const name = `sp${depth}`;
    query(`SAVEPOINT ${name}`, []);
    depth++;
    try {
      const result = fn();
      depth--;
      query(`RELEASE SAVEPOINT ${name}`, []);
      return result;
    } catch (error) {
      depth--;
      // A lost race must re-run the whole transaction, not be caught and continued.
      if (!retryable(error) && !retryable(aborted)) {
        try {
          query(`ROLLBACK TO SAVEPOINT ${name}`, []);
          aborted = null;
        } catch {
          // Left aborted: the outer commit refuses.
        }
      }
      throw error;
    }
  }

  return { pg, db, tx, retries: () => retries };
}

export function openPgRegistry(location: PgLocation, options: PgRegistryOptions = {}) {
  const now = options.now ?? Date.now;
  const conn = connectPg(location, options);
  try {
    migratePg(conn.pg, now);
    const ctx: Ctx = { db: conn.db, now, tx: conn.tx };
    const { tables, stop } = assemble(ctx, options);
    const listeners = new Set<(change: RegistryChange) => void>();
    let listening = false;
    return {
      path: location.label,
      backend: 'postgres' as const,
      ...tables,
      transaction: conn.tx,
      transactionRetries: conn.retries,
      onChange(listener: (change: RegistryChange) => void): () => void {
        listeners.add(listener);
        if (!listening) {
          listening = true;
          conn.pg.listen(NOTIFY_CHANNEL, (_channel, payload) => {
            const change = parseChange(payload);
            if (change) for (const l of listeners) l(change);
          });
        }
        return () => listeners.delete(listener);
      },
      // Its NOTIFY covers plans, leases and audit, not workloads: the caller reads them again.
      changeMark: () => null,
      checkpoint: () => {},
      close: () => {
        stop();
        conn.pg.close();
      },
    };
  } catch (error) {
    conn.pg.close();
    throw error;
  }
}

function parseChange(payload: string): RegistryChange | null {
  try {
    const v = JSON.parse(payload) as { table?: unknown; key?: unknown };
    if ((v.table === 'plans' || v.table === 'leases' || v.table === 'audit') && typeof v.key === 'string')
      return { table: v.table, key: v.key };
  } catch {
    // Not ours: ignored.
  }
  return null;
}
