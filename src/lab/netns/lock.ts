/**
 * One netns lab per machine: namespace, bridge and veth names are global. Whoever brings a lab up
 * for a while (a test file, a bench) holds this lock so another run waits instead of colliding.
 * The lock is a directory (atomic mkdir) holding the holder's pid; a dead holder's lock is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const LOCK_DIR = process.env['ROUTEDECK_NETNS_LOCK'] ?? '/run/lock/routedeck-netns';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(): number | null {
  try {
    const pid = Number(readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Waits (polling) until this process holds the lab lock; returns the release function. */
export async function acquireNetnsLock(timeoutMs = 15 * 60_000, what = 'the netns lab'): Promise<() => void> {
  mkdirSync(path.dirname(LOCK_DIR), { recursive: true });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(path.join(LOCK_DIR, 'pid'), `${process.pid}\n`);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        if (holder() === process.pid) rmSync(LOCK_DIR, { recursive: true, force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const pid = holder();
    // No pid yet: the holder is between mkdir and write; a dead pid: take the lock over.
    if (pid !== null && !alive(pid)) rmSync(LOCK_DIR, { recursive: true, force: true });
    else if (pid === process.pid) throw new Error(`${what}: this process already holds the netns lab lock`);
    if (Date.now() > deadline)
      throw new Error(
        `${what}: the netns lab is busy (held by pid ${pid ?? '?'}) for over ${timeoutMs / 1000} s`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
