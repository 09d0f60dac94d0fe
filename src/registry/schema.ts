import type BetterSqlite3 from 'better-sqlite3';
import { RegistryError } from './errors.ts';

/**
 * Forward-only migrations: index i brings the schema from version i to i + 1. Never edit a shipped
 * entry — registries in the field already ran it; append a new one instead.
 */
const MIGRATIONS: readonly string[] = [
  /* v1 */ `
  CREATE TABLE tenants (
    name TEXT PRIMARY KEY,
    vrf  TEXT NOT NULL
  );
  CREATE TABLE pools (
    tenant TEXT NOT NULL REFERENCES tenants(name) ON DELETE CASCADE,
    family INTEGER NOT NULL CHECK (family IN (4, 6)),
    cidr   TEXT NOT NULL,
    PRIMARY KEY (tenant, cidr)
  );
  -- The primary key is the invariant IPAM relies on: one address, one owner, per VRF.
  CREATE TABLE allocations (
    vrf          TEXT NOT NULL,
    address      TEXT NOT NULL,
    family       INTEGER NOT NULL CHECK (family IN (4, 6)),
    tenant       TEXT NOT NULL REFERENCES tenants(name),
    workload     TEXT NOT NULL,
    allocated_at INTEGER NOT NULL,
    PRIMARY KEY (vrf, address)
  );
  CREATE INDEX allocations_by_workload ON allocations(workload);
  CREATE INDEX allocations_by_tenant ON allocations(tenant);
  CREATE TABLE workloads (
    name          TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL REFERENCES tenants(name),
    vrf           TEXT NOT NULL,
    host          TEXT NOT NULL,
    tap           TEXT NOT NULL,
    ipv4          TEXT NOT NULL,
    ipv6_prefix   TEXT NOT NULL,
    extra_allowed TEXT NOT NULL,
    state         TEXT NOT NULL,
    updated_at    INTEGER NOT NULL
  );
  CREATE TABLE plans (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    workload   TEXT NOT NULL,
    tenant     TEXT NOT NULL,
    operator   TEXT NOT NULL,
    status     TEXT NOT NULL,
    detail     TEXT,
    body       TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE INDEX plans_by_status ON plans(status);
  CREATE INDEX plans_by_workload ON plans(workload);
  CREATE TABLE audit (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    at       TEXT NOT NULL,
    operator TEXT NOT NULL,
    plan_id  TEXT NOT NULL,
    kind     TEXT NOT NULL,
    device   TEXT,
    diff     TEXT,
    outcome  TEXT NOT NULL,
    message  TEXT NOT NULL
  );
  CREATE INDEX audit_by_plan ON audit(plan_id);
  -- Append-only is enforced by the database, not by convention: no code path (ours or a
  -- hand-run sqlite3 session without dropping the triggers) can rewrite history.
  CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: UPDATE refused'); END;
  CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'audit log is append-only: DELETE refused'); END;
  CREATE TABLE leases (
    workload    TEXT PRIMARY KEY,
    plan_id     TEXT NOT NULL,
    console     TEXT NOT NULL,
    operator    TEXT NOT NULL,
    pid         INTEGER NOT NULL,
    host        TEXT NOT NULL,
    acquired_at INTEGER NOT NULL
  );
  CREATE INDEX leases_by_plan ON leases(plan_id);
  `,
  /* v2: shared-service NAT (issue 8): one slice per owner and private prefix, unique per transit range. */ `
  CREATE TABLE transit_slices (
    transit      TEXT NOT NULL,
    owner        TEXT NOT NULL,
    private      TEXT NOT NULL,
    slice        TEXT NOT NULL,
    allocated_at INTEGER NOT NULL,
    PRIMARY KEY (transit, owner, private),
    UNIQUE (transit, slice)
  );
  `,
  /* v3: a team registry (issue 19): lease heartbeats (a holder on another machine cannot be probed),
     and this registry's identity, which plan files carry so they are applied where they were planned. */ `
  ALTER TABLE leases ADD COLUMN heartbeat_at INTEGER;
  CREATE TABLE registry_meta (id TEXT NOT NULL);
  INSERT INTO registry_meta (id) VALUES (lower(hex(randomblob(16))));
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** The tables each migration creates (index i: migration to v i + 1), to tell a damaged file from ours. */
const TABLES: readonly (readonly string[])[] = [
  ['tenants', 'pools', 'allocations', 'workloads', 'plans', 'audit', 'leases'],
  ['transit_slices'],
  ['registry_meta'],
];

/**
 * Why this database is not a routedeck registry of its recorded version (null: it is, or it is
 * a database with no tables yet, which migrate initialises).
 */
export function schemaProblem(db: BetterSqlite3.Database): string | null {
  const tables = new Set(
    (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
      (t) => t.name,
    ),
  );
  if (tables.size === 0) return null;
  if (!tables.has('schema_version'))
    return 'is an SQLite database but not a routedeck registry (it has no schema_version table)';
  const version = currentVersion(db);
  const missing = TABLES.slice(0, version)
    .flat()
    .filter((t) => !tables.has(t));
  if (missing.length > 0) return `lacks table(s) ${missing.join(', ')} of its schema v${version}`;
  return null;
}

/** Brings the database to SCHEMA_VERSION; refuses a file written by a newer routedeck rather than guess. */
export function migrate(db: BetterSqlite3.Database, now: () => number): number {
  // The common case (already current) is a plain read: opening a console must not wait for the
  // write lock another console holds during an apply.
  if (currentVersion(db) === SCHEMA_VERSION) return SCHEMA_VERSION;
  const run = db.transaction(() => {
    db.exec(
      'CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied_at INTEGER NOT NULL)',
    );
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
    const current = row.v ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new RegistryError(
        `registry schema is v${current} but this routedeck knows up to v${SCHEMA_VERSION}; upgrade routedeck`,
      );
    }
    const insert = db.prepare('INSERT INTO schema_version (version, applied_at) VALUES (?, ?)');
    for (let v = current; v < SCHEMA_VERSION; v++) {
      db.exec(MIGRATIONS[v] ?? '');
      insert.run(v + 1, now());
    }
    return SCHEMA_VERSION;
  });
  // IMMEDIATE: two consoles starting at once must not both run migration v1.
  return run.immediate();
}

function currentVersion(db: BetterSqlite3.Database): number {
  const exists = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'")
    .get();
  if (exists === undefined) return 0;
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null };
  return row.v ?? 0;
}
