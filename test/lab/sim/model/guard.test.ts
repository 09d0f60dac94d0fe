import { afterAll, describe, expect, it } from 'vitest';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import type { GuardState } from '../../../../src/model/guard.ts';
import { collect } from './helpers.ts';

function present(g: GuardState | undefined): Extract<GuardState, { present: true }> {
  if (!g?.present) throw new Error('expected a vmguard table');
  return g;
}

describe('simulated vmguard: per-TAP spoof counters and drift', () => {
  const fabric = createSimFabric();
  afterAll(() => fabric.close());
  const hv = fabric.device('hv1')!;
  const mine = fabric.workloads().filter((w) => w.host === 'hv1');
  const w = mine[0]!;

  it('lists every workload’s /32, /64 and fe80::/64 on its TAP through the real driver', async () => {
    const g = present((await collect(hv)).guard);
    const got = g.elements.map((e) => `${e.set} ${e.tap} ${e.cidr}`).sort();
    const want = mine
      .flatMap((x) => [
        `allow4 ${x.tap} ${x.ipv4}/32`,
        `allow6 ${x.tap} ${x.ipv6Prefix}`,
        `allow6 ${x.tap} fe80::/64`,
      ])
      .sort();
    expect(got).toEqual(want);
    expect(g).toMatchObject({ perTap: true, spoofed: [], droppedTotal: 0 });
    const spine = await collect(fabric.device('spine1')!);
    expect(spine.guard).toBeUndefined();
    expect((await fabric.device('spine1')!.exec('sudo nft -j list table inet vmguard')).code).toBe(1);
  });

  it('a spoofing TAP is counted on its own; the others stay at zero', async () => {
    fabric.spoof('hv1', w.tap, 3);
    fabric.spoof('hv1', w.tap, 2);
    const g = present((await collect(hv)).guard);
    expect(g.spoofed).toEqual([{ tap: w.tap, packets: 5, bytes: 5 * 84 }]);
    expect(g.droppedTotal).toBe(5);
  });

  it('drift by hand shows in the listing; bad edits are refused and change nothing', async () => {
    fabric.editGuard('hv1', 'delete', 'allow4', w.tap, `${w.ipv4}/32`);
    fabric.editGuard('hv1', 'add', 'allow4', 'tap-ghost', '192.0.2.9/32');
    const g = present((await collect(hv)).guard);
    const v4 = g.elements.filter((e) => e.set === 'allow4').map((e) => `${e.tap} ${e.cidr}`);
    expect(v4).not.toContain(`${w.tap} ${w.ipv4}/32`);
    expect(v4).toContain('tap-ghost 192.0.2.9/32');
    const before = JSON.stringify(g);
    expect(() => fabric.editGuard('hv1', 'delete', 'allow4', w.tap, `${w.ipv4}/32`)).toThrow(/No such file/);
    expect(() => fabric.editGuard('hv1', 'add', 'allow4', w.tap, 'not-an-address')).toThrow(
      /Could not parse/,
    );
    expect(() => fabric.editGuard('spine1', 'add', 'allow4', w.tap, '192.0.2.1/32')).toThrow(
      /not a hypervisor/,
    );
    expect(() => fabric.spoof('hv1', 'tap-nope', 1)).toThrow(/no interface/);
    expect(() => fabric.spoof('hv1', w.tap, 0)).toThrow(/packets/);
    expect(JSON.stringify(present((await collect(hv)).guard))).toBe(before);
  });
});
