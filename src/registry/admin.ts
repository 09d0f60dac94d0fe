/**
 * Operator commands on a registry as a whole (`routedeck registry migrate|copy`): run the schema
 * migrations explicitly, and move a single operator's SQLite history into a team's PostgreSQL one.
 */
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { RegistryError } from './errors.ts';
import { parseRegistryLocation, type PgLocation } from './location.ts';
import { openRegistry, type RegistryOptions } from './open.ts';
import { connectPg, type PgRegistryOptions } from './pg/open.ts';
import { migratePg, PG_SCHEMA_VERSION } from './pg/schema.ts';
import { SCHEMA_VERSION } from './schema.ts';

export interface MigrateResult {
  location: string;
  backend: 'sqlite' | 'postgres';
  version: number;
  /** The versions this run applied (empty: it was current). */
  applied: number[];
}

export function migrateRegistry(options: RegistryOptions & { path: string }): MigrateResult {
  const location = parseRegistryLocation(options.path, {
    ...(options.sslmode ? { sslmode: options.sslmode } : {}),
    ...(options.sslrootcert ? { sslrootcert: options.sslrootcert } : {}),
  });
  if (location.kind === 'postgres') {
    const conn = connectPg(location, options);
    try {
      const applied = migratePg(conn.pg, options.now ?? Date.now);
      return { location: location.label, backend: 'postgres', version: PG_SCHEMA_VERSION, applied };
    } finally {
      conn.pg.close();
    }
  }
  const before = existsSync(location.path) ? sqliteVersion(location.path) : 0;
  openRegistry({ ...options, path: location.path }).close(); // checks the file, then migrates it
  const applied = Array.from({ length: SCHEMA_VERSION - before }, (_, i) => before + i + 1);
  return { location: location.path, backend: 'sqlite', version: SCHEMA_VERSION, applied };
}

function sqliteVersion(path: string): number {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
      return row.v ?? 0;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not ours, or damaged: openRegistry refuses it with the reason
  }
}

/** Tables in dependency order (tenants before what references them); leases are never copied. */
const TABLES = ['tenants', 'pools', 'allocations', 'workloads', 'plans', 'audit', 'transit_slices'] as const;

export interface CopyResult {
  from: string;
  to: string;
  counts: Record<(typeof TABLES)[number], number>;
  registryId: string | null;
}

/**
 * Copies a SQLite registry into an empty PostgreSQL one, in one transaction: every row, audit
 * sequence numbers kept, and the registry id (so plan files made against the old one still apply).
 * The source is checked as any console opens it (an older schema is brought up to date), then read
 * read-only. Refused: a destination that already has
 * history (histories are never merged), a source with live leases (finish or roll back first).
 */
export function copyRegistry(
  from: string,
  to: string,
  options: PgRegistryOptions & { sslmode?: PgLocation['sslmode']; sslrootcert?: string } = {},
): CopyResult {
  const source = parseRegistryLocation(from);
  const dest = parseRegistryLocation(to, {
    ...(options.sslmode ? { sslmode: options.sslmode } : {}),
    ...(options.sslrootcert ? { sslrootcert: options.sslrootcert } : {}),
  });
  if (source.kind !== 'sqlite' || source.path === ':memory:')
    throw new RegistryError('registry copy: --from must be sqlite:FILE (an existing SQLite registry)');
  if (dest.kind !== 'postgres')
    throw new RegistryError('registry copy: --to must be postgres://USER@HOST/DB');
  if (!existsSync(source.path)) throw new RegistryError(`registry copy: ${source.path} does not exist`);
  // Opening through openRegistry first refuses an empty, damaged or foreign file with its usual message.
  const check = openRegistry({ path: source.path });
  const live = check.leases();
  check.close();
  if (live.length > 0)
    throw new RegistryError(
      `registry copy: ${source.path} has ${live.length} lease(s) (plan ${live[0]!.planId} is being applied): ` +
        'finish it, or `routedeck apply --resume|--rollback` it, before copying',
    );
  const db = new Database(source.path, { readonly: true, fileMustExist: true });
  const conn = connectPg(dest, options);
  try {
    migratePg(conn.pg, options.now ?? Date.now);
    return conn.tx(() => {
      for (const table of TABLES) {
        const n = (conn.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
        if (n > 0)
          throw new RegistryError(
            `registry copy: ${dest.label} already has ${n} row(s) in ${table}; copy only into a new, empty database`,
          );
      }
      const counts = {} as CopyResult['counts'];
      for (const table of TABLES) counts[table] = copyTable(db, conn.db, table);
      conn.db
        .prepare(
          "SELECT setval(pg_get_serial_sequence('audit', 'seq'), COALESCE(MAX(seq), 0) + 1, false) FROM audit",
        )
        .get();
      const meta = hasTable(db, 'registry_meta')
        ? (db.prepare('SELECT id FROM registry_meta').get() as { id: string } | undefined)
        : undefined;
      if (meta) conn.db.prepare('UPDATE registry_meta SET id = ?').run(meta.id);
      return { from: source.path, to: dest.label, counts, registryId: meta?.id ?? null };
    });
  } finally {
    conn.pg.close();
    db.close();
  }
}

// PostgreSQL takes up to 65,535 parameters a statement; the widest table has 9 columns.
const BATCH = 500;

function hasTable(db: Database.Database, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

function copyTable(src: Database.Database, dest: ReturnType<typeof connectPg>['db'], table: string): number {
  if (!hasTable(src, table)) return 0;
  const rows = src.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[];
  if (rows.length === 0) return 0;
  const columns = Object.keys(rows[0]!);
  // Many rows a statement: a year of audit history is one round trip per BATCH rows, not per row.
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += BATCH) {
    const batch = rows.slice(i, i + BATCH);
    dest
      .prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES ${batch.map(() => tuple).join(', ')}`)
      .run(...batch.flatMap((row) => columns.map((c) => row[c])));
  }
  return rows.length;
}
