/**
 * A tenant provisioned by routedeck is in the registry, not the inventory: a console opened later
 * still knows its pools, so its workloads are attributed to it rather than flagged.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../../src/lab/sim/lab.ts';
import { openRegistry } from '../../../src/registry/index.ts';

let parent = '';
let lab: SimLab;
let fabric: Fabric;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-reg-tenants-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
  fabric = openFabric(loadInventoryFile(lab.inventoryPath), { kind: 'lab-sim', label: 'LAB (simulated)' });
}, 180_000);
afterAll(async () => {
  await fabric?.close();
  await lab?.stop();
  await rm(parent, { recursive: true, force: true });
});

it('a console opened on a registry with a provisioned tenant knows its pools', async () => {
  const file = path.join(parent, 'registry.sqlite');
  const earlier = openRegistry({ path: file });
  earlier.upsertTenant({ name: 'green', vrf: 'green', pools4: ['10.88.0.0/16'], pools6: ['fd88::/48'] });
  earlier.close();
  expect(fabric.store.getState().tenants.map((t) => t.name)).not.toContain('green');
  const wf = await openWorkflows(loadInventoryFile(lab.inventoryPath), fabric, { registryPath: file });
  try {
    expect(fabric.store.getState().tenants.find((t) => t.name === 'green')).toEqual({
      name: 'green',
      vrf: 'green',
      pools4: ['10.88.0.0/16'],
      pools6: ['fd88::/48'],
    });
    // The inventory's own tenants are still there, once each.
    const names = fabric.store.getState().tenants.map((t) => t.name);
    expect(names.filter((n) => n === 'acme')).toHaveLength(1);
  } finally {
    wf.close();
  }
});
