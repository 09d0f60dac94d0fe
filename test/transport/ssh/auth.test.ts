import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SshAuthError } from '../../../src/transport/ssh/errors.ts';
import { generateKey, waitFor } from '../../helpers/ssh-test-server.ts';
import { startLab } from './fixture.ts';
import type { Lab } from './fixture.ts';

const PASSPHRASE = 'correct horse battery staple';

function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('SSH authentication', () => {
  let lab: Lab;
  let agent: ChildProcess | undefined;
  beforeEach(async () => {
    lab = await startLab();
  });
  afterEach(async () => {
    agent?.kill();
    agent = undefined;
    delete process.env.ROUTEDECK_TEST_PASSPHRASE;
    await lab.cleanup();
  });

  /** A lab whose server also accepts an encrypted key, written next to its passphrase file. */
  async function encryptedKeyLab(): Promise<{ keyFile: string; passFile: string }> {
    const key = generateKey(PASSPHRASE);
    await lab.cleanup();
    lab = await startLab({ server: { authorizedKeys: [key.public] } });
    const keyFile = join(lab.dir, 'id_encrypted');
    const passFile = join(lab.dir, 'passphrase');
    await writeFile(keyFile, key.private, { mode: 0o600 });
    await writeFile(passFile, `${PASSPHRASE}\n`, { mode: 0o600 });
    return { keyFile, passFile };
  }

  it('logs in with a private key file', async () => {
    expect(await lab.connect().exec('echo key')).toMatchObject({ stdout: 'key\n', code: 0 });
  });

  it('decrypts a key with a passphrase from an env var or a file', async () => {
    const { keyFile, passFile } = await encryptedKeyLab();
    process.env.ROUTEDECK_TEST_PASSPHRASE = PASSPHRASE;
    const viaEnv = lab.connect({
      auth: { type: 'key', path: keyFile, passphrase: { env: 'ROUTEDECK_TEST_PASSPHRASE' } },
    });
    expect(await viaEnv.exec('echo env')).toMatchObject({ stdout: 'env\n' });
    const viaFile = lab.connect({ auth: { type: 'key', path: keyFile, passphrase: { file: passFile } } });
    expect(await viaFile.exec('echo file')).toMatchObject({ stdout: 'file\n' });
  });

  it('explains a wrong or missing passphrase without printing it', async () => {
    const { keyFile } = await encryptedKeyLab();
    process.env.ROUTEDECK_TEST_PASSPHRASE = 'wrong secret words';
    const wrong = lab.connect({
      auth: { type: 'key', path: keyFile, passphrase: { env: 'ROUTEDECK_TEST_PASSPHRASE' } },
    });
    const err = await wrong.exec('echo x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshAuthError);
    expect((err as Error).message).toContain(keyFile);
    expect((err as Error).message).not.toContain('wrong secret words');
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain('wrong secret words');

    const unset = lab.connect({
      auth: { type: 'key', path: keyFile, passphrase: { env: 'ROUTEDECK_NOT_SET' } },
    });
    await expect(unset.exec('echo x')).rejects.toThrow(/ROUTEDECK_NOT_SET is not set/);
    expect(lab.server.connections).toBe(0); // no point dialling with a key we cannot use
  });

  it('reports a key the server does not accept as an authentication error', async () => {
    const other = join(lab.dir, 'id_other');
    await writeFile(other, generateKey().private, { mode: 0o600 });
    const conn = lab.connect({ auth: { type: 'key', path: other } });
    const err = await conn.exec('echo x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SshAuthError);
    expect((err as Error).message).toMatch(/accepted none of the key .*id_other for user noc/);
  });

  it('reports a missing agent socket clearly', async () => {
    const conn = lab.connect({ auth: { type: 'agent', socket: join(lab.dir, 'no-agent.sock') } });
    await expect(conn.exec('echo x')).rejects.toThrow(/ssh-agent socket .*no-agent\.sock is not reachable/);
  });

  it.skipIf(!hasBinary('ssh-agent') || !hasBinary('ssh-add'))(
    'logs in through a real ssh-agent',
    async () => {
      const socket = join(lab.dir, 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
      await waitFor(() => existsSync(socket), 'ssh-agent socket');
      execFileSync('ssh-add', [lab.keyFile], {
        env: { ...process.env, SSH_AUTH_SOCK: socket },
        stdio: 'ignore',
      });

      const explicit = lab.connect({ auth: { type: 'agent', socket } });
      expect(await explicit.exec('echo agent')).toMatchObject({ stdout: 'agent\n', code: 0 });

      const saved = process.env.SSH_AUTH_SOCK;
      process.env.SSH_AUTH_SOCK = socket;
      try {
        const fromEnv = lab.connect({ auth: { type: 'agent' } });
        expect(await fromEnv.exec('echo env agent')).toMatchObject({ stdout: 'env agent\n' });
      } finally {
        if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
        else process.env.SSH_AUTH_SOCK = saved;
      }
    },
  );
});
