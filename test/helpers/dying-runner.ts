import type { ExecDeps } from '../../src/workflows/execute/index.ts';
import type { CommandRunner } from '../../src/transport/types.ts';

/**
 * The console dies mid-step (kill -9): on `device`, the first command matching `dies` runs on the
 * device, then its reply never comes back — the executor waits forever, as a killed process does.
 */
export function dyingDeps(base: ExecDeps, device: string, dies: RegExp, died: () => void): ExecDeps {
  return {
    ...base,
    runnerFor: (name) => {
      const real = base.runnerFor(name);
      if (name !== device) return real;
      const runner: CommandRunner = {
        exec: async (command, options) => {
          const result = await real.exec(command, options);
          if (!dies.test(command)) return result;
          died();
          return new Promise<never>(() => undefined);
        },
        execStream: (command, onStdout, options) => real.execStream(command, onStdout, options),
      };
      return runner;
    },
  };
}
