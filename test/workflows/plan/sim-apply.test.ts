/**
 * The planners' commands run as-is on the embedded lab's simulated hypervisors (its shell parses
 * `sudo -n ip …` and `nft … element inet vmguard …` like the real tools), and the routers see the
 * result: the create's /32 appears, a make-before-break migrate moves it, a decommission removes it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nextFreeIpv4, nextFreeIpv6Prefix } from '../../../src/addr/ipam.ts';
import { createSimFabric } from '../../../src/lab/sim/fabric.ts';
import type { SimFabric } from '../../../src/lab/sim/types.ts';
import type { Plan, WorkloadRecord } from '../../../src/model/plan.ts';
import {
  planCreate,
  planDecommission,
  planMigrate,
  type LiveView,
} from '../../../src/workflows/plan/index.ts';
import { nexthopsOf, specFor, until } from '../../lab/sim/model/helpers.ts';

const HOP = 5;

async function apply(fabric: SimFabric, plan: Plan): Promise<void> {
  for (const step of plan.steps) {
    const device = fabric.device(step.device);
    if (!device || step.action.type !== 'ssh') throw new Error(`cannot run step ${step.id}`);
    for (const command of step.action.commands) {
      expect(await device.exec(command), `${step.id}: ${command}`).toEqual({
        stdout: '',
        stderr: '',
        code: 0,
      });
    }
    // The verification point of the step, as the executor's: wait until every router agrees.
    for (const v of step.verify) {
      const want = v.expect === 'withdrawn' ? 'none' : `eth${(v.host ?? '').slice(2)}`;
      for (const r of v.routers)
        await until(
          `${r}: ${v.prefix} ${v.expect} ${v.host ?? ''} after ${step.id}`,
          async () => (await nexthopsOf(fabric.device(r)!, v.prefix, v.vrf)).split('.')[0] === want,
        );
    }
  }
}

/** What the routers use for a prefix: the interface towards hv<N> is eth<N> (eth<N>.<table> in a VRF). */
async function seenVia(fabric: SimFabric, routers: string[], prefix: string, vrf: string): Promise<string[]> {
  return Promise.all(
    routers.map(async (r) => (await nexthopsOf(fabric.device(r)!, prefix, vrf)).split('.')[0] ?? ''),
  );
}

describe('plans applied on the simulated fabric', () => {
  let fabric: SimFabric;
  afterEach(() => fabric.close());

  it.each([['default'], ['vrf']])('create → migrate → decommission (%s tenant)', async (kind) => {
    fabric = createSimFabric({ hopDelayMs: HOP, jitterMs: 0 });
    const tenant = fabric.tenants.find((t) => (kind === 'vrf' ? t.vrf !== undefined : t.vrf === undefined))!;
    const vrf = tenant.vrf ?? 'default';
    const existing = fabric.workloads().filter((w) => w.vrf === vrf);
    const hosts = fabric.devices().filter((d) => d.role === 'hypervisor');
    const routers = fabric
      .devices()
      .filter((d) => d.role === 'router')
      .map((d) => d.name);
    const [hv1, hv2] = [specFor(hosts[0]!), specFor(hosts[1]!)];
    const workload: WorkloadRecord = {
      name: 'new1',
      tenant: tenant.name,
      vrf,
      host: hv1.name,
      tap: 'tap-new1',
      ipv4: nextFreeIpv4(tenant.pools4[0]!, new Set(existing.map((w) => w.ipv4)), new Set()),
      ipv6Prefix: nextFreeIpv6Prefix(
        tenant.pools6[0]!,
        new Set(existing.map((w) => w.ipv6Prefix)),
        new Set(),
      ),
      extraAllowed: [],
      state: 'planned',
    };
    const prefix = `${workload.ipv4}/32`;
    const meta = { id: 'sim', operator: 'test', now: new Date() };
    const live = (host: string): LiveView => ({ announcedBy: () => [host] });
    const towards = (hv: string): string => `eth${hv.slice(2)}`;

    expect(await seenVia(fabric, routers, prefix, vrf)).toEqual(routers.map(() => 'none'));
    await apply(
      fabric,
      planCreate(
        { tenant, workload, host: hv1, routers, live: { announcedBy: () => [] }, mac: '52:54:00:aa:bb:cc' },
        meta,
      ),
    );
    expect(await seenVia(fabric, routers, prefix, vrf)).toEqual(routers.map(() => towards(hv1.name)));
    expect(await seenVia(fabric, routers, workload.ipv6Prefix, vrf)).toEqual(
      routers.map(() => towards(hv1.name)),
    );

    await apply(
      fabric,
      planMigrate({ tenant, workload, source: hv1, target: hv2, routers, live: live(hv1.name) }, meta),
    );
    expect(await seenVia(fabric, routers, prefix, vrf)).toEqual(routers.map(() => towards(hv2.name)));

    const moved = { ...workload, host: hv2.name };
    await apply(
      fabric,
      planDecommission({ tenant, workload: moved, host: hv2, routers, live: live(hv2.name) }, meta),
    );
    expect(await seenVia(fabric, routers, prefix, vrf)).toEqual(routers.map(() => 'none'));
  });

  it('the rollback of every step of a migrate, run in reverse, leaves the source announcing', async () => {
    fabric = createSimFabric({ hopDelayMs: HOP, jitterMs: 0 });
    const w = fabric.workloads().find((x) => x.vrf === 'default')!;
    const tenant = fabric.tenants.find((t) => t.name === w.tenant)!;
    const source = specFor(fabric.device(w.host)!);
    const target = specFor(fabric.devices().find((d) => d.role === 'hypervisor' && d.name !== w.host)!);
    const routers = fabric
      .devices()
      .filter((d) => d.role === 'router')
      .map((d) => d.name);
    const workload: WorkloadRecord = { ...w, extraAllowed: [], state: 'active' };
    const meta = { id: 'sim', operator: 'test', now: new Date() };
    const plan = planMigrate(
      { tenant, workload, source, target, routers, live: { announcedBy: () => [source.name] } },
      meta,
    );
    await apply(fabric, plan);
    for (const step of [...plan.steps].reverse()) {
      for (const command of step.rollback?.type === 'ssh' ? step.rollback.commands : []) {
        expect(await fabric.device(step.device)!.exec(command), command).toMatchObject({ code: 0 });
      }
    }
    const via = `eth${source.name.slice(2)}`;
    await until('the routers back on the source', async () =>
      (await seenVia(fabric, routers, `${w.ipv4}/32`, 'default')).every((h) => h === via),
    );
    expect(await seenVia(fabric, routers, `${w.ipv4}/32`, 'default')).toEqual(routers.map(() => via));
  });
});
