/** A workflow service over a store of edges (no lab needed to plan): two tenants both at 10.0.0.0/24. */
import type { DeviceKind, DeviceSpec } from '../../../src/model/device.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import { createAppStore } from '../../../src/state/store.ts';
import type { CommandRunner } from '../../../src/transport/types.ts';
import { WorkflowService, type WorkflowDeps } from '../../../src/workflows/service/index.ts';
import { registerSharedService } from '../../../src/workflows/service/shared-service.ts';

export function edgeSpec(name: string, kind: DeviceKind, privilege = ''): DeviceSpec {
  return {
    name,
    role: 'router',
    kind,
    host: '127.0.0.1',
    port: 22,
    user: 'root',
    auth: { type: 'agent' },
    vtysh: 'vtysh',
    privilege,
  };
}

export const TENANTS = [
  { name: 'ta', vrf: 'ta', pools4: ['10.0.0.0/24'], pools6: [] },
  { name: 'tb', vrf: 'tb', pools4: ['10.0.0.0/24'], pools6: [] },
  { name: 'tc', vrf: 'tc', pools4: ['10.0.0.0/24', '10.1.0.0/24'], pools6: [] },
  { name: 'big', vrf: 'big', pools4: ['10.0.0.0/8'], pools6: [] },
];

export function makeSharedService(
  devices: DeviceSpec[],
  runnerFor: (spec: DeviceSpec) => CommandRunner = () => {
    throw new Error('nothing may be sent while planning');
  },
  registry: Registry = openRegistry({ path: ':memory:' }),
  apiFor?: WorkflowDeps['apiFor'],
): { service: WorkflowService; registry: Registry } {
  const store = createAppStore({ source: { kind: 'inventory', label: 'test' }, devices, tenants: TENANTS });
  const service = new WorkflowService({
    store,
    // Nothing is polled here: the edges' health stays `unknown`, which planning accepts.
    poller: { pollNow: async () => undefined, pollFast: () => undefined },
    registry,
    runnerFor,
    settings: { manageTap: true, breakBeforeMake: false, computeHook: { type: 'none' } },
    operator: 'alice',
    ...(apiFor ? { apiFor } : {}),
  });
  registerSharedService(service);
  return { service, registry };
}
