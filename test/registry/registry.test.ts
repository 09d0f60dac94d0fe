import { statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AllocationConflictError,
  RegistryCorruptError,
  UnknownTenantError,
  defaultRegistryPath,
  openRegistry,
  type Registry,
  SCHEMA_VERSION,
} from '../../src/registry/index.ts';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import { samplePlan, tempDir, tenantA, tenantB } from './helpers.ts';

let tmp: ReturnType<typeof tempDir>;
let reg: Registry;
beforeEach(() => {
  tmp = tempDir();
  reg = openRegistry({ path: tmp.file, now: () => 1_700_000_000_000 });
  reg.upsertTenant(tenantA);
  reg.upsertTenant(tenantB);
});
afterEach(() => {
  reg.close();
  tmp.cleanup();
});

const web1: WorkloadRecord = {
  name: 'web-1',
  tenant: 'acme',
  vrf: 'acme',
  host: 'hv1',
  tap: 'tap-web-1',
  ipv4: '10.0.0.5/32',
  ipv6Prefix: '2001:db8:a::/64',
  extraAllowed: ['10.0.0.200/32'],
  state: 'active',
};

describe('opening', () => {
  it('creates a 0600 file in a 0700 directory, with WAL, FULL sync and foreign keys', () => {
    reg.close();
    const file = join(tmp.dir, 'state', 'routedeck', 'registry.sqlite');
    reg = openRegistry({ path: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const db = new Database(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT MAX(version) AS v FROM schema_version').get()).toEqual({ v: SCHEMA_VERSION });
    db.close();
  });

  it('defaults to the XDG state directory', () => {
    expect(defaultRegistryPath({ XDG_STATE_HOME: '/x/state' })).toBe('/x/state/routedeck/registry.sqlite');
    expect(defaultRegistryPath({ HOME: '/home/n' })).toBe('/home/n/.local/state/routedeck/registry.sqlite');
  });

  it('refuses a registry written by a newer schema', () => {
    reg.close();
    const db = new Database(tmp.file);
    db.prepare('INSERT INTO schema_version VALUES (99, 0)').run();
    db.close();
    expect(() => openRegistry({ path: tmp.file })).toThrow(
      new RegExp(`v99 but this routedeck knows up to v${SCHEMA_VERSION};`),
    );
    reg = openRegistry({ path: ':memory:' });
  });
});

describe('round trips', () => {
  it('tenants with canonical pools', () => {
    reg.upsertTenant({ name: 'initech', pools4: ['192.0.2.0/24'], pools6: ['2001:0db8:c::/48'] });
    expect(reg.tenant('initech')).toEqual({
      name: 'initech',
      vrf: 'default',
      pools4: ['192.0.2.0/24'],
      pools6: ['2001:db8:c::/48'],
    });
    expect(reg.tenants().map((t) => t.name)).toEqual(['acme', 'globex', 'initech']);
  });

  it('refuses pools that overlap within one VRF', () => {
    expect(() => reg.upsertTenant({ ...tenantB, name: 'hooli', vrf: 'acme' })).toThrow(
      /overlaps 10.0.0.0\/24/,
    );
  });

  it('workloads', () => {
    reg.putWorkload(web1);
    expect(reg.workload('web-1')).toEqual(web1);
    reg.setWorkloadState('web-1', 'migrating');
    expect(reg.workloads({ state: 'migrating' }).map((w) => w.name)).toEqual(['web-1']);
    expect(reg.workloads({ host: 'hv2' })).toEqual([]);
    expect(() => reg.putWorkload({ ...web1, tenant: 'nobody' })).toThrow(UnknownTenantError);
  });

  it('plans and their status', () => {
    const plan = samplePlan('p1');
    reg.savePlan(plan, 'planned');
    reg.setPlanStatus('p1', 'failed', 'verify timed out on r1');
    expect(reg.plan('p1')).toMatchObject({ plan, status: 'failed', detail: 'verify timed out on r1' });
    expect(reg.plans({ status: 'failed' }).map((p) => p.plan.id)).toEqual(['p1']);
    expect(reg.plans({ workload: 'other' })).toEqual([]);
  });

  it('a corrupted row is a clear error naming table and row', () => {
    reg.savePlan(samplePlan('p1'), 'planned');
    reg.putWorkload(web1);
    const db = new Database(tmp.file);
    db.prepare(`UPDATE plans SET body = '{"id":"p1"}'`).run();
    db.prepare(`UPDATE workloads SET state = 'exploded'`).run();
    db.close();
    expect(() => reg.plan('p1')).toThrow(RegistryCorruptError);
    expect(() => reg.plan('p1')).toThrow(/table "plans", row p1: corrupt/);
    expect(() => reg.workload('web-1')).toThrow(/table "workloads", row web-1: corrupt \(state/);
  });
});

describe('allocations', () => {
  it('the same address in two VRFs is fine; twice in one VRF is a clear error', () => {
    reg.allocate('acme', 4, '10.0.0.5', 'web-1');
    reg.allocate('globex', 4, '10.0.0.5', 'db-1');
    expect(() => reg.allocate('acme', 4, '10.0.0.5/32', 'web-2')).toThrow(AllocationConflictError);
    expect(() => reg.allocate('acme', 4, '10.0.0.5', 'web-2')).toThrow(
      '10.0.0.5/32 in VRF "acme" is already allocated to workload "web-1" (tenant "acme")',
    );
    // Another spelling of one IPv6 prefix is the same allocation.
    reg.allocate('acme', 6, '2001:db8:a:1::/64', 'web-1');
    expect(() => reg.allocate('acme', 6, '2001:0db8:a:1:0::/64', 'web-2')).toThrow(AllocationConflictError);
    expect(reg.allocated({ vrf: 'acme' }).map((a) => `${a.address} ${a.workload}`)).toEqual([
      '10.0.0.5/32 web-1',
      '2001:db8:a:1::/64 web-1',
    ]);
    expect(reg.allocated({ tenant: 'globex' })).toHaveLength(1);
  });

  it('refuses unknown tenants, wrong families and addresses outside the pools', () => {
    expect(() => reg.allocate('nobody', 4, '10.0.0.5', 'w')).toThrow(UnknownTenantError);
    expect(() => reg.allocate('acme', 6, '10.0.0.5', 'w')).toThrow(/not an IPv6 address/);
    expect(() => reg.allocate('acme', 4, '10.9.0.5', 'w')).toThrow(/outside tenant acme's IPv4 pools/);
  });

  it('release frees every address of a workload', () => {
    reg.allocate('acme', 4, '10.0.0.5', 'web-1');
    reg.allocate('acme', 6, '2001:db8:a:1::/64', 'web-1');
    expect(reg.release('web-1')).toHaveLength(2);
    expect(reg.allocated({ tenant: 'acme' })).toEqual([]);
    reg.allocate('acme', 4, '10.0.0.5', 'web-2');
  });
});

describe('transactions', () => {
  it('a transaction that throws leaves nothing behind', () => {
    expect(() =>
      reg.transaction(() => {
        reg.savePlan(samplePlan('p1'), 'planned');
        reg.allocate('acme', 4, '10.0.0.5', 'web-1');
        reg.putWorkload(web1);
        reg.allocate('acme', 4, '10.0.0.5', 'web-2'); // conflict: the whole thing rolls back
      }),
    ).toThrow(AllocationConflictError);
    expect(reg.plan('p1')).toBeUndefined();
    expect(reg.allocated({ vrf: 'acme' })).toEqual([]);
    expect(reg.workload('web-1')).toBeUndefined();
  });

  it('interruptedPlans() after reopening finds a plan left applying', () => {
    reg.savePlan(samplePlan('p1'), 'applying');
    reg.savePlan(samplePlan('p2', 'web-2'), 'applied');
    expect(reg.interruptedPlans()).toEqual([]); // it was not applying when this handle opened
    reg.close();
    reg = openRegistry({ path: tmp.file });
    expect(reg.interruptedPlans().map((p) => [p.plan.id, p.status])).toEqual([['p1', 'applying']]);
    expect(reg.interruptedPlans()[0]?.plan).toEqual(samplePlan('p1'));
  });
});
