// The registry's behaviour, once per backend: what a console relies on must not depend on where the
// registry lives. Backend-only concerns (file modes, WAL, damaged files; PostgreSQL's races and
// triggers) have their own files.
import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import {
  AllocationConflictError,
  LEASE_TTL_MS,
  LeaseHeldError,
  openRegistry,
  type Registry,
  UnknownPlanError,
  UnknownTenantError,
} from '../../src/registry/index.ts';
import { useBackends } from './backends.ts';
import { samplePlan, tenantA, tenantB } from './helpers.ts';

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
const KEY = 'vyos-api-key-7f3a9c2e51d84b06';
const T0 = 1_700_000_000_000;
const entry = {
  at: '2025-01-01T00:00:00.000Z',
  operator: 'alice',
  planId: 'p1',
  kind: 'step',
  outcome: 'ok',
  message: 'configured',
};

describe.each(useBackends())('registry on $name', (backend) => {
  let location: string;
  let reg: Registry;
  let clock = T0;
  const open = () => openRegistry({ path: location, now: () => clock, secrets: [KEY] });
  beforeEach(async (context) => {
    if (backend.skip) return context.skip();
    clock = T0;
    location = await backend.location();
    reg = open();
    reg.upsertTenant(tenantA);
    reg.upsertTenant(tenantB);
  });
  afterEach(() => reg?.close());

  it('says which backend it is', () => {
    expect(reg.backend).toBe(backend.name);
    expect(reg.registryId()).toMatch(/^[0-9a-f]{32}$/);
    const id = reg.registryId();
    reg.close();
    reg = open();
    expect(reg.registryId()).toBe(id); // the identity plan files are bound to survives a reopen
  });

  it('tenants with canonical pools, sorted bytewise; overlapping pools in one VRF refused', () => {
    reg.upsertTenant({ name: 'initech', pools4: ['192.0.2.0/24'], pools6: ['2001:0db8:c::/48'] });
    reg.upsertTenant({ name: 'Zeta', pools4: [], pools6: [] });
    expect(reg.tenant('initech')).toEqual({
      name: 'initech',
      vrf: 'default',
      pools4: ['192.0.2.0/24'],
      pools6: ['2001:db8:c::/48'],
    });
    expect(reg.tenants().map((t) => t.name)).toEqual(['Zeta', 'acme', 'globex', 'initech']);
    expect(() => reg.upsertTenant({ ...tenantB, name: 'hooli', vrf: 'acme' })).toThrow(
      /overlaps 10.0.0.0\/24/,
    );
  });

  it('workloads and plans round-trip', () => {
    reg.putWorkload(web1);
    expect(reg.workload('web-1')).toEqual(web1);
    reg.setWorkloadState('web-1', 'migrating');
    expect(reg.workloads({ state: 'migrating' }).map((w) => w.name)).toEqual(['web-1']);
    expect(reg.workloads({ host: 'hv2' })).toEqual([]);
    expect(() => reg.putWorkload({ ...web1, tenant: 'nobody' })).toThrow(UnknownTenantError);
    const plan = samplePlan('p1');
    reg.savePlan(plan, 'planned');
    reg.setPlanStatus('p1', 'failed', 'verify timed out on r1');
    expect(reg.plan('p1')).toMatchObject({ plan, status: 'failed', detail: 'verify timed out on r1' });
    expect(reg.plans({ status: 'failed' }).map((p) => p.plan.id)).toEqual(['p1']);
    expect(reg.plans({ workload: 'other' })).toEqual([]);
    expect(() => reg.setPlanStatus('nope', 'failed')).toThrow(UnknownPlanError);
    expect(reg.deleteWorkload('web-1')).toBe(true);
    expect(reg.deleteWorkload('web-1')).toBe(false);
  });

  it('one address, one owner per VRF, in any spelling; release frees it', () => {
    reg.allocate('acme', 4, '10.0.0.5', 'web-1');
    reg.allocate('globex', 4, '10.0.0.5', 'db-1');
    expect(() => reg.allocate('acme', 4, '10.0.0.5', 'web-2')).toThrow(
      '10.0.0.5/32 in VRF "acme" is already allocated to workload "web-1" (tenant "acme")',
    );
    reg.allocate('acme', 6, '2001:db8:a:1::/64', 'web-1');
    expect(() => reg.allocate('acme', 6, '2001:0db8:a:1:0::/64', 'web-2')).toThrow(AllocationConflictError);
    expect(reg.allocated({ vrf: 'acme' }).map((a) => `${a.address} ${a.workload}`)).toEqual([
      '10.0.0.5/32 web-1',
      '2001:db8:a:1::/64 web-1',
    ]);
    expect(() => reg.allocate('acme', 4, '10.9.0.5', 'w')).toThrow(/outside tenant acme's IPv4 pools/);
    expect(reg.release('web-1')).toHaveLength(2);
    reg.allocate('acme', 4, '10.0.0.5', 'web-2');
    expect(reg.allocated({ tenant: 'acme' }).map((a) => a.workload)).toEqual(['web-2']);
  });

  it('a transaction that throws leaves nothing behind; a nested one that throws is undone alone', () => {
    expect(() =>
      reg.transaction(() => {
        reg.savePlan(samplePlan('p1'), 'planned');
        reg.allocate('acme', 4, '10.0.0.5', 'web-1');
        reg.putWorkload(web1);
        reg.allocate('acme', 4, '10.0.0.5', 'web-2');
      }),
    ).toThrow(AllocationConflictError);
    expect(reg.plan('p1')).toBeUndefined();
    expect(reg.allocated({ vrf: 'acme' })).toEqual([]);
    reg.transaction(() => {
      reg.allocate('acme', 4, '10.0.0.5', 'web-1');
      // allocate is itself a transaction: nested, its failure is caught here and the outer one goes on.
      expect(() => reg.allocate('acme', 4, '10.0.0.5', 'web-2')).toThrow(AllocationConflictError);
      reg.allocate('acme', 4, '10.0.0.6', 'web-2');
    });
    expect(reg.allocated({ vrf: 'acme' }).map((a) => a.workload)).toEqual(['web-1', 'web-2']);
  });

  it('interruptedPlans() after reopening finds a plan left applying', () => {
    reg.savePlan(samplePlan('p1'), 'applying');
    reg.savePlan(samplePlan('p2', 'web-2'), 'applied');
    expect(reg.interruptedPlans()).toEqual([]);
    reg.close();
    reg = open();
    expect(reg.interruptedPlans().map((p) => [p.plan.id, p.status])).toEqual([['p1', 'applying']]);
  });

  it('audit: ordered, filtered, limited, scrubbed; a plan embedding a secret is refused', () => {
    reg.appendAudit(entry);
    reg.appendAudit({ ...entry, planId: 'p2', diff: { device: 'r1', before: ['a'], after: [`key ${KEY}`] } });
    reg.appendAudit({ ...entry, message: `curl -F key=${KEY}` });
    expect(reg.audit().map((a) => a.seq)).toEqual([1, 2, 3]);
    expect(reg.audit({ planId: 'p2' })[0]?.diff).toEqual({
      device: 'r1',
      before: ['a'],
      after: ['key [redacted]'],
    });
    expect(reg.audit({ afterSeq: 1, limit: 1 }).map((a) => a.seq)).toEqual([2]);
    expect(reg.audit({ operator: 'bob' })).toEqual([]);
    expect(reg.audit({ planId: 'p1' }).map((a) => a.message)).toEqual([
      'configured',
      'curl -F key=[redacted]',
    ]);
    const plan = samplePlan('p9');
    plan.steps[0]!.action = { type: 'ssh', commands: [`echo ${KEY}`] };
    expect(() => reg.savePlan(plan, 'planned')).toThrow(/contains a secret value/);
    expect(reg.plan('p9')).toBeUndefined();
  });

  it('leases: a live holder elsewhere blocks; one that stopped heartbeating is taken over, and says from whom', () => {
    const far = { console: 'c-far', operator: 'bob', pid: 4242, host: 'jump-host-b' };
    const me = { console: 'c-me', operator: 'alice', pid: process.pid, host: 'jump-host-a' };
    reg.acquireLease('web-1', 'p-far', far);
    expect(reg.acquireLease('web-1', 'p-far', far).planId).toBe('p-far'); // idempotent
    clock = T0 + LEASE_TTL_MS; // still within its TTL
    expect(() => reg.acquireLease('web-1', 'p-me', me)).toThrow(LeaseHeldError);
    expect(() => reg.acquireLease('web-1', 'p-me', me)).toThrow(
      /leased by plan p-far: operator bob on console c-far \(pid 4242 on jump-host-b\) since .*; it lapses at 2023-11-14T22:13:50.001Z unless that console is still running$/,
    );
    clock = T0 + LEASE_TTL_MS + 1; // no heartbeat for longer than the TTL: bob's console is gone
    const taken = reg.acquireLease('web-1', 'p-me', me);
    expect(taken.tookOverFrom).toEqual({ planId: 'p-far', holder: far, since: new Date(T0) });
    expect(reg.leases().map((l) => [l.workload, l.planId, l.holder.operator])).toEqual([
      ['web-1', 'p-me', 'alice'],
    ]);
    expect(reg.heartbeatLeases()).toBe(1);
    expect(reg.leases()[0]?.heartbeatAt).toEqual(new Date(clock));
    expect(reg.releaseLease('web-1', 'p-far')).toBe(false);
    expect(reg.releaseLeasesOf('p-me')).toBe(1);
    expect(reg.leases()).toEqual([]);
  });

  it('a holder with our host name whose pid is not running: SQLite (one machine) takes over at once; PostgreSQL waits for its heartbeat to lapse', () => {
    const twin = { console: 'c-twin', operator: 'bob', pid: 999_999_999, host: hostname() };
    const me = { console: 'c-me', operator: 'alice', pid: process.pid, host: hostname() };
    reg.acquireLease('web-2', 'p-twin', twin);
    if (backend.name === 'postgres') {
      // Another machine may carry the same name: its console's pid is not in our process table.
      expect(() => reg.acquireLease('web-2', 'p-me', me)).toThrow(LeaseHeldError);
      clock = T0 + LEASE_TTL_MS + 1;
    }
    expect(reg.acquireLease('web-2', 'p-me', me).tookOverFrom?.planId).toBe('p-twin');
  });

  it('transit slices are unique per range', () => {
    const s = reg.reserveTransitSlice({
      transit: '100.64.0.0/10',
      owner: 'acme',
      private: '10.0.0.0/24',
      slice: '100.64.0.0/24',
    });
    expect(
      reg.reserveTransitSlice({
        transit: '100.64.0.0/10',
        owner: 'acme',
        private: '10.0.0.0/24',
        slice: '100.64.9.0/24',
      }),
    ).toEqual(s);
    expect(() =>
      reg.reserveTransitSlice({
        transit: '100.64.0.0/10',
        owner: 'globex',
        private: '10.0.0.0/24',
        slice: '100.64.0.0/25',
      }),
    ).toThrow(/overlaps 100.64.0.0\/24 of acme/);
    expect(reg.transitSlices().map((t) => t.owner)).toEqual(['acme']);
  });
});
