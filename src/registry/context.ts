import type { z } from 'zod';
import { RegistryCorruptError } from './errors.ts';
import type { SqlDb } from './sql.ts';

/** What every table module needs: the connection, the clock, and the one transaction wrapper. */
export interface Ctx {
  db: SqlDb;
  now: () => number;
  /** Runs fn in one transaction (SQLite: BEGIN IMMEDIATE; PostgreSQL: SERIALIZABLE, retried); a savepoint when nested. */
  tx<T>(fn: () => T): T;
}

/**
 * Validates one row read back from SQLite. Rows are checked at this boundary so a damaged file
 * surfaces as a RegistryCorruptError naming the table and row, not as a TypeError deep in a view.
 */
export function parseRow<S extends z.ZodType>(
  schema: S,
  row: unknown,
  table: string,
  key: string,
): z.output<S> {
  const result = schema.safeParse(row);
  if (!result.success) {
    const detail = result.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');
    throw new RegistryCorruptError(table, key, detail);
  }
  return result.data;
}

/** JSON stored in a TEXT column, parsed with the same corrupt-row reporting. */
export function parseJsonColumn(text: string, table: string, key: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RegistryCorruptError(table, key, `invalid JSON: ${(error as Error).message}`);
  }
}

export function keyOf(row: unknown, column: string): string {
  if (row && typeof row === 'object' && column in row)
    return String((row as Record<string, unknown>)[column]);
  return '(unknown)';
}
