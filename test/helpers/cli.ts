import { runCli } from '../../src/cli/run.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `routedeck ARGS` in-process and captures what a user would see on stdout and stderr. With
 * `answer`, the command has a terminal to ask on: each yes/no question goes to `answer` with the
 * output so far (what the engineer reads when asked), and its reply is the engineer's.
 */
export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  answer?: (question: string, stdoutSoFar: string) => Promise<boolean>,
): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (text: string) => void) =>
    ({ write: (chunk: string) => (append(chunk), true) }) as unknown as NodeJS.WritableStream;
  const code = await runCli(args, {
    stdout: sink((text) => (stdout += text)),
    stderr: sink((text) => (stderr += text)),
    env,
    ...(answer ? { confirm: (question: string) => answer(question, stdout) } : {}),
  });
  return { code, stdout, stderr };
}

/**
 * `routedeck apply PLAN --lab --yes --operator alice [extra…]` as its own process (a console that can
 * be killed), SIGKILLed once `killAfter` appears in its output; resolves with that output. Rejects when
 * the apply ends by itself first or never prints it. `onOutput` sees the output as it grows (to break
 * something at a given point).
 */
export async function applyAndKill(
  planId: string,
  env: NodeJS.ProcessEnv,
  killAfter: RegExp,
  options: { extraArgs?: string[]; onOutput?: (out: string) => void } = {},
): Promise<string> {
  const { spawn } = await import('node:child_process');
  const bin = new URL('../../bin/routedeck.mjs', import.meta.url).pathname;
  const child = spawn(
    process.execPath,
    [bin, 'apply', planId, '--lab', '--yes', '--operator', 'alice', ...(options.extraArgs ?? [])],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`never saw ${killAfter}:\n${out}`));
    }, 180_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      options.onOutput?.(out);
      if (killAfter.test(out)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal !== 'SIGKILL') reject(new Error(`apply ended by itself before the kill:\n${out}`));
      else resolve(out);
    });
  });
}
