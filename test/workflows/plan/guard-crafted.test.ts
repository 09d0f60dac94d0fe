/**
 * Issue 13 item 9: vmguard set elements are device-supplied text. An element crafted to close the
 * nft set literal (a `"`, a comma and a second element, `}`, `;`) must not reach a command: it is
 * shown as unparsed and never acted on, and what a repair sends is exactly what its diff shows.
 */
import { describe, expect, it } from 'vitest';
import { parseNftGuard } from '../../../src/drivers/linux/nft-guard.ts';
import type { DeviceSpec } from '../../../src/model/device.ts';
import type { WorkloadRecord } from '../../../src/model/plan.ts';
import {
  expectedElements,
  guardDrift,
  planGuardRepair,
  validatedElement,
} from '../../../src/workflows/plan/guard-repair.ts';
import { PlanError } from '../../../src/workflows/plan/validate.ts';

const hv1: DeviceSpec = {
  name: 'hv1',
  role: 'hypervisor',
  kind: 'frr-linux',
  host: '127.0.0.1',
  port: 22,
  user: 'noc',
  auth: { type: 'agent' },
  vtysh: 'vtysh',
  privilege: 'sudo -n',
};
const w = (name: string, n: number): WorkloadRecord => ({
  name,
  tenant: 'acme',
  vrf: 'default',
  host: 'hv1',
  tap: `tap-${name}`,
  ipv4: `198.51.100.${n}`,
  ipv6Prefix: `2001:db8:a:${n}::/64`,
  extraAllowed: [],
  state: 'active',
});
const web = w('web', 10);
const db = w('db', 20); // the other workload, whose allow entry the crafted element aims at

/** An `nft -j list table inet vmguard` listing with these raw allow4 elements (allow6 as the registry wants). */
function listing(allow4: unknown[]): string {
  const allow6 = [web, db].flatMap((x) =>
    expectedElements(x)
      .filter((e) => e.set === 'allow6')
      .map((e) => {
        const [addr, len] = e.cidr.split('/');
        return { concat: [e.tap, { prefix: { addr, len: Number(len) } }] };
      }),
  );
  return JSON.stringify({
    nftables: [
      { metainfo: { json_schema_version: 1 } },
      { table: { family: 'inet', name: 'vmguard', handle: 1 } },
      { set: { family: 'inet', name: 'allow4', table: 'vmguard', elem: allow4 } },
      { set: { family: 'inet', name: 'allow6', table: 'vmguard', elem: allow6 } },
    ],
  });
}

const CRAFTED: unknown[] = [
  // Closes the quoted TAP name and appends the other workload's entry as a second element.
  { concat: ['tap-x" . 192.0.2.1/32, "tap-db', '198.51.100.20'] },
  // The same trick in the address.
  { concat: ['tap-x', '192.0.2.1/32, "tap-db" . 198.51.100.20/32'] },
  // Ends the set and the command.
  { concat: ['tap-x', '192.0.2.1 }; flush ruleset; {'] },
  { concat: ['tap-x', { prefix: { addr: '192.0.2.0', len: 99 } }] },
  { concat: ['tap-x', '2001:db8::1'] }, // IPv6 in the IPv4 set
  { concat: ['tap-with-a-very-long-name', '192.0.2.1'] },
  { elem: { val: 'tap-x' } },
];

describe('crafted vmguard elements', () => {
  it('are reported as unparsed (sanitized), never as elements', () => {
    const g = parseNftGuard(
      listing([
        ...CRAFTED,
        { concat: ['tap-web', '198.51.100.10'] },
        { concat: ['tap-db', '198.51.100.20'] },
      ]),
    );
    if (!g.present) throw new Error('expected a table');
    expect(g.elements.filter((e) => e.set === 'allow4')).toEqual([
      { set: 'allow4', tap: 'tap-web', cidr: '198.51.100.10/32' },
      { set: 'allow4', tap: 'tap-db', cidr: '198.51.100.20/32' },
    ]);
    expect(g.unparsed).toHaveLength(CRAFTED.length);
    expect(g.unparsed.map((u) => u.why)).toEqual([
      'the interface name is not a valid Linux interface name',
      'not an IPv4 address',
      'not an IPv4 address',
      'not an IPv4 prefix',
      'not an IPv4 address',
      'the interface name is not a valid Linux interface name',
      'not an "ifname . address" element',
    ]);
    expect(g.unparsed[0]?.text).toContain('tap-x');
  });

  it('a repair never touches them nor the other workload’s entry, and its diff is what it sends', () => {
    // The real db entry is gone from the host; only crafted look-alikes remain.
    const g = parseNftGuard(listing([...CRAFTED, { concat: ['tap-web', '198.51.100.10'] }]));
    if (!g.present) throw new Error('expected a table');
    const drift = guardDrift('hv1', g.elements, [web, db]);
    expect(drift.map((d) => `${d.kind} ${d.tap} ${d.cidr}`)).toEqual(['missing tap-db 198.51.100.20/32']);
    const plan = planGuardRepair([{ host: hv1, elements: g.elements, drift }], {
      id: 'p1',
      operator: 'alice',
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const step = plan.steps[0]!;
    if (step.action.type !== 'ssh') throw new Error('expected ssh');
    expect(step.action.commands).toEqual([
      `sudo -n nft add element inet vmguard allow4 '{ "tap-db" . 198.51.100.20/32 }'`,
    ]);
    // Every element a command names is a line the diff adds (or removes), and nothing else changes.
    const sent = step.action.commands.flatMap((c) => {
      const m = /nft (add|delete) element inet vmguard (allow[46]) '\{ (.*) \}'$/.exec(c)!;
      return m[3]!.split(', ').map((e) => `${m[1] === 'add' ? '+' : '-'}nft ${m[2]} ${e}`);
    });
    const diff = plan.diffs[0]!;
    const added = diff.after.filter((l) => !diff.before.includes(l)).map((l) => `+${l}`);
    const removed = diff.before.filter((l) => !diff.after.includes(l)).map((l) => `-${l}`);
    expect([...added, ...removed].sort()).toEqual(sent.sort());
    expect(diff.after).toContain('nft allow4 "tap-web" . 198.51.100.10/32');
    expect(JSON.stringify(plan)).not.toMatch(/tap-x|192\.0\.2\.1|flush/);
  });

  it('an element that did not come through the parser is refused before any command is rendered', () => {
    const crafted = { set: 'allow4' as const, tap: 'tap-x" . 1.2.3.4/32, "tap-db', cidr: '198.51.100.20/32' };
    expect(() => validatedElement(crafted)).toThrow(PlanError);
    expect(() =>
      planGuardRepair(
        [
          {
            host: hv1,
            elements: [],
            drift: [{ device: 'hv1', kind: 'stale', reason: 'x', ...crafted }],
          },
        ],
        { id: 'p2', operator: 'alice', now: new Date('2026-01-01T00:00:00Z') },
      ),
    ).toThrow(/refusing to render vmguard element/);
    expect(() => validatedElement({ set: 'allow4', tap: 'tap-x', cidr: '10.0.0.1/32; flush' })).toThrow(
      PlanError,
    );
  });
});
