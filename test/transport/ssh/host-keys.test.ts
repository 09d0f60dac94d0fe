import { execFileSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HostKeyInfo } from '../../../src/transport/ssh/dial.ts';
import {
  HostKeyChangedError,
  HostKeyRevokedError,
  HostKeyUnknownError,
} from '../../../src/transport/ssh/errors.ts';
import { generateKey } from '../../helpers/ssh-test-server.ts';
import { startLab } from './fixture.ts';
import type { Lab } from './fixture.ts';

describe('host key verification on connect', () => {
  let lab: Lab;
  let serverFingerprint: string;
  beforeEach(async () => {
    lab = await startLab({ trustServer: false });
    const pub = join(lab.dir, 'host.pub');
    await writeFile(pub, lab.server.hostKey.public);
    // The fingerprint an operator would read on the device with ssh-keygen -lf.
    serverFingerprint = execFileSync('ssh-keygen', ['-lf', pub], { encoding: 'utf8' }).split(' ')[1] ?? '';
  });
  afterEach(async () => {
    await lab.cleanup();
  });

  it('refuses an unknown key with its exact SHA256 fingerprint and says how to trust it', async () => {
    const conn = lab.connect();
    const err = await conn.exec('echo hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyUnknownError);
    const message = (err as Error).message;
    expect(message).toContain(serverFingerprint);
    expect(message).toContain('ssh-ed25519');
    expect(message).toContain(`127.0.0.1:${lab.server.port}`);
    expect(message).toMatch(/trust it/);
    expect(lab.server.commands).toEqual([]); // nothing ran on an unverified host
    expect(conn.state).toBe('backoff');
  });

  it('connects after an explicit yes, records the key, and does not ask again', async () => {
    const asked: HostKeyInfo[] = [];
    const trust = async (info: HostKeyInfo): Promise<boolean> => {
      asked.push(info);
      return true;
    };
    const first = lab.connect({ trustUnknownHostKey: trust });
    expect(await first.exec('echo hi')).toMatchObject({ stdout: 'hi\n', code: 0 });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({
      host: '127.0.0.1',
      port: lab.server.port,
      fingerprint: serverFingerprint,
    });
    expect(await readFile(lab.knownHostsFile, 'utf8')).toBe(`${lab.server.knownHostsLine()}\n`);

    const second = lab.connect({ trustUnknownHostKey: trust });
    expect(await second.exec('echo again')).toMatchObject({ stdout: 'again\n' });
    expect(asked).toHaveLength(1);
  });

  it("does not count the operator's thinking time against any deadline", async () => {
    const conn = lab.connect({
      readyTimeout: 300,
      trustUnknownHostKey: () => new Promise((resolve) => setTimeout(() => resolve(true), 600)),
    });
    // Neither the handshake deadline nor the command's own deadline runs during the prompt.
    expect(await conn.exec('echo slow yes', { timeoutMs: 400 })).toMatchObject({ stdout: 'slow yes\n' });
  });

  it('refuses when the operator says no', async () => {
    const conn = lab.connect({ trustUnknownHostKey: async () => false });
    await expect(conn.exec('echo hi')).rejects.toBeInstanceOf(HostKeyUnknownError);
    await expect(readFile(lab.knownHostsFile, 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('refuses a changed key loudly and never offers it to the trust callback', async () => {
    const old = generateKey().public.trim().split(' ');
    await writeFile(lab.knownHostsFile, `# ours\n[127.0.0.1]:${lab.server.port} ${old[0]} ${old[1]}\n`);
    let asked = 0;
    const conn = lab.connect({
      trustUnknownHostKey: async () => {
        asked++;
        return true;
      },
    });
    const err = await conn.exec('echo hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyChangedError);
    const message = (err as Error).message;
    expect(message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(message).toContain(serverFingerprint);
    expect(message).toContain(`${lab.knownHostsFile}:2`);
    expect(asked).toBe(0);
    expect(lab.server.commands).toEqual([]);
    expect(await readFile(lab.knownHostsFile, 'utf8')).not.toContain(lab.server.hostKey.public.split(' ')[1]);
  });

  it('accepts the key through a line hashed by the real ssh-keygen -H', async () => {
    await writeFile(lab.knownHostsFile, `${lab.server.knownHostsLine()}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', lab.knownHostsFile], { stdio: 'ignore' });
    expect(await readFile(lab.knownHostsFile, 'utf8')).toMatch(/^\|1\|/);
    const conn = lab.connect();
    expect(await conn.exec('echo hashed')).toMatchObject({ stdout: 'hashed\n' });
  });

  it('refuses a @revoked key even if the operator would trust it', async () => {
    const [type, key] = lab.server.hostKey.public.trim().split(' ');
    await writeFile(lab.knownHostsFile, `@revoked * ${type} ${key}\n`);
    const conn = lab.connect({ trustUnknownHostKey: async () => true });
    const err = await conn.exec('echo hi').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostKeyRevokedError);
    expect((err as Error).message).toContain(serverFingerprint);
  });
});
