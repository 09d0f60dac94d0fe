import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { BIN, sleep, tryRun } from './exec.ts';

/** Reads a pid file; undefined when absent or garbage. */
export async function readPid(pidFile: string): Promise<number | undefined> {
  try {
    const n = Number.parseInt((await readFile(pidFile, 'utf8')).trim(), 10);
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * True when pid is a live (not zombie) process whose name is `comm`. Checking the name guards
 * against a recycled pid: down must never signal a process the lab did not start.
 */
export async function isAlive(pid: number, comm: string): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Format: "pid (comm) state ..."; comm may hold spaces, so split at the last ')'.
    const open = stat.indexOf('(');
    const close = stat.lastIndexOf(')');
    const name = stat.slice(open + 1, close);
    const state = stat.slice(close + 2, close + 3);
    return name === comm.slice(0, 15) && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

export async function pidFileAlive(pidFile: string, comm: string): Promise<number | undefined> {
  const pid = await readPid(pidFile);
  return pid !== undefined && (await isAlive(pid, comm)) ? pid : undefined;
}

export async function waitForPidFile(pidFile: string, comm: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await pidFileAlive(pidFile, comm);
    if (pid !== undefined) return pid;
    if (Date.now() > deadline) throw new Error(`${comm} did not start (no live pid in ${pidFile})`);
    await sleep(50);
  }
}

/** SIGTERM, then SIGKILL after graceMs; resolves when none of the pids is alive. */
export async function terminate(pids: readonly number[], graceMs = 3000): Promise<void> {
  const live = pids.filter((p) => p > 1);
  for (const p of live) signal(p, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  let remaining = live;
  while (remaining.length > 0) {
    remaining = remaining.filter((p) => exists(p));
    if (remaining.length === 0) return;
    if (Date.now() > deadline) {
      for (const p of remaining) signal(p, 'SIGKILL');
      await sleep(100);
      return;
    }
    await sleep(50);
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

/** Zombies count as gone: their parent (often init, outside our control) reaps them later. */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) [ZX]/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Every process inside a namespace (`ip netns pids`): in our namespaces, all of them are ours. */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await tryRun([BIN.ip, 'netns', 'pids', ns]);
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .map((s) => Number.parseInt(s, 10))
    .filter((n) => Number.isInteger(n) && n > 1);
}
