import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { cli } from '../helpers/cli.ts';

// Issue 18: `routedeck get` answers as a newcomer reads it — an empty answer says so, a VRF no device
// has is a usage error, FLAPS agrees with the device's drop counter, workloads carry their names.
let parent = '';
let lab: SimLab;
let registry = '';

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-get-answers-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
  // A registry that knows the lab's workloads, as a console leaves it.
  registry = path.join(parent, 'registry.sqlite');
  const inventory = loadInventoryFile(lab.inventoryPath);
  const fabric = openFabric(inventory, { kind: 'inventory', label: 'lab' });
  await fabric.poller.pollNow();
  const workflows = await openWorkflows(inventory, fabric, { registryPath: registry, operator: 'alice' });
  workflows.service.adoptLive();
  workflows.close();
  await fabric.close();
}, 180_000);

afterAll(async () => {
  await lab?.stop();
  await rm(parent, { recursive: true, force: true });
});

const get = (...args: string[]) => cli(['get', ...args, '--inventory', lab.inventoryPath]);

describe('routedeck get answers', () => {
  it('a VRF no device has exits 2 and names the VRFs there are; nothing on stdout', async () => {
    const out = await get('bgp', '--vrf', 'green');
    expect(out.code).toBe(2);
    expect(out.stderr).toBe('routedeck: no device has VRF green (VRFs seen: blue, default, red)\n');
    expect(out.stdout).toBe('');
  }, 120_000);

  it('a lookup nothing covers says so (exit 0: the fabric answered)', async () => {
    const out = await get('routes', '--device', 'spine1', '--vrf', 'blue', '--prefix', '192.0.2.0/24');
    expect(out.code).toBe(0);
    expect(out.stderr).toBe(
      'routedeck: no routes covering 192.0.2.0 match --device spine1 --vrf blue --prefix 192.0.2.0/24\n',
    );
  }, 120_000);

  it('FLAPS right after a flap is the drop the device counted, not 0', async () => {
    lab.faults.flap('spine1', 'eth2', 1);
    let session: { peer: string; flaps: number; connectionsDropped: number } | undefined;
    // The flap has happened once the device itself counts the drop.
    for (let i = 0; i < 200 && !(session && session.connectionsDropped > 0); i++) {
      const out = await get('bgp', '--device', 'spine1', '--vrf', 'default', '--json');
      const sessions = (JSON.parse(out.stdout) as { sessions: (typeof session & object)[] }).sessions;
      session = sessions.find((s) => s.peer === 'eth2');
    }
    expect(session!.connectionsDropped).toBeGreaterThan(0);
    expect(session!.flaps).toBe(session!.connectionsDropped);
  }, 120_000);

  it('get workloads has a NAME column with the registry name of each prefix', async () => {
    const out = await cli([
      'get',
      'workloads',
      '--inventory',
      lab.inventoryPath,
      '--registry',
      registry,
      '--vrf',
      'default',
    ]);
    expect(out.code).toBe(0);
    const [header, ...rows] = out.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^NAME +TENANT +VRF +PREFIX/);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row).toMatch(/^acme-\d+ +acme +default /);
  }, 120_000);
});
