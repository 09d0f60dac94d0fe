/** The tenant planner and its helpers without a network: version rules, refusals, read-back matching. */
import { vyosVrfNameProblem } from '../../../src/drivers/vyos/names.ts';
import { describe, expect, it } from 'vitest';
import { parseTenantArgs } from '../../../src/cli/tenant.ts';
import { UsageError } from '../../../src/cli/usage.ts';
import type { DeviceSpec } from '../../../src/model/device.ts';
import { notReadBack } from '../../../src/workflows/execute/index.ts';
import { PlanError, renderPreview } from '../../../src/workflows/plan/index.ts';
import {
  planTenantProvisioning,
  probeVyosVersion,
  supportsCommitConfirm,
  type RouterFacts,
  type TenantPlanInput,
} from '../../../src/workflows/tenant/index.ts';

const hv: DeviceSpec = {
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

function router(name: string, version: string): RouterFacts {
  return {
    name,
    version,
    commitConfirm: supportsCommitConfirm(version),
    asn: '65000',
    uplinks: [{ iface: 'eth1', host: 'hv1' }],
    vrfs: [{ name: 'blue', table: 100 }],
    interfaces: ['eth1', 'eth1.100'],
  };
}

function input(routers: RouterFacts[]): TenantPlanInput {
  return {
    intent: {
      name: 'acme2',
      vrf: 'acme2',
      table: 300,
      rd: '65000:300',
      rtImport: ['65000:300', '65000:1'],
      rtExport: ['65000:300'],
      pools4: ['10.77.0.0/16'],
      pools6: ['fd77::/48'],
    },
    routers,
    hosts: [
      { spec: hv, asn: '65101', uplinks: [{ iface: 'eth0', router: 'r1' }], vrfs: [], interfaces: ['eth0'] },
    ],
    tenants: [{ name: 'blue', vrf: 'blue', pools4: ['10.0.0.0/16'], pools6: ['fd00:10::/48'] }],
    confirmMinutes: 3,
  };
}

const meta = { id: 'p1', operator: 'alice', now: new Date('2026-01-01T00:00:00Z') };

describe('tenant planner', () => {
  it('refuses a VyOS 1.3 router: it has no BGP in a VRF', () => {
    expect(() => planTenantProvisioning(input([router('r1', '1.4'), router('r2', '1.3')]), meta)).toThrow(
      /r2 runs VyOS 1\.3, which has no BGP inside a VRF/,
    );
  });

  it('commit-confirm on 1.5 rolling only; the preview says the action, the save and how each router is rolled back', () => {
    const plan = planTenantProvisioning(
      input([{ ...router('r1', '2026.02.11-0021-rolling'), confirmAction: 'reload' }, router('r2', '1.4')]),
      meta,
    );
    const [r1, r2] = plan.steps;
    expect(r1!.action).toMatchObject({ type: 'vyos-configure', confirmMinutes: 3 });
    expect(r2!.action).not.toHaveProperty('confirmMinutes');
    const preview = renderPreview(plan);
    expect(preview).toContain('[r1] router-r1:');
    expect(preview).toContain(
      'VyOS 2026.02.11-0021-rolling: commit-confirm 3 min (action reload: left unconfirmed, the router reloads its last archived config)',
    );
    expect(preview).toContain(
      'VyOS 1.4: one commit, read back, saved once verified; undone by inverse commands (no commit-confirm over its API)',
    );
    expect(preview).toContain('commit-confirm 3 min on r1 (action reload), never left running');
    expect(preview).toContain(
      '    $ set vrf name acme2 protocols bgp address-family ipv4-unicast route-target vpn import 65000:300 65000:1\n',
    );
    expect(r1!.rollback).toEqual({
      type: 'vyos-configure',
      commands: [
        { op: 'delete', path: ['interfaces', 'ethernet', 'eth1', 'vif', '300'] },
        { op: 'delete', path: ['vrf', 'name', 'acme2'] },
      ],
    });
    expect(plan.steps[2]!.action.type).toBe('ssh');
  });

  it('refuses a table in use, a VRF that exists, a bad RD and a host address as a pool', () => {
    const at = (over: Partial<TenantPlanInput['intent']>) => {
      const i = input([router('r1', '1.4')]);
      return () => planTenantProvisioning({ ...i, intent: { ...i.intent, ...over } }, meta);
    };
    expect(at({ table: 100 })).toThrow(/table 100 is already VRF blue's/);
    expect(at({ vrf: 'blue', name: 'other' })).toThrow(/r1 already has VRF blue|VRF blue already belongs/);
    expect(at({ rd: '1:2:3' })).toThrow(PlanError);
    expect(at({ pools4: ['10.77.1.1/16'] })).toThrow(/--pool4 "10.77.1.1\/16" is not a CIDR/);
    expect(at({ table: 5000 })).toThrow(/VLAN id/);
  });

  it('refuses VRF names VyOS’s own vrf-name validator refuses (interface prefixes, a digit first, reserved words)', () => {
    const at = (vrf: string) => {
      const i = input([router('r1', '1.4')]);
      return () => planTenantProvisioning({ ...i, intent: { ...i.intent, vrf } }, meta);
    };
    expect(at('brown')).toThrow(
      /VRF name "brown": VyOS refuses VRF names that begin with an interface prefix \("br…"/,
    );
    expect(at('lan-a')).toThrow(/"lan…" looks like an interface/);
    expect(at('ethan')).toThrow(/"eth…" looks like an interface/);
    expect(at('wg-core')).toThrow(/"wg…"/);
    expect(at('1blue')).toThrow(/must start with a letter/);
    expect(at('lo')).toThrow(/loopback/);
    expect(at('link')).toThrow(/"link" is a reserved word/);
    // Names that only contain a prefix later on are fine, as upstream's regex anchors at the start.
    for (const ok of ['acme-eth', 'blue', 'red', 'vtun-ok', 'l2-blue'])
      expect(vyosVrfNameProblem(ok), ok).toBeNull();
  });

  it('rolling builds have commit-confirm from mid-2025; releases from 1.5', () => {
    expect(supportsCommitConfirm('2026.02.11-0021-rolling')).toBe(true);
    expect(supportsCommitConfirm('2025.03.01-0019-rolling')).toBe(false);
    expect(supportsCommitConfirm('1.4.3')).toBe(false);
    expect(supportsCommitConfirm('1.5.0')).toBe(true);
  });

  it('tells 1.3 from 1.4 by the config when there is no /info', async () => {
    const api = (bgp: unknown) => ({ info: async () => null, showConfig: async () => bgp });
    expect(await probeVyosVersion(api({ '65000': { neighbor: {} } }))).toBe('1.3');
    expect(await probeVyosVersion(api({ 'system-as': '65000' }))).toBe('1.4');
    expect(
      await probeVyosVersion({
        info: async () => ({ version: '1.5-rolling' }),
        showConfig: async () => ({}),
      }),
    ).toBe('1.5-rolling');
  });

  it('reads a commit back from showConfig JSON (one value a string, several a list)', () => {
    const config = {
      vrf: { name: { x: { table: '300', protocols: { bgp: { neighbor: { 'eth1.300': {} } } } } } },
    };
    const set = (path: string[], value?: string) => ({
      op: 'set' as const,
      path,
      ...(value ? { value } : {}),
    });
    expect(
      notReadBack(config, [
        set(['vrf', 'name', 'x', 'table'], '300'),
        set(['vrf', 'name', 'x', 'protocols', 'bgp', 'neighbor', 'eth1.300']),
        { op: 'delete', path: ['vrf', 'name', 'y'] },
      ]),
    ).toEqual([]);
    expect(notReadBack(config, [set(['vrf', 'name', 'x', 'table'], '301')])).toHaveLength(1);
    expect(notReadBack(config, [{ op: 'delete', path: ['vrf', 'name', 'x'] }])).toHaveLength(1);
  });

  it('CLI: missing options and a non-numeric table are usage errors', () => {
    expect(() => parseTenantArgs(['plan', 'tenant', 'acme2', '--vrf', 'acme2'])).toThrow(
      /needs --table, --rd, --rt-import, --rt-export, --pool4, --pool6/,
    );
    const full = [
      '--vrf',
      'v',
      '--rd',
      '1:1',
      '--rt-import',
      '1:1',
      '--rt-export',
      '1:1',
      '--pool4',
      '10.0.0.0/16',
      '--pool6',
      'fd00::/48',
    ];
    expect(() => parseTenantArgs(['plan', 'tenant', 'a', '--table', 'x', ...full])).toThrow(UsageError);
    const { input: parsed } = parseTenantArgs([
      'plan',
      'tenant',
      'a',
      '--table',
      '300',
      ...full,
      '--rt-import',
      '2:2',
    ]);
    expect(parsed).toMatchObject({ table: 300, rtImport: ['1:1', '2:2'] });
  });
});
