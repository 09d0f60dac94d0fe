import { describe, expect, it } from 'vitest';
import { watchedRunner } from '../../src/poller/watched-runner.ts';
import type { CommandRunner, ExecOptions } from '../../src/transport/types.ts';

describe('the runner a poll collects through', () => {
  it('hands every command the poll signal and counts each streamed chunk and each answer as progress', async () => {
    const given: (ExecOptions | undefined)[] = [];
    const runner: CommandRunner = {
      async exec(_command, options) {
        given.push(options);
        return { stdout: 'x', stderr: '', code: 0 };
      },
      async execStream(_command, onStdout, options) {
        given.push(options);
        for (const part of ['a', 'b', 'c']) onStdout(Buffer.from(part));
        return { code: 0, stderr: '' };
      },
    };
    const controller = new AbortController();
    let progress = 0;
    const watched = watchedRunner(runner, { signal: controller.signal, progress: () => progress++ });
    const chunks: string[] = [];
    await watched.execStream('show ip route vrf all json', (chunk) => chunks.push(chunk.toString()), {
      maxBytes: 10,
    });
    expect(chunks).toEqual(['a', 'b', 'c']);
    expect(progress).toBe(4); // three chunks and the end
    expect((await watched.exec('show bgp summary json')).stdout).toBe('x');
    expect(progress).toBe(5);
    expect(given.map((o) => o?.signal)).toEqual([controller.signal, controller.signal]);
    expect(given[0]?.maxBytes).toBe(10);
    expect(watched.session).toBeUndefined();
  });
});
