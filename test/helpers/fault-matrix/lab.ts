/**
 * One embedded lab for a run of fault cases: the CLI in-process against it, the CLI as a child
 * process (for kill -9), and direct reads of its registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimLab, type SimLab } from '../../../src/lab/sim/lab.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import { cli, type CliResult } from '../cli.ts';

const REPO = path.resolve(import.meta.dirname, '../../..');
export const OPERATOR = 'faults';

export interface FaultLab {
  lab: SimLab;
  env: NodeJS.ProcessEnv;
  /** `routedeck ARGS --lab --operator faults` in this process. */
  run(args: string[]): Promise<CliResult>;
  /** `node bin/routedeck.mjs ARGS --lab --operator faults` as a child process. */
  spawnCli(args: string[]): ChildProcess;
  registry<T>(fn: (reg: Registry) => T): T;
  stop(): Promise<void>;
}

export async function startFaultLab(): Promise<FaultLab> {
  const parent = await mkdtemp(path.join(tmpdir(), 'routedeck-faults-'));
  const lab = await startSimLab({
    dir: path.join(parent, 'sim'),
    fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
  });
  const env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: OPERATOR };
  return {
    lab,
    env,
    run: (args) => cli([...args, '--lab', '--operator', OPERATOR], env),
    spawnCli: (args) =>
      spawn(
        process.execPath,
        [path.join(REPO, 'bin/routedeck.mjs'), ...args, '--lab', '--operator', OPERATOR],
        {
          env: { ...process.env, ...env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      ),
    registry(fn) {
      const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
      try {
        return fn(reg);
      } finally {
        reg.close();
      }
    },
    async stop() {
      await lab.stop();
      await rm(parent, { recursive: true, force: true });
    },
  };
}

/** The plan id a `routedeck plan …` printed, or '' when it printed none. */
export function planIdOf(stdout: string): string {
  return /^Plan (\S+) — /m.exec(stdout)?.[1] ?? '';
}
