import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DeviceSpec } from '../../../src/model/device.ts';
import { SshPool } from '../../../src/transport/ssh/pool.ts';
import { startLab } from './fixture.ts';
import type { Lab } from './fixture.ts';

describe('SshPool', () => {
  let lab: Lab;
  let pool: SshPool;
  let device: (name: string, over?: Partial<DeviceSpec>) => DeviceSpec;
  beforeEach(async () => {
    lab = await startLab();
    pool = new SshPool({ knownHostsFile: lab.knownHostsFile });
    device = (name, over = {}) => ({
      name,
      role: 'hypervisor',
      kind: 'frr-linux',
      host: '127.0.0.1',
      port: lab.server.port,
      user: 'noc',
      auth: { type: 'key', path: lab.keyFile },
      vtysh: 'vtysh',
      privilege: 'sudo -n',
      ...over,
    });
  });
  afterEach(async () => {
    await pool.closeAll();
    await lab.cleanup();
  });

  it('keeps one connection per device name and runs commands through it', async () => {
    const hv1 = pool.get(device('hv1'));
    expect(pool.get(device('hv1'))).toBe(hv1);
    const hv2 = pool.get(device('hv2'));
    expect(hv2).not.toBe(hv1);
    await Promise.all([hv1.exec('echo a'), hv1.exec('echo b'), hv2.exec('echo c')]);
    expect(lab.server.connections).toBe(2);
    expect(hv1.target.device).toBe('hv1');
  });

  it('replaces the connection when the inventory changes where a device is', async () => {
    const before = pool.get(device('hv1'));
    await before.exec('echo a');
    const after = pool.get(device('hv1', { port: lab.server.port, user: 'other' }));
    expect(after).not.toBe(before);
    expect(before.state).toBe('closed');
  });

  it('closeAll closes every connection', async () => {
    const all = ['hv1', 'hv2', 'hv3'].map((n) => pool.get(device(n)));
    await Promise.all(all.map((c) => c.exec('echo up')));
    await pool.closeAll();
    expect(all.map((c) => c.state)).toEqual(['closed', 'closed', 'closed']);
    expect(pool.entries()).toEqual([]);
  });
});
