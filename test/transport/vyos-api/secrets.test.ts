import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSecret, SecretResolutionError } from '../../../src/transport/secrets.ts';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'routedeck-secret-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('resolveSecret', () => {
  it('reads an env var, trimmed', async () => {
    process.env.ROUTEDECK_TEST_SECRET = '  s3cret\n';
    try {
      expect(await resolveSecret({ env: 'ROUTEDECK_TEST_SECRET' })).toBe('s3cret');
    } finally {
      delete process.env.ROUTEDECK_TEST_SECRET;
    }
  });

  it('reads a file, trimmed', async () => {
    const file = join(dir, 'key');
    await writeFile(file, 'file-s3cret\n', { mode: 0o600 });
    expect(await resolveSecret({ file })).toBe('file-s3cret');
  });

  it('names the missing env var or file in the error, never a value', async () => {
    await expect(resolveSecret({ env: 'ROUTEDECK_TEST_UNSET' })).rejects.toThrow(
      new SecretResolutionError('secret environment variable ROUTEDECK_TEST_UNSET is not set or empty'),
    );
    const missing = join(dir, 'nope');
    await expect(resolveSecret({ file: missing })).rejects.toThrow(
      `cannot read secret file ${missing}: ENOENT`,
    );
    const empty = join(dir, 'empty');
    await writeFile(empty, '\n');
    await expect(resolveSecret({ file: empty })).rejects.toThrow(`secret file ${empty} is empty`);
  });
});
