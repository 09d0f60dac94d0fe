import { runCli } from './run.ts';

async function confirm(question: string): Promise<boolean> {
  // Loaded when a question is asked: most commands never ask one.
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

// Logs never go to the terminal while a UI is up; for these one-shot commands stderr is the log.
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  ...(process.stdin.isTTY ? { confirm } : {}),
});
process.exitCode = code;
