import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findRunningSimLab } from '../../../../src/lab/sim/server/files.ts';
import { HostKeyUnknownError } from '../../../../src/transport/ssh/index.ts';
import { startTestLab, type TestLab } from './helpers.ts';

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const withoutPorts = (text: string): string[] =>
  text
    .trim()
    .split('\n')
    .map((line) => line.replace(/^\[127\.0\.0\.1\]:\d+ /, ''))
    .sort();

describe('embedded lab servers', () => {
  let t: TestLab;

  beforeAll(async () => {
    t = await startTestLab();
  });
  afterAll(async () => t?.close());

  it('starts and writes an inventory that loads, with secrets only by reference', async () => {
    expect(t.inventory.name).toBe('lab-sim');
    const models = t.fabric.devices();
    expect(t.inventory.devices.map((d) => [d.name, d.role, d.kind, d.simulated])).toEqual(
      models.map((m) => [m.name, m.role, m.kind, true]),
    );
    expect(models.filter((m) => m.kind === 'vyos').length).toBeGreaterThan(0);
    const hv = t.inventory.devices.find((d) => d.role === 'hypervisor');
    expect(hv).toMatchObject({ host: '127.0.0.1', user: 'noc', vtysh: 'vtysh', privilege: 'sudo -n' });
    for (const d of t.inventory.devices) {
      if (d.kind === 'vyos')
        expect(d.api).toMatchObject({ key: { file: path.join(t.lab.dir, 'api-key') }, tls: { mode: 'pin' } });
      else expect(d.api).toBeUndefined();
    }
    expect(t.inventory.tenants).toEqual(t.fabric.tenants);
    const yaml = await readFile(t.lab.inventoryPath, 'utf8');
    expect(yaml).not.toContain((await readFile(path.join(t.lab.dir, 'api-key'), 'utf8')).trim());
    for (const file of ['api-key', 'id_ed25519', 'hostkeys/spine1', 'tls/spine1.key']) {
      expect((await stat(path.join(t.lab.dir, file))).mode & 0o777, file).toBe(0o600);
    }
    expect((await stat(t.lab.dir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path.join(t.lab.dir, 'workloads.json'), 'utf8'))).toEqual(
      t.fabric.workloads(),
    );
  });

  it('answers each device over SSH with strict host-key checking, as the model does', async () => {
    for (const { name } of t.lab.devices) {
      const ssh = t.ssh(name);
      expect(await ssh.exec('hostname')).toMatchObject({ stdout: `${name}\n`, code: 0 });
      const command = "vtysh -c 'show bgp summary json'";
      const viaSsh = await ssh.exec(command);
      expect(viaSsh.code, name).toBe(0);
      // Uptimes move between two calls; the router id and the peers do not.
      const peers = (text: string) => {
        const summary = (JSON.parse(text) as { ipv4Unicast?: { routerId: string; peers: object } })
          .ipv4Unicast;
        return [summary?.routerId, Object.keys(summary?.peers ?? {})];
      };
      const direct = await t.fabric.device(name)!.exec(command);
      expect(peers(viaSsh.stdout), name).toEqual(peers(direct.stdout));
      expect(peers(viaSsh.stdout)[1], name).not.toEqual([]);
    }
  });

  it('refuses an unknown host key before any command runs', async () => {
    const empty = path.join(t.parent, 'empty_known_hosts');
    await writeFile(empty, '');
    await expect(t.ssh('hv1', empty).exec('hostname')).rejects.toBeInstanceOf(HostKeyUnknownError);
  });

  it('records itself in lab.json for other commands', async () => {
    expect(await findRunningSimLab(t.lab.dir)).toEqual({
      inventoryPath: t.lab.inventoryPath,
      controlSocket: t.lab.controlSocket,
      pid: process.pid,
    });
  });

  it('refuses a second lab in the same dir while this one runs', async () => {
    await expect(startTestLab({}, t.parent)).rejects.toThrow(/a lab is already running in .* \(pid \d+\)/);
    expect((await t.ssh('hv1').exec('hostname')).stdout).toBe('hv1\n');
  });

  it('does not take a stale lab.json (live pid, dead socket) for a running lab', async () => {
    const stale = path.join(t.parent, 'stale');
    await mkdir(stale, { recursive: true });
    const record = {
      pid: process.pid,
      startedAt: '',
      inventoryPath: 'x',
      controlSocket: path.join(stale, 'gone.sock'),
    };
    await writeFile(path.join(stale, 'lab.json'), JSON.stringify(record));
    expect(await findRunningSimLab(stale)).toBeNull();
  });

  it('stops without leaving ports, and a restart in the same dir keeps the host keys', async () => {
    const knownHosts = await readFile(t.lab.knownHostsPath, 'utf8');
    const ports = t.lab.devices.flatMap((d) => [
      d.sshPort,
      ...(d.apiUrl ? [Number(new URL(d.apiUrl).port)] : []),
    ]);
    await t.lab.stop();
    for (const port of ports) expect(await refused(port), `port ${port}`).toBe(true);
    expect(await findRunningSimLab(t.lab.dir)).toBeNull();

    const again = await startTestLab({}, t.parent);
    try {
      expect(withoutPorts(await readFile(again.lab.knownHostsPath, 'utf8'))).toEqual(
        withoutPorts(knownHosts),
      );
      const fingerprints = (lab: typeof t.lab) => lab.devices.map((d) => d.apiFingerprint);
      expect(fingerprints(again.lab)).toEqual(fingerprints(t.lab));
      expect((await again.ssh('hv1').exec('hostname')).stdout).toBe('hv1\n');
    } finally {
      await again.close();
    }
  });
});
