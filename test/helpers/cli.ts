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
