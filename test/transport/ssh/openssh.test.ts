/**
 * The transport against a real OpenSSH sshd on 127.0.0.1 (root only: sshd needs it to log a
 * user in). Its own host key, authorized_keys and config live in a temp dir; the only thing
 * outside it is /run/sshd, sshd's privilege separation directory, created if missing.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshDeviceConnection } from '../../../src/transport/ssh/connection.ts';
import { HostKeyUnknownError } from '../../../src/transport/ssh/errors.ts';
import { tempDir } from './fixture.ts';

const SSHD = '/usr/sbin/sshd';
const canRun = process.getuid?.() === 0 && existsSync(SSHD);

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe.skipIf(!canRun)('against a real OpenSSH server', () => {
  let dir: string;
  let port: number;
  let sshd: ChildProcess | undefined;
  let log = '';
  const connections: SshDeviceConnection[] = [];

  beforeAll(async () => {
    dir = await tempDir();
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'host_key')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'id_ed25519')]);
    await writeFile(join(dir, 'authorized_keys'), await readFile(join(dir, 'id_ed25519.pub')));
    await mkdir('/run/sshd', { recursive: true, mode: 0o755 });
    port = await freePort();
    const config = [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${join(dir, 'host_key')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PubkeyAuthentication yes',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      // As in the netns lab's sshd: the host's root dotfiles are not part of the test (a stale
      // `pyenv rehash` lock in one made every command wait 60 s).
      `SetEnv HOME=${dir}`,
    ].join('\n');
    await writeFile(join(dir, 'sshd_config'), `${config}\n`);
    const pidFile = join(dir, 'sshd.pid');
    const args = ['-D', '-e', '-f', join(dir, 'sshd_config'), '-o', `PidFile=${pidFile}`];
    sshd = spawn(SSHD, [...args, '-o', 'UsePAM=no', '-o', 'StrictModes=no'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    sshd.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    // Ready when it says it listens (bounded; a config error makes it exit instead).
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`sshd did not start:\n${log}`)), 10_000);
      const check = (): void => {
        if (!log.includes('Server listening')) return;
        clearTimeout(timer);
        resolve();
      };
      sshd?.stderr?.on('data', check);
      sshd?.once('exit', () => reject(new Error(`sshd exited:\n${log}`)));
    });
    const [type, key] = (await readFile(join(dir, 'host_key.pub'), 'utf8')).split(' ');
    await writeFile(join(dir, 'known_hosts'), `[127.0.0.1]:${port} ${type} ${key}\n`);
  });

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
    sshd?.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function connect(knownHostsFile = join(dir, 'known_hosts')): SshDeviceConnection {
    const conn = new SshDeviceConnection({
      device: 'openssh',
      host: '127.0.0.1',
      port,
      username: userInfo().username,
      auth: { type: 'key', path: join(dir, 'id_ed25519') },
      knownHostsFile,
    });
    connections.push(conn);
    return conn;
  }

  it('runs commands through a real shell over one connection', async () => {
    const conn = connect();
    expect(await conn.exec('echo hello')).toEqual({ stdout: 'hello\n', stderr: '', code: 0 });
    expect((await conn.exec('uname')).stdout.trim()).toBe('Linux');
    const many = await Promise.all(
      Array.from({ length: 15 }, (_, i) => conn.exec(`echo ${i}; exit ${i % 3}`)),
    );
    expect(many.map((r) => r.code)).toEqual(Array.from({ length: 15 }, (_, i) => i % 3));
    expect(await conn.exec("printf 'err' >&2; exit 7")).toEqual({ stdout: '', stderr: 'err', code: 7 });
  });

  it("refuses sshd's key when known_hosts does not have it, with ssh-keygen's fingerprint", async () => {
    const fp = execFileSync('ssh-keygen', ['-lf', join(dir, 'host_key.pub')], { encoding: 'utf8' }).split(
      ' ',
    )[1];
    const err = await connect(join(dir, 'empty_known_hosts'))
      .exec('echo hi')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyUnknownError);
    expect((err as Error).message).toContain(fp);
  });
});
