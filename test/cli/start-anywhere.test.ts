/**
 * `routedeck` started from a directory other than the checkout (issue 13 item 13): tsx used to read
 * tsconfig.json from the current directory, so the console died with "React is not defined". The
 * CLI and the console run here as a user runs them, from a fresh temp directory with its own HOME.
 * The console needs a terminal: util-linux `script` (Debian's essential bsdutils) gives it a pty.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import xterm from '@xterm/headless';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = fileURLToPath(new URL('../../bin/routedeck.mjs', import.meta.url));
const away = mkdtempSync(join(tmpdir(), 'routedeck-elsewhere-'));
// CI set, as on a build agent (and in our CI): ink then draws nothing until exit unless the CLI
// hides it, and the console showed a blank screen there (issue 12's red CI runs).
const env = { ...process.env, HOME: away, XDG_STATE_HOME: join(away, 'state'), NO_COLOR: '1', CI: 'true' };
afterAll(() => rmSync(away, { recursive: true, force: true }));

const run = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: away, env, encoding: 'utf8', timeout: 120_000 });
const STACK = /ReferenceError|TypeError|^\s+at .+:\d+:\d+\)?$/m;

describe('routedeck from a directory other than the checkout', () => {
  it('prints its usage', () => {
    const result = run(['--help']);
    expect(result.stdout).toMatch(/^routedeck — NOC console/);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  }, 180_000);

  it('reads an inventory named relative to that directory, and refuses a bad one with exit 2', () => {
    writeFileSync(join(away, 'bad.yaml'), 'devices: []\n');
    const result = run(['get', 'devices', '--inventory', 'bad.yaml']);
    expect(result.stderr).toBe(
      `${join(away, 'bad.yaml')}: invalid inventory\n  devices: must list at least one device\n`,
    );
    expect(result.status).toBe(2);
  }, 180_000);

  it('starts the console on the embedded lab, shows its devices, and quits on q', async () => {
    const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
    expect(hasScript, 'this test needs util-linux `script` for a pseudo-terminal').toBe(true);
    const term = new xterm.Terminal({ cols: 100, rows: 30, allowProposedApi: true });
    const child = spawn(
      'script',
      ['-qfec', `stty cols 100 rows 30; exec '${process.execPath}' '${BIN}'`, '/dev/null'],
      { cwd: away, env: { ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      term.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const screen = () => {
      const lines: string[] = [];
      for (let y = 0; y < term.buffer.active.length; y++)
        lines.push(term.buffer.active.getLine(y)?.translateToString(true) ?? '');
      return lines.join('\n');
    };
    // Content, not time: wait for the screen (or the end of the process); the limits only turn a
    // hang into a failure that shows the screen, well inside the test's own timeout.
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
      const shown = await until(() => /hv4\s/.test(screen()), 120_000);
      expect(output).not.toMatch(STACK);
      expect(shown, `the console's screen:\n${screen()}`).toBe(true);
      expect(screen()).toMatch(/spine1\s+router\s+vyos \(sim\)/);
      child.stdin.write('q');
      const ended = await until(() => child.exitCode !== null, 45_000);
      expect(ended, `still running 45 s after q; the console's screen:\n${screen()}`).toBe(true);
      expect(await exited).toBe(0);
      expect(output).not.toMatch(STACK);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      term.dispose();
    }
  }, 180_000);
});
