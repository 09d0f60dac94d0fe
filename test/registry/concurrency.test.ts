import { hostname } from 'node:os';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseHeldError, openRegistry, type Registry } from '../../src/registry/index.ts';
import { killed, spawnChild, tempDir, tenantA } from './helpers.ts';

let tmp: ReturnType<typeof tempDir>;
let reg: Registry;
beforeEach(() => {
  tmp = tempDir();
  reg = openRegistry({ path: tmp.file });
  reg.upsertTenant(tenantA);
});
afterEach(() => {
  reg.close();
  tmp.cleanup();
});

const me = { console: 'console-parent', operator: 'alice', pid: process.pid, host: hostname() };

describe('leases across consoles', () => {
  it('a second console cannot take a held lease and learns who holds it; a dead holder can be taken over', async () => {
    const { child, line } = spawnChild(['lease', tmp.file]);
    try {
      await line('leased');
      let error: unknown;
      try {
        reg.acquireLease('web-1', 'plan-parent', me);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LeaseHeldError);
      const held = error as LeaseHeldError;
      expect(held.holder).toEqual({
        console: 'console-child',
        operator: 'bob',
        pid: child.pid,
        host: hostname(),
      });
      expect(held.planId).toBe('plan-child');
      expect(held.message).toMatch(
        /leased by plan plan-child: operator bob on console console-child \(pid \d+/,
      );
      expect(held.message).toMatch(/since \d{4}-\d\d-\d\dT/);
    } finally {
      await killed(child);
    }
    const lease = reg.acquireLease('web-1', 'plan-parent', me);
    expect(lease.tookOverFrom?.holder.operator).toBe('bob');
    expect(reg.acquireLease('web-1', 'plan-parent', me).planId).toBe('plan-parent'); // idempotent
    expect(reg.releaseLeasesOf('plan-parent')).toBe(1);
  });

  it('a holder on another host is never presumed dead', () => {
    reg.acquireLease('web-1', 'p1', { ...me, host: 'other-jump-host', pid: 999_999_999 });
    expect(() => reg.acquireLease('web-1', 'p2', me)).toThrow(LeaseHeldError);
    expect(reg.releaseLease('web-1', 'p2')).toBe(false);
    expect(reg.releaseLease('web-1', 'p1')).toBe(true);
    reg.acquireLease('web-1', 'p2', me);
  });
});

describe('write lock', () => {
  it('a transaction holds the write lock from BEGIN: another console waits, then gives up', async () => {
    const { child, line } = spawnChild(['crash-mid', tmp.file]);
    try {
      await line('mid');
      const other = openRegistry({ path: tmp.file, busyTimeoutMs: 200 });
      try {
        // Even a transaction that starts by reading must wait: that is what keeps pick-then-allocate safe.
        expect(() => other.transaction(() => other.allocated({ vrf: 'acme' }))).toThrow(/database is locked/);
      } finally {
        other.close();
      }
    } finally {
      await killed(child);
    }
  });
});

describe('crash safety', () => {
  it('SIGKILL mid-transaction leaves none of it', async () => {
    const { child, line } = spawnChild(['crash-mid', tmp.file]);
    await line('mid');
    await killed(child);
    reg.close();
    reg = openRegistry({ path: tmp.file });
    expect(reg.plan('plan-crash')).toBeUndefined();
    expect(reg.allocated({ tenant: 'acme' })).toEqual([]);
    expect(reg.interruptedPlans()).toEqual([]);
  });

  it('SIGKILL after commit keeps all of it, and the plan shows as interrupted', async () => {
    const { child, line } = spawnChild(['crash-after', tmp.file]);
    await line('committed');
    await killed(child);
    reg.close();
    reg = openRegistry({ path: tmp.file });
    expect(reg.plan('plan-crash')?.status).toBe('applying');
    expect(reg.allocated({ tenant: 'acme' }).map((a) => a.address)).toEqual(['10.0.0.9/32']);
    expect(reg.interruptedPlans().map((p) => p.plan.id)).toEqual(['plan-crash']);
  });
});
