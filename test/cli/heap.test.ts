/**
 * The console's young-generation size (src/cli/common/heap.ts) is a flag V8 reads only when node
 * starts: it must reach node wherever routedeck is started — the `#!` line (npm's bin link runs the
 * file itself) and `npm start`.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CONSOLE_V8_FLAGS } from '../../src/cli/common/heap.ts';

const ROOT = new URL('../../', import.meta.url);

describe('the console heap flags', () => {
  it('start node from the #! line and from npm start', () => {
    const bin = readFileSync(new URL('bin/routedeck.mjs', ROOT), 'utf8').split('\n')[0]!;
    const pkg = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(CONSOLE_V8_FLAGS.length).toBeGreaterThan(0);
    expect(bin).toMatch(/^#!\/usr\/bin\/env -S node /);
    for (const flag of CONSOLE_V8_FLAGS) {
      expect(bin.split(' ')).toContain(flag);
      expect(pkg.scripts['start']!.split(' ')).toContain(flag);
    }
  });

  it("reach node when the file itself is run, as npm's bin link runs it (env -S splits them)", () => {
    // The child prints the flags node was started with, then the usage as always.
    const result = spawnSync(fileURLToPath(new URL('bin/routedeck.mjs', ROOT)), ['--help'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, NODE_OPTIONS: '--import ./test/cli/print-exec-argv.mjs' },
      cwd: fileURLToPath(ROOT),
    });
    expect(result.stderr).toContain(`execArgv ${JSON.stringify([...CONSOLE_V8_FLAGS])}`);
    expect(result.stdout).toMatch(/^routedeck — NOC console/);
    expect(result.status).toBe(0);
  }, 180_000);
});
