/**
 * The team's registry is down when a console starts: the console still shows the live fabric,
 * read-only, and its header says why and what to do (issue 19's failure mode). Driven through a
 * pseudo-terminal (util-linux `script`), as start-anywhere.test.ts does.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/routedeck.mjs', import.meta.url));
const away = mkdtempSync(join(tmpdir(), 'routedeck-registry-down-'));
const env = { ...process.env, HOME: away, XDG_STATE_HOME: join(away, 'state'), NO_COLOR: '1' };
afterAll(() => rmSync(away, { recursive: true, force: true }));

/** A loopback port nothing listens on (bound, then released). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

describe('a console whose registry is down', () => {
  it('shows the live fabric read-only, with one line naming the registry and what to do', async () => {
    expect(spawnSync('script', ['--version']).status, 'needs util-linux `script`').toBe(0);
    const url = `postgres://noc@127.0.0.1:${await closedPort()}/routedeck`;
    const term = new xterm.Terminal({ cols: 240, rows: 30, allowProposedApi: true });
    const child = spawn(
      'script',
      [
        '-qfec',
        `stty cols 240 rows 30; exec '${process.execPath}' '${BIN}' --registry '${url}'`,
        '/dev/null',
      ],
      { cwd: away, env: { ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    child.stdout.on('data', (chunk: Buffer) => term.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => term.write(chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const screen = () => {
      const lines: string[] = [];
      for (let y = 0; y < term.buffer.active.length; y++)
        lines.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
      return lines.join('\n');
    };
    const until = (check: () => boolean, limitMs: number) =>
      new Promise<boolean>((resolve) => {
        const started = Date.now();
        const timer = setInterval(() => {
          if (check() || child.exitCode !== null || Date.now() - started > limitMs) {
            clearInterval(timer);
            resolve(check());
          }
        }, 50);
      });
    try {
      const shown = await until(() => /hv4\s/.test(screen()) && /ok [1-9]/.test(screen()), 120_000);
      expect(shown, `the console's screen:\n${screen()}`).toBe(true);
      const text = screen();
      expect(text).toContain('[read-only]');
      expect(text).toContain(
        `registry ${url} unreachable: read-only, nothing can be planned or applied (fix the database, then restart the console;`,
      );
      expect(text).toMatch(/spine1\s+router\s+vyos \(sim\)/);
      child.stdin.write('q');
      expect(await until(() => child.exitCode !== null, 45_000), screen()).toBe(true);
      expect(await exited).toBe(0);
      expect(readdirSync(away).filter((f) => f.startsWith('postgres'))).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      term.dispose();
    }
  }, 180_000);
});
