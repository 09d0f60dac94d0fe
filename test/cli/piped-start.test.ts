/**
 * `npm start | tee out` (issue 18): stdout is no terminal, so no console; the lab's text screen runs
 * instead, and it says so and how to get the console. Run as a user runs it, from its own HOME.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { labKeyHelp, type LabKey } from '../../src/cli/lab-sim.ts';

const BIN = fileURLToPath(new URL('../../bin/routedeck.mjs', import.meta.url));
const away = mkdtempSync(join(tmpdir(), 'routedeck-piped-'));
afterAll(() => rmSync(away, { recursive: true, force: true }));

describe('routedeck with its output piped', () => {
  it('says why there is no console and how to get it, runs the lab, and ends with "lab stopped" on a line', async () => {
    const env = {
      ...process.env,
      HOME: away,
      XDG_STATE_HOME: join(away, 'state'),
      ROUTEDECK_FROM_SOURCE: '1',
    };
    const child = spawn(process.execPath, [BIN], { cwd: away, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        resolve(code);
      }),
    );
    const started = new Promise<void>((resolve) =>
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('inventory:')) resolve();
      }),
    );
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await started;
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stdout is not a terminal, so no console');
    expect(stderr).toContain('For the console, run `npm start` (or `routedeck`) in a terminal');
    expect(stdout).toMatch(/^LAB \(simulated\)/);
    // After ^C the terminal's cursor sits after the echoed `^C`: the line starts fresh.
    expect(stdout).toMatch(/\n\nlab stopped\n$/);
  }, 180_000);

  it("the lab's key help breaks between keys, never inside a word, at the terminal's width", () => {
    const keys: LabKey[] = [
      { key: 'f', text: 'flap a random BGP session for 5 s' },
      { key: 'd', text: 'drop SSH to a random hypervisor for 10 s' },
      { key: 'a', text: "make spine1's API answer 503 (again: clear)" },
      { key: 'q', text: 'stop the lab' },
    ];
    const lines = labKeyHelp(keys, 80).split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(80);
    expect(lines[0]).toMatch(/^keys: f flap/);
    expect(lines.slice(1).every((l) => /^ {6}\S/.test(l))).toBe(true);
    expect(lines.join(' ')).toContain('d drop SSH to a random hypervisor for 10 s');
  });
});
