import { describe, expect, it } from 'vitest';
import { deviceDigest } from '../../src/drivers/digest.ts';
import type { CommandRunner, ExecResult } from '../../src/transport/types.ts';

const sha = (c: string) => c.repeat(64);

function runner(answer: (command: string) => ExecResult | Error) {
  const sent: string[] = [];
  const r: CommandRunner = {
    async exec(command) {
      sent.push(command);
      const a = answer(command);
      if (a instanceof Error) throw a;
      return a;
    },
    execStream: async () => ({ code: 0, stderr: '' }),
  };
  return { r, sent };
}

describe('digests asked for together', () => {
  it('go out as one command and come back in order', async () => {
    const { r, sent } = runner(() => ({
      stdout: `${sha('a')}  -\n${sha('b')}  -\n${sha('c')}  -\n`,
      stderr: '',
      code: 0,
    }));
    const got = await Promise.all(
      ['ip -j -d addr show', 'ip -j route show table all', 'nft -j list ruleset'].map((c) =>
        deviceDigest(r, c),
      ),
    );
    expect(got).toEqual([sha('a'), sha('b'), sha('c')]);
    expect(sent).toEqual([
      'ip -j -d addr show | sha256sum; ip -j route show table all | sha256sum; nft -j list ruleset | sha256sum',
    ]);
  });

  it('count as no digest when a line is missing or the command failed, so the listings are read in full', async () => {
    const short = runner(() => ({ stdout: `${sha('a')}  -\n`, stderr: 'sh: 1: syntax error', code: 2 }));
    expect(await Promise.all(['x', 'y'].map((c) => deviceDigest(short.r, c)))).toEqual([null, null]);
    const broken = runner(() => new Error('channel closed'));
    expect(await Promise.all(['x', 'y'].map((c) => deviceDigest(broken.r, c)))).toEqual([null, null]);
    const garbled = runner(() => ({ stdout: 'not a digest\nnor this\n', stderr: '', code: 0 }));
    expect(await Promise.all(['x', 'y'].map((c) => deviceDigest(garbled.r, c)))).toEqual([null, null]);
    // Alone, a digest also needs the pipeline to have succeeded.
    const alone = runner(() => ({ stdout: `${sha('a')}  -\n`, stderr: '', code: 1 }));
    expect(await deviceDigest(alone.r, 'x')).toBeNull();
  });
});
