// The registry argument and `routedeck registry migrate|copy`, as an operator meets them: a location
// that is not a registry is refused in one sentence with exit 2 and nothing created; a team's
// PostgreSQL registry is migrated and filled from a laptop's SQLite history.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry } from '../../src/registry/index.ts';
import { cli } from '../helpers/cli.ts';
import { useBackends } from '../registry/backends.ts';
import { samplePlan, tenantA } from '../registry/helpers.ts';

const INVENTORY = join(import.meta.dirname, '../../fixtures/inventory/example.yaml');
const pgBackend = useBackends().find((b) => b.name === 'postgres')!;

let dir: string;
let cwd: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'routedeck-cli-registry-'));
  cwd = process.cwd();
  process.chdir(dir); // a location taken for a relative file path would appear here
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

describe('a registry location that is not one', () => {
  it.each([
    [
      'mysql://noc@127.0.0.1/routedeck',
      /^routedeck: registry "mysql:\/\/…" is not a known kind of registry: give a file path, sqlite:FILE or postgres:\/\/USER@HOST\/DB\n$/,
    ],
    [
      './no/such/dir/registry.sqlite',
      /^routedeck: registry \.\/no\/such\/dir\/registry\.sqlite: directory .*\/no\/such\/dir does not exist/,
    ],
    [
      'postgres://noc:hunter2@127.0.0.1/routedeck',
      /^routedeck: a registry URL must not contain a password: use PGPASSWORD, ~\/\.pgpass, or the inventory's registry\.password \{env\|file\}\n$/,
    ],
    [
      'postgres://noc@127.0.0.1/routedeck?sslmode=require',
      /sslmode "require" is not supported: use verify-full \(or verify-ca\)/,
    ],
  ])('%s: exit 2, one sentence, nothing created', async (location, message) => {
    const out = await cli(['audit', '--inventory', INVENTORY, '--registry', location]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(out.stderr).not.toContain('hunter2');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('an inventory registry.url with a password is refused without echoing it', async () => {
    const inv = join(dir, '..', `inv-${process.pid}.yaml`);
    writeFileSync(
      inv,
      `${readFileSync(INVENTORY, 'utf8')}registry: { url: "postgres://noc:hunter2@db.example/routedeck" }\n`,
    );
    try {
      const out = await cli(['audit', '--inventory', inv]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(
        'registry.url: must not contain a password; give it as password: {env: NAME} or {file: PATH}',
      );
      expect(out.stderr).not.toContain('hunter2');
    } finally {
      rmSync(inv, { force: true });
    }
  });
});

describe("the inventory's registry key", () => {
  const withRegistry = (name: string, yaml: string) => {
    const inv = join(dir, '..', `${name}-${process.pid}.yaml`);
    writeFileSync(inv, `${readFileSync(INVENTORY, 'utf8')}${yaml}`);
    return inv;
  };

  it('sqlite:FILE relative to the inventory: the registry lives next to it, whatever the current directory', async () => {
    const inv = withRegistry('inv-sqlite', 'registry: { url: "sqlite:team-registry.sqlite" }\n');
    const file = join(dir, '..', 'team-registry.sqlite');
    try {
      const out = await cli(['audit', '--inventory', inv]);
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      const reg = openRegistry({ path: file });
      expect(reg.backend).toBe('sqlite');
      reg.close();
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(inv, { force: true });
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    }
  });

  it('a password reference that resolves to nothing: exit 2, one sentence naming the variable', async () => {
    const inv = withRegistry(
      'inv-pw',
      'registry: { url: "postgres://noc@127.0.0.1:1/routedeck", password: { env: RD_TEST_NO_SUCH_PW } }\n',
    );
    try {
      const out = await cli(['audit', '--inventory', inv]);
      expect(out.code).toBe(2);
      expect(out.stderr).toBe(
        'routedeck: registry password: secret environment variable RD_TEST_NO_SUCH_PW is not set or empty\n',
      );
    } finally {
      rmSync(inv, { force: true });
    }
  });

  it('sslmode require is refused in the inventory too', async () => {
    const inv = withRegistry(
      'inv-ssl',
      'registry: { url: "postgres://noc@db.example/routedeck", sslmode: require }\n',
    );
    try {
      const out = await cli(['audit', '--inventory', inv]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(
        'registry.sslmode: must be disable, verify-ca or verify-full (require does not check who answers)',
      );
    } finally {
      rmSync(inv, { force: true });
    }
  });
});

describe('registry migrate on a SQLite file', () => {
  it('brings a v2 file (before heartbeats and registry ids) to v3, keeping its leases; then has nothing to do', async () => {
    const file = join(dir, '..', `v2-${process.pid}.sqlite`);
    try {
      const reg = openRegistry({ path: file });
      reg.acquireLease('web-1', 'p1', { console: 'c', operator: 'bob', pid: 1, host: 'jump-host-b' });
      reg.close();
      // Back to what a routedeck of before issue 19 left on disk.
      const db = new Database(file);
      db.exec(
        'DROP TABLE registry_meta; ALTER TABLE leases DROP COLUMN heartbeat_at; DELETE FROM schema_version WHERE version = 3',
      );
      db.close();
      const out = await cli(['registry', 'migrate', '--registry', file]);
      expect(out.stdout).toBe(`registry ${file} (sqlite): applied v3; now at schema v3\n`);
      expect((await cli(['registry', 'migrate', '--registry', file])).stdout).toBe(
        `registry ${file} (sqlite) is at schema v3; nothing to do\n`,
      );
      const after = openRegistry({ path: file });
      try {
        expect(after.registryId()).toMatch(/^[0-9a-f]{32}$/);
        // A lease written before heartbeats: its holder elsewhere is presumed alive, as before.
        expect(after.leases().map((l) => [l.planId, l.heartbeatAt])).toEqual([['p1', undefined]]);
        expect(() =>
          after.acquireLease('web-1', 'p2', { console: 'd', operator: 'alice', pid: 2, host: 'jump-host-a' }),
        ).toThrow(/leased by plan p1/);
      } finally {
        after.close();
      }
    } finally {
      for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    }
  });
});

describe.skipIf(pgBackend.skip)('a team registry on PostgreSQL', () => {
  it('a database that is down: exit 2, one sentence naming the URL, nothing created', async () => {
    const url = `postgres://noc@127.0.0.1:${pgBackend.cluster().port + 1}/routedeck`;
    const out = await cli(['audit', '--inventory', INVENTORY, '--registry', url]);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      new RegExp(
        `^routedeck: registry ${url.replace(/[./]/g, '\\$&')} is unreachable \\(.*ECONNREFUSED.*\\)\\n$`,
      ),
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('migrate, then copy a SQLite history over: same rows, same audit order, same registry id', async () => {
    const url = await pgBackend.location();
    expect((await cli(['registry', 'migrate', '--registry', url])).stdout).toBe(
      `registry ${url} (postgres): applied v1; now at schema v1\n`,
    );
    expect((await cli(['registry', 'migrate', '--registry', url])).stdout).toBe(
      `registry ${url} (postgres) is at schema v1; nothing to do\n`,
    );

    const file = join(dir, '..', `laptop-${process.pid}.sqlite`);
    const laptop = openRegistry({ path: file });
    laptop.upsertTenant(tenantA);
    laptop.allocate('acme', 4, '10.0.0.5', 'web-1');
    laptop.savePlan(samplePlan('p1'), 'applied');
    for (const outcome of ['ok', 'failed', 'rolled-back'])
      laptop.appendAudit({
        at: '2025-01-01T00:00:00Z',
        operator: 'alice',
        planId: 'p1',
        kind: 'step',
        outcome,
        message: outcome,
      });
    const id = laptop.registryId();
    const expected = {
      tenants: laptop.tenants(),
      allocated: laptop.allocated({ vrf: 'acme' }),
      plans: laptop.plans(),
      audit: laptop.audit(),
    };
    laptop.close();
    try {
      const out = await cli(['registry', 'copy', '--from', `sqlite:${file}`, '--to', url]);
      expect(out.stderr).toBe('');
      expect(out.stdout).toContain(
        `copied ${file} → ${url}: tenants 1, pools 2, allocations 1, workloads 0, plans 1, audit 3, transit_slices 0\n`,
      );
      const team = openRegistry({ path: url });
      try {
        expect({
          tenants: team.tenants(),
          allocated: team.allocated({ vrf: 'acme' }),
          plans: team.plans(),
          audit: team.audit(),
        }).toEqual(expected);
        expect(team.registryId()).toBe(id);
        const next = team.appendAudit({
          at: '2025-01-02T00:00:00Z',
          operator: 'bob',
          planId: 'p2',
          kind: 'plan',
          outcome: 'ok',
          message: 'after the move',
        });
        expect(next.seq).toBe(4); // the log continues where the laptop's ended
      } finally {
        team.close();
      }
      const again = await cli(['registry', 'copy', '--from', `sqlite:${file}`, '--to', url]);
      expect(again.code).toBe(2);
      expect(again.stderr).toBe(
        `routedeck: registry copy: ${url} already has 1 row(s) in tenants; copy only into a new, empty database\n`,
      );
      const audit = await cli(['audit', '--inventory', INVENTORY, '--registry', url, '--json']);
      expect(audit.code).toBe(0);
      expect((JSON.parse(audit.stdout) as { message: string }[]).map((e) => e.message)).toEqual([
        'ok',
        'failed',
        'rolled-back',
        'after the move',
      ]);
    } finally {
      rmSync(file, { force: true });
    }
  });
  it('a SQLite registry with a plan being applied (a live lease) is not copied: exit 2, the way out named, nothing created', async () => {
    const url = await pgBackend.location();
    const file = join(dir, '..', `busy-${process.pid}.sqlite`);
    const laptop = openRegistry({ path: file });
    laptop.upsertTenant(tenantA);
    laptop.savePlan(samplePlan('p-busy'), 'applying');
    laptop.acquireLease('web-1', 'p-busy', {
      console: 'c1',
      operator: 'alice',
      pid: process.pid,
      host: hostname(),
    });
    laptop.close();
    try {
      const out = await cli(['registry', 'copy', '--from', `sqlite:${file}`, '--to', url]);
      expect(out.code).toBe(2);
      expect(out.stdout).toBe('');
      expect(out.stderr).toBe(
        `routedeck: registry copy: ${file} has 1 lease(s) (plan p-busy is being applied): ` +
          'finish it, or `routedeck apply --resume|--rollback` it, before copying\n',
      );
      // Nothing was created in the team database: it is still new (no schema), so migrate applies v1.
      expect((await cli(['registry', 'migrate', '--registry', url])).stdout).toBe(
        `registry ${url} (postgres): applied v1; now at schema v1\n`,
      );
      // The laptop's registry is as it was: the lease and the plan still there.
      const again = openRegistry({ path: file });
      try {
        expect(again.leases().map((l) => l.planId)).toEqual(['p-busy']);
      } finally {
        again.close();
      }
    } finally {
      rmSync(file, { force: true });
    }
  });
});
