import { readFile, stat, writeFile } from 'node:fs/promises';
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
  let startMs = 0;

  beforeAll(async () => {
    const started = Date.now();
    t = await startTestLab();
    startMs = Date.now() - started;
  });
  afterAll(async () => t?.close());

  it('starts fast and writes an inventory that loads, with secrets only by reference', async () => {
    expect(startMs).toBeLessThan(2000);
    expect(t.inventory.name).toBe('lab-sim');
    expect(t.inventory.devices.map((d) => [d.name, d.role, d.kind, d.simulated])).toEqual([
      ['spine1', 'router', 'vyos', true],
      ['hv1', 'hypervisor', 'frr-linux', true],
    ]);
    const hv = t.spec('hv1');
    expect(hv).toMatchObject({ host: '127.0.0.1', user: 'noc', vtysh: 'vtysh', privilege: 'sudo -n' });
    expect(t.spec('spine1').api).toMatchObject({
      key: { file: path.join(t.lab.dir, 'api-key') },
      tls: { mode: 'pin' },
    });
    expect(t.inventory.tenants).toEqual([
      { name: 'blue', vrf: 'blue', pools4: ['10.1.0.0/24'], pools6: ['2001:db8:1::/48'] },
    ]);
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

  it('answers each device over SSH with strict host-key checking', async () => {
    for (const name of ['spine1', 'hv1']) {
      const ssh = t.ssh(name);
      expect(await ssh.exec('hostname')).toMatchObject({ stdout: `${name}\n`, code: 0 });
      expect((await ssh.exec("vtysh -c 'show version'")).stdout).toBe(`FRRouting 8.4 (${name}).\n`);
    }
  });

  it('passes stderr, exit codes and megabytes of output through', async () => {
    const ssh = t.ssh('hv1');
    expect(await ssh.exec('both')).toMatchObject({ stdout: 'out\n', stderr: 'err\n', code: 3 });
    expect(await ssh.exec('nope --x')).toMatchObject({ code: 127, stderr: 'sh: 1: nope: not found\n' });
    expect(await ssh.exec('fail')).toMatchObject({
      code: 1,
      stderr: 'hv1: internal error: model exploded\n',
    });
    const big = await ssh.exec('gen 5000000');
    expect(big.stdout.length).toBe(5_000_000);
    const [a, b] = await Promise.all([ssh.exec('gen 300000'), ssh.exec('both')]);
    expect(a.stdout.length).toBe(300_000);
    expect(b.stderr).toBe('err\n');
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

  it('stops without leaving ports, and a restart in the same dir keeps the host keys', async () => {
    const knownHosts = await readFile(t.lab.knownHostsPath, 'utf8');
    const ports = t.lab.devices.flatMap((d) => [
      d.sshPort,
      ...(d.apiUrl ? [Number(new URL(d.apiUrl).port)] : []),
    ]);
    await t.lab.stop();
    for (const port of ports) expect(await refused(port), `port ${port}`).toBe(true);
    expect(await findRunningSimLab(t.lab.dir)).toBeNull();
    expect(t.fabric.closed).toBe(true);

    const again = await startTestLab({}, t.parent);
    try {
      expect(withoutPorts(await readFile(again.lab.knownHostsPath, 'utf8'))).toEqual(
        withoutPorts(knownHosts),
      );
      const fingerprint = t.lab.devices.find((d) => d.name === 'spine1')?.apiFingerprint;
      expect(again.lab.devices.find((d) => d.name === 'spine1')?.apiFingerprint).toBe(fingerprint);
      expect((await again.ssh('hv1').exec('hostname')).stdout).toBe('hv1\n');
    } finally {
      await again.close();
    }
  });
});
