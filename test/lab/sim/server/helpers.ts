import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadInventoryFile, type Inventory } from '../../../../src/inventory/load.ts';
import type { DeviceSpec } from '../../../../src/model/device.ts';
import { startSimLab, type SimLab, type SimLabOptions } from '../../../../src/lab/sim/lab.ts';
import type { SimFabric } from '../../../../src/lab/sim/types.ts';
import { resolveSecret } from '../../../../src/transport/secrets.ts';
import { SshDeviceConnection } from '../../../../src/transport/ssh/index.ts';
import { VyosApiClient } from '../../../../src/transport/vyos-api/index.ts';
import { createFakeFabric, type FakeFabric } from './fake-fabric.ts';

export interface TestLab<F extends SimFabric = SimFabric> {
  parent: string;
  lab: SimLab;
  fabric: F;
  inventory: Inventory;
  spec(name: string): DeviceSpec;
  ssh(name: string, knownHostsFile?: string): SshDeviceConnection;
  api(name: string, key?: string): Promise<VyosApiClient>;
  close(): Promise<void>;
}

/** A lab on the real simulated fabric in a fresh temp dir (or `parent`), with clients made from its own inventory. */
export function startTestLab(
  opts: Omit<SimLabOptions, 'dir' | 'fabric'> = {},
  parent?: string,
): Promise<TestLab> {
  return startIn(parent, (dir) => startSimLab({ dir, ...opts }));
}

/** The same on the fake fabric, for what the real model cannot produce (model errors, megabytes). */
export function startFakeLab(
  opts: Omit<SimLabOptions, 'dir' | 'fabric'> = {},
  parent?: string,
): Promise<TestLab<FakeFabric>> {
  const fabric = createFakeFabric();
  return startIn(
    parent,
    (dir) => startSimLab({ dir, fabric, ...opts }),
    () => fabric.close(),
  );
}

async function startIn<F extends SimFabric>(
  parent: string | undefined,
  start: (dir: string) => Promise<SimLab>,
  closeFabric?: () => void,
): Promise<TestLab<F>> {
  const base = parent ?? (await mkdtemp(path.join(tmpdir(), 'routedeck-simsrv-')));
  const lab = await start(path.join(base, 'sim'));
  const fabric = lab.fabric as F;
  const inventory = loadInventoryFile(lab.inventoryPath);
  const connections: SshDeviceConnection[] = [];
  const spec = (name: string): DeviceSpec => {
    const found = inventory.devices.find((d) => d.name === name);
    if (!found) throw new Error(`no device ${name} in the lab inventory`);
    return found;
  };
  return {
    parent: base,
    lab,
    fabric,
    inventory,
    spec,
    ssh(name, knownHostsFile = inventory.knownHostsFile) {
      const d = spec(name);
      const conn = new SshDeviceConnection({
        device: d.name,
        host: d.host,
        port: d.port,
        username: d.user,
        auth: d.auth,
        knownHostsFile,
        backoff: { initialMs: 20, maxMs: 50 },
        connectTimeoutMs: 2000,
        readyTimeout: 2000,
      });
      connections.push(conn);
      return conn;
    },
    async api(name, key) {
      const d = spec(name);
      if (!d.api) throw new Error(`${name} has no API in the inventory`);
      return new VyosApiClient({
        url: d.api.url,
        key: key ?? (await resolveSecret(d.api.key)),
        tls: d.api.tls,
        timeoutMs: 3000,
      });
    },
    async close() {
      await Promise.all(connections.map((c) => c.close()));
      await lab.stop();
      closeFabric?.();
      if (!parent) await rm(base, { recursive: true, force: true });
    },
  };
}
