import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadInventoryFile, type Inventory } from '../../../../src/inventory/load.ts';
import type { DeviceSpec } from '../../../../src/model/device.ts';
import {
  startLabServers,
  type LabServerOptions,
  type SimLab,
} from '../../../../src/lab/sim/server/lab-server.ts';
import { resolveSecret } from '../../../../src/transport/secrets.ts';
import { SshDeviceConnection } from '../../../../src/transport/ssh/index.ts';
import { VyosApiClient } from '../../../../src/transport/vyos-api/index.ts';
import { createFakeFabric, type FakeFabric } from './fake-fabric.ts';

export interface TestLab {
  parent: string;
  lab: SimLab;
  fabric: FakeFabric;
  inventory: Inventory;
  spec(name: string): DeviceSpec;
  ssh(name: string, knownHostsFile?: string): SshDeviceConnection;
  api(name: string, key?: string): Promise<VyosApiClient>;
  close(): Promise<void>;
}

/** A lab on the fake fabric in a fresh temp dir, with clients made from its own inventory. */
export async function startTestLab(
  opts: Partial<Omit<LabServerOptions, 'fabric' | 'ownsFabric'>> = {},
  parent?: string,
): Promise<TestLab> {
  const base = parent ?? (await mkdtemp(path.join(tmpdir(), 'routedeck-simsrv-')));
  const fabric = createFakeFabric();
  const lab = await startLabServers({ dir: path.join(base, 'sim'), fabric, ownsFabric: true, ...opts });
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
      if (!parent) await rm(base, { recursive: true, force: true });
    },
  };
}
