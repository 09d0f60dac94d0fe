import { spawn } from 'node:child_process';
import path from 'node:path';

const CHILD = path.join(import.meta.dirname, 'apply-child.ts');

/**
 * Runs a migration in a child process (apply-child.ts) and SIGKILLs it as `step` starts (the step
 * before is audited done). Resolves with the plan id the child printed.
 */
export function applyAndKill(
  files: { inventoryPath: string; registryPath: string },
  workload: string,
  target: string,
  step: string,
): Promise<string> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD, files.inventoryPath, files.registryPath, workload, target],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`never saw step-start ${step}:\n${out}`));
    }, 180_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(`step-start ${step}\n`)) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve(/planned (\S+)/.exec(out)?.[1] ?? '');
      else reject(new Error(`the apply ended by itself before the kill:\n${out}`));
    });
  });
}
