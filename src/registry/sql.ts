import type BetterSqlite3 from 'better-sqlite3';

/**
 * The slice of a SQL connection the table modules use, shared by both backends: SQLite (better-sqlite3)
 * and PostgreSQL (a synchronous bridge to a worker, pg/bridge.ts). Parameters are `?` (positional) or
 * `@name` (one object); each backend's SQL must stay in the dialect both accept.
 */
export interface SqlStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
}

export interface SqlDb {
  readonly dialect: 'sqlite' | 'postgres';
  prepare(sql: string): SqlStatement;
}

export function sqliteDb(db: BetterSqlite3.Database): SqlDb {
  return { dialect: 'sqlite', prepare: (sql) => db.prepare(sql) };
}
