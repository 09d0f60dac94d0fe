import { execFile } from 'node:child_process';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface RunOptions {
  timeoutMs?: number;
  /** Text written to the child's stdin (then closed). */
  input?: string;
}

/** Absolute paths: sshd refuses relative re-exec, and root's PATH under a test runner is not guaranteed. */
export const BIN = {
  ip: '/usr/bin/ip',
  vtysh: '/usr/bin/vtysh',
  sshd: '/usr/sbin/sshd',
  sshKeygen: '/usr/bin/ssh-keygen',
  sysctl: '/usr/sbin/sysctl',
  nft: '/usr/sbin/nft',
  frrDir: '/usr/lib/frr',
} as const;

/**
 * Runs argv without a shell and never throws on a non-zero exit: callers decide what a failure
 * means (an absent namespace during `down` is fine, during `up` it is not).
 */
export function tryRun(argv: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const [file, ...args] = argv;
  if (!file) throw new Error('empty argv');
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        let code = 0;
        if (err) {
          const c = (err as NodeJS.ErrnoException & { code?: unknown }).code;
          code = typeof c === 'number' ? c : 127;
          if (!stderr) stderr = err.message;
        }
        resolve({ stdout, stderr, code });
      },
    );
    // A child may exit without reading its input; that EPIPE is not our error, its exit code is.
    child.stdin?.on('error', () => undefined);
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like tryRun, but a non-zero exit is an error that names the command and quotes its stderr. */
export async function run(argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  const r = await tryRun(argv, opts);
  if (r.code !== 0) {
    throw new Error(`command failed (${r.code}): ${argv.join(' ')}\n${r.stderr.trim()}`);
  }
  return r.stdout;
}

/** argv run inside a network namespace via `ip netns exec`. */
export function runInNamespace(ns: string, argv: readonly string[], opts: RunOptions = {}): Promise<string> {
  return run([BIN.ip, 'netns', 'exec', ns, ...argv], opts);
}

export function tryRunInNamespace(
  ns: string,
  argv: readonly string[],
  opts: RunOptions = {},
): Promise<RunResult> {
  return tryRun([BIN.ip, 'netns', 'exec', ns, ...argv], opts);
}

/** Several `ip` commands in one process (`ip -batch -`): link setup is otherwise dominated by fork/exec. */
export async function ipBatch(lines: readonly string[], ns?: string): Promise<void> {
  if (lines.length === 0) return;
  const argv = ns ? [BIN.ip, '-n', ns, '-batch', '-'] : [BIN.ip, '-batch', '-'];
  await run(argv, { input: lines.join('\n') + '\n' });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
