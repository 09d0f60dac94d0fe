import type { DeviceSpec } from '../../../src/model/device.ts';
import type { WorkloadRecord } from '../../../src/model/plan.ts';
import type { TenantSpec } from '../../../src/model/workload.ts';
import type { LiveView, PlanMeta } from '../../../src/workflows/plan/index.ts';

export function hypervisor(name: string): DeviceSpec {
  return {
    name,
    role: 'hypervisor',
    kind: 'frr-linux',
    host: `${name}.lab.example`,
    port: 22,
    user: 'noc',
    auth: { type: 'agent' },
    vtysh: 'sudo -n vtysh',
    privilege: 'sudo -n',
  };
}

export const acme: TenantSpec = { name: 'acme', pools4: ['203.0.113.0/24'], pools6: ['2001:db8:10::/48'] };
export const blue: TenantSpec = {
  name: 'blue',
  vrf: 'blue',
  pools4: ['10.0.0.0/16'],
  pools6: ['fd00:b::/48'],
};

export function workload(over: Partial<WorkloadRecord> = {}): WorkloadRecord {
  return {
    name: 'web1',
    tenant: 'acme',
    vrf: 'default',
    host: 'hv1',
    tap: 'tap-web1',
    ipv4: '203.0.113.10',
    ipv6Prefix: '2001:db8:10:20::/64',
    extraAllowed: [],
    state: 'planned',
    ...over,
  };
}

export const ROUTERS = ['spine1', 'spine2'];
export const meta: PlanMeta = { id: 'p-1', operator: 'alice', now: new Date('2026-01-02T03:04:05Z') };
export const nobody: LiveView = { announcedBy: () => [] };
export const from = (host: string): LiveView => ({ announcedBy: () => [host] });
