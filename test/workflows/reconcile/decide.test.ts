/** Who holds a workload once reconciled, from its unfinished plan and what the hosts announce. */
import { describe, expect, it } from 'vitest';
import type { Plan, WorkloadRecord } from '../../../src/model/plan.ts';
import type { HostFacts } from '../../../src/workflows/reconcile/facts.ts';
import { decideHolder } from '../../../src/workflows/reconcile/decide.ts';

const w: WorkloadRecord = {
  name: 'web9',
  tenant: 'acme',
  vrf: 'default',
  host: 'hv2',
  tap: 'tap-web9',
  ipv4: '198.51.100.9',
  ipv6Prefix: '2001:db8:9::/64',
  extraAllowed: [],
  state: 'migrating',
};

const step = (id: string, device: string, irreversible = false) => ({
  id,
  device,
  description: id,
  action: { type: 'ssh' as const, commands: [] },
  rollback: null,
  verify: [],
  timeoutMs: 1000,
  ...(irreversible ? { irreversible } : {}),
});

function migrate(hook: boolean): Plan {
  return {
    id: 'p1',
    kind: 'migrate',
    createdAt: '2026-01-01T00:00:00Z',
    operator: 'alice',
    workload: 'web9',
    tenant: 'acme',
    summary: '',
    steps: [
      step('target-tap', 'hv3'),
      step('target-announce-preferred', 'hv3'),
      ...(hook ? [step('compute-hook', 'hv2', true)] : []),
      step('source-withdraw', 'hv2'),
      step('source-cleanup', 'hv2'),
    ],
    diffs: [],
    routeChanges: [
      {
        router: 'spine1',
        vrf: 'default',
        family: 4,
        prefix: '198.51.100.9/32',
        change: 'moves',
        fromHost: 'hv2',
        toHost: 'hv3',
      },
    ],
    artifacts: {},
  };
}

const facts = (host: string, metric: number | null): HostFacts => ({
  host,
  unknown: null,
  tap: { present: metric !== null, up: true, master: null, linkLocal4: true, linkLocal6: true },
  routes: metric === null ? [] : [{ family: 4, prefix: '198.51.100.9/32', tap: 'tap-web9', metric }],
  guard: [],
});

describe('decideHolder', () => {
  const both = [facts('hv2', 0), facts('hv3', 512)];

  it('the compute hook ran: forward to the target', () => {
    const d = decideHolder(
      w,
      {
        plan: migrate(true),
        status: 'failed',
        done: ['target-tap', 'target-announce-preferred', 'compute-hook'],
      },
      both,
    );
    expect(d).toMatchObject({ kind: 'holder', holder: 'hv3', registry: { kind: 'active', host: 'hv3' } });
  });

  it('the hook had not run (a step before it failed): back to the source', () => {
    const d = decideHolder(w, { plan: migrate(true), status: 'failed', done: ['target-tap'] }, both);
    expect(d).toMatchObject({ kind: 'holder', holder: 'hv2', registry: { kind: 'active', host: 'hv2' } });
  });

  it('killed while the hook may have been running: undecided, both hosts offered', () => {
    const d = decideHolder(
      w,
      { plan: migrate(true), status: 'interrupted', done: ['target-tap', 'target-announce-preferred'] },
      both,
    );
    expect(d).toMatchObject({ kind: 'ambiguous', candidates: ['hv2', 'hv3'] });
    expect(d.kind === 'ambiguous' && d.why).toMatch(/while the compute hook compute-hook was running/);
  });

  it('no hook: forward once the source withdrew, else back', () => {
    const forward = decideHolder(
      w,
      {
        plan: migrate(false),
        status: 'interrupted',
        done: ['target-tap', 'target-announce-preferred', 'source-withdraw'],
      },
      both,
    );
    expect(forward).toMatchObject({ holder: 'hv3' });
    const back = decideHolder(w, { plan: migrate(false), status: 'interrupted', done: ['target-tap'] }, both);
    expect(back).toMatchObject({ holder: 'hv2' });
  });

  it('a half-done decommission is finished: no holder, retired', () => {
    const plan = { ...migrate(false), kind: 'decommission' as const };
    expect(decideHolder(w, { plan, status: 'failed', done: [] }, both)).toMatchObject({
      holder: null,
      registry: { kind: 'retired' },
    });
  });

  it('no unfinished plan: the registry host when only it announces; undecided when another does', () => {
    const active = { ...w, state: 'active' as const };
    expect(decideHolder(active, null, [facts('hv2', 0), facts('hv3', null)])).toMatchObject({
      holder: 'hv2',
    });
    const d = decideHolder(active, null, [facts('hv2', 0), facts('hv3', 0)]);
    expect(d).toMatchObject({ kind: 'ambiguous', candidates: ['hv2', 'hv3'] });
    expect(decideHolder(active, null, [facts('hv2', 0), facts('hv3', 0)], 'hv3')).toMatchObject({
      holder: 'hv3',
    });
  });
});
