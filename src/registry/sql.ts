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

/**
 * Statements are prepared once per SQL text and reused (better-sqlite3 statements are; none of ours is
 * iterated, which would hold one busy): preparing again at every call was a third of what recording a
 * workload cost (a fleet's first start records 50,000). Every `run` is counted (`writes`): with
 * SQLite's data_version (other connections' commits) it tells whether anything may have changed.
 */
export function sqliteDb(db: BetterSqlite3.Database): SqlDb & { writes(): number } {
  const prepared = new Map<string, SqlStatement>();
  let writes = 0;
  return {
    dialect: 'sqlite',
    writes: () => writes,
    prepare: (sql) => {
      let statement = prepared.get(sql);
      if (!statement) {
        const st = db.prepare(sql);
        statement = {
          run: (...params) => {
            writes++;
            return st.run(...params);
          },
          get: (...params) => st.get(...params),
          all: (...params) => st.all(...params),
        };
        prepared.set(sql, statement);
      }
      return statement;
    },
  };
}
