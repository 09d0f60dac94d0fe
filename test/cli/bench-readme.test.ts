/**
 * The README's benchmark tables come from `npm run bench`'s results (issue 18): scripts/bench-readme.mjs
 * rewrites what sits between the markers and nothing else; without results or markers it says why.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = fileURLToPath(new URL('../../scripts/bench-readme.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'routedeck-bench-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const spread = (median: number, min = median, max = median) => ({ median, min, max });
const mode = (lost: number, gap: number, plan: number) => ({
  runs: 5,
  lost: spread(lost),
  maxGapMs: spread(gap, gap - 5, gap + 20),
  planMs: spread(plan),
  routers: Object.fromEntries(
    ['rtr1 v4', 'rtr1 v6', 'rtr2 v4', 'rtr2 v6'].map((k, i) => [
      k,
      { fibMs: spread(130 + i), fibAfterCommandMs: spread(100 + i), verifiedMs: spread(150) },
    ]),
  ),
});
const results = {
  migration: {
    date: '2026-12-03T20:01:56.613Z',
    machine: { cpu: 'AMD EPYC', cores: 2, node: 'v20.20.2', os: 'x' },
    pingIntervalMs: 5,
    modes: { 'make-before-break': mode(0, 32, 930), 'break-before-make': mode(12, 133, 470) },
  },
};

function run(readme: string, resultsFile: string) {
  const file = join(dir, 'README.md');
  writeFileSync(file, readme);
  const out = spawnSync(process.execPath, [SCRIPT, resultsFile], {
    env: { ...process.env, ROUTEDECK_README: file },
    encoding: 'utf8',
  });
  return { ...out, text: readFileSync(file, 'utf8') };
}

describe('npm run bench:readme', () => {
  const resultsFile = join(dir, 'results.json');
  writeFileSync(resultsFile, JSON.stringify(results));

  it('writes the migration table from the results between its markers, leaving the rest alone', () => {
    const before =
      'intro\n<!-- bench:migration -->\n| old | 17 ms | 443 ms |\n<!-- /bench:migration -->\nafter\n';
    const out = run(before, resultsFile);
    expect(out.status).toBe(0);
    expect(out.text.startsWith('intro\n<!-- bench:migration -->\n')).toBe(true);
    expect(out.text.endsWith('<!-- /bench:migration -->\nafter\n')).toBe(true);
    expect(out.text).not.toContain('443 ms');
    expect(out.text).toContain('| packets lost | **0** (0–0) | 12 (12–12) |');
    expect(out.text).toContain('| largest gap between replies | 32 (27–52) ms | 133 (128–153) ms |');
    expect(out.text).toContain('| plan duration | 0.93 s | 0.47 s |');
    expect(out.text).toContain('2026-12-03, AMD EPYC, 2 cores, Node 20.20.2');
    // Run again: the same README (the table is replaced, not appended).
    expect(run(out.text, resultsFile).text).toBe(out.text);
  });

  it('no markers, or no results: exit 2 with the reason, README unchanged', () => {
    const noMarkers = run('just text\n', resultsFile);
    expect(noMarkers.status).toBe(2);
    expect(noMarkers.stderr).toContain('README has no <!-- bench:migration -->');
    expect(noMarkers.text).toBe('just text\n');
    const missing = run('x\n', join(dir, 'nope.json'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/no .*nope\.json; run `npm run bench`/);
  });
});
