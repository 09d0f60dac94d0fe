import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyUnknownError } from '../../../../src/transport/ssh/index.ts';
import { startFakeLab, type TestLab } from './helpers.ts';
import type { FakeFabric } from './fake-fabric.ts';

describe('exec over the lab’s SSH (fake fabric: outputs the real model never makes)', () => {
  let t: TestLab<FakeFabric>;
  beforeAll(async () => {
    t = await startFakeLab({ writeState: false });
  });
  afterAll(async () => t?.close());

  it('passes stderr, exit codes, model errors and megabytes of output through', async () => {
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

  it('runs nothing for a client that does not know the host key', async () => {
    const empty = path.join(t.parent, 'empty_known_hosts');
    await writeFile(empty, '');
    const before = t.fabric.commands.length;
    await expect(t.ssh('hv1', empty).exec('hostname')).rejects.toBeInstanceOf(HostKeyUnknownError);
    expect(t.fabric.commands.length).toBe(before);
  });
});
