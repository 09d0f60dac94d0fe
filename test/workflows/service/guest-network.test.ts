/**
 * The inventory's per-tenant guest network (issue 17) reaches the create plan's network-config
 * through the workflow service: the tenant's MTU and DNS servers, and an explicit DNS list wins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { WorkflowService } from '../../../src/workflows/service/index.ts';
import { startEnv, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let service: WorkflowService;

beforeAll(async () => {
  env = await startEnv();
  // As if the inventory said `guest: { mtu: 1450, dnsServers: [192.0.2.53] }` for acme.
  env.fabric.store.setState((s) => ({
    tenants: s.tenants.map((t) =>
      t.name === 'acme' ? { ...t, guest: { mtu: 1450, dnsServers: ['192.0.2.53'] } } : t,
    ),
  }));
  service = new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry: env.registry,
    runnerFor: (spec) => env.fabric.ssh.get(spec),
    settings: loadInventoryFile(env.lab.inventoryPath).workflows,
    operator: 'alice',
  });
  service.adoptLive();
}, 180_000);
afterAll(async () => {
  await env?.close();
});

type Doc = { config: { mtu?: number; subnets: { dns_nameservers?: string[] }[] }[] };
const nic = (text: string | undefined) => (parse(text ?? '') as Doc).config[0]!;

describe('tenant guest network → create plan network-config', () => {
  it('carries the tenant’s MTU and DNS servers', () => {
    const plan = service.planCreate({ name: 'gn-1', tenant: 'acme', host: env.hypervisors[0]!.name });
    const eth0 = nic(plan.artifacts['network-config']);
    expect(eth0.mtu).toBe(1450);
    expect(eth0.subnets[0]?.dns_nameservers).toEqual(['192.0.2.53']);
  });

  it('an explicit DNS list replaces the tenant’s; a tenant without a guest block gets neither', () => {
    const plan = service.planCreate({
      name: 'gn-2',
      tenant: 'acme',
      host: env.hypervisors[0]!.name,
      dnsServers: ['198.51.100.53'],
    });
    expect(nic(plan.artifacts['network-config']).subnets[0]?.dns_nameservers).toEqual(['198.51.100.53']);
    const other = env.fabric.store.getState().tenants.find((t) => t.name !== 'acme')!;
    const plain = nic(
      service.planCreate({ name: 'gn-3', tenant: other.name, host: env.hypervisors[0]!.name }).artifacts[
        'network-config'
      ],
    );
    expect(plain.mtu).toBeUndefined();
    expect(plain.subnets[0]?.dns_nameservers).toBeUndefined();
  });
});
