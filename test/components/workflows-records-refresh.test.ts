/**
 * The console's registry rows (names, states on the Workloads view) are read again only when the
 * registry may have changed: at a fleet's 50,000 workloads a read every 3 s held the console ~240 ms
 * each time. SQLite says so exactly (its data_version for other connections' commits, and this
 * connection's writes); PostgreSQL cannot cheaply, and is read at every refresh as before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorkflowController, type ConsoleWorkflows } from '../../components/workflows/controller.ts';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import { openRegistry, type Registry } from '../../src/registry/index.ts';

const TENANT = { name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] };

const record = (name: string, n: number, state: WorkloadRecord['state'] = 'active'): WorkloadRecord => ({
  name,
  tenant: 'acme',
  vrf: 'default',
  host: 'hv1',
  tap: `tap-${name}`,
  ipv4: `198.51.100.${n}`,
  ipv6Prefix: `2001:db8:a:${n}::/64`,
  extraAllowed: [],
  state,
});

describe('reading the registry rows again only when they may have changed', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0).reverse()) c();
    vi.useRealTimers();
  });

  function twoConsoles(): { mine: Registry; other: Registry } {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'routedeck-mark-'));
    const file = path.join(dir, 'registry.sqlite');
    const mine = openRegistry({ path: file });
    mine.upsertTenant(TENANT);
    const other = openRegistry({ path: file });
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    cleanup.push(() => mine.close());
    cleanup.push(() => other.close());
    return { mine, other };
  }

  it('the mark holds while nothing changes and moves at this console’s writes and at another’s commit', () => {
    const { mine, other } = twoConsoles();
    const a = mine.changeMark();
    expect(a).not.toBeNull();
    mine.workloads();
    mine.tenants();
    expect(mine.changeMark()).toBe(a);
    mine.putWorkload(record('web-1', 1));
    const b = mine.changeMark();
    expect(b).not.toBe(a);
    expect(mine.changeMark()).toBe(b);
    other.setWorkloadState('web-1', 'retired');
    expect(mine.changeMark()).not.toBe(b);
  });

  it('the console reads the rows once while nothing changes, and shows another console’s change at the next refresh', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { mine, other } = twoConsoles();
    mine.putWorkload(record('web-1', 1));
    let reads = 0;
    const service = {
      workloads: () => {
        reads++;
        return mine.workloads().filter((w) => w.state !== 'retired');
      },
      registry: mine,
    } as unknown as ConsoleWorkflows;
    const controller = createWorkflowController(service, () => 0, 3000);
    cleanup.push(() => controller.dispose());
    expect(reads).toBe(1);
    const names = () => [...new Set([...controller.store.getState().records.values()].map((w) => w.name))];
    expect(names()).toEqual(['web-1']);
    vi.advanceTimersByTime(30_000);
    expect(reads).toBe(1);
    // Another console records a workload: the next refresh reads and shows it.
    other.putWorkload(record('web-2', 2));
    vi.advanceTimersByTime(3000);
    expect(reads).toBe(2);
    expect(names().sort()).toEqual(['web-1', 'web-2']);
    // This console retires one: shown at the next refresh too.
    mine.setWorkloadState('web-1', 'retired');
    vi.advanceTimersByTime(3000);
    expect(names()).toEqual(['web-2']);
  });

  it('a registry that cannot tell (null, as PostgreSQL) is read at every refresh', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    let reads = 0;
    const service = {
      workloads: () => {
        reads++;
        return [record('web-1', 1)];
      },
      registry: { workload: () => undefined, workloads: () => [], changeMark: () => null },
    } as unknown as ConsoleWorkflows;
    const controller = createWorkflowController(service, () => 0, 3000);
    cleanup.push(() => controller.dispose());
    vi.advanceTimersByTime(9000);
    expect(reads).toBe(4);
  });

  it('the Guard view’s list of every workload (retired too) is read again only when the registry changed', () => {
    const { mine, other } = twoConsoles();
    mine.putWorkload(record('web-1', 1));
    let reads = 0;
    const registry = {
      workload: (name: string) => mine.workload(name),
      workloads: () => {
        reads++;
        return mine.workloads();
      },
      changeMark: () => mine.changeMark(),
    };
    const service = { workloads: () => [], registry } as unknown as ConsoleWorkflows;
    const controller = createWorkflowController(service, () => 0, 3_600_000);
    cleanup.push(() => controller.dispose());
    const first = controller.registryWorkloads();
    expect(first.map((w) => w.name)).toEqual(['web-1']);
    // Drawn again at every poll: the same list, not read again.
    for (let i = 0; i < 10; i++) expect(controller.registryWorkloads()).toBe(first);
    expect(reads).toBe(1);
    other.setWorkloadState('web-1', 'retired');
    const after = controller.registryWorkloads();
    expect(reads).toBe(2);
    expect(after.map((w) => `${w.name} ${w.state}`)).toEqual(['web-1 retired']);
  });
});
