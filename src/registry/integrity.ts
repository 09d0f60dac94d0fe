/**
 * Opening a registry file safely: a new one is built aside and linked into place (so the path
 * never holds a half-made or empty file of ours), and an existing one is checked — not empty,
 * SQLite, intact, ours — before anything writes to it. A truncated file re-created empty would
 * silently lose every plan, audit row and workload, and interrupted-plan detection with them.
 */
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { RegistryDamagedError } from './errors.ts';
import { migrate, schemaProblem } from './schema.ts';

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/** Creates the registry at `path` if nothing is there; an existing file is left exactly as it is. */
export function createIfAbsent(path: string, now: () => number): void {
  if (exists(path)) return;
  // The registry records who did what to the network: only its owner may read it.
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.new-${process.pid}-${randomUUID().slice(0, 8)}`;
  try {
    closeSync(openSync(tmp, 'wx', 0o600));
    chmodSync(tmp, 0o600);
    const db = new Database(tmp);
    try {
      db.pragma('journal_mode = WAL');
      migrate(db, now);
    } finally {
      db.close(); // the last connection checkpoints: the file is complete without its -wal
    }
    try {
      linkSync(tmp, path); // atomic and exclusive: of two consoles creating at once, one file wins
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      if (code !== 'EPERM' && code !== 'ENOTSUP') throw error;
      try {
        copyFileSync(tmp, path, constants.COPYFILE_EXCL); // filesystems without hard links
      } catch (copyError) {
        if ((copyError as NodeJS.ErrnoException).code !== 'EEXIST') throw copyError;
      }
    }
  } finally {
    for (const f of [tmp, `${tmp}-wal`, `${tmp}-shm`]) rmSync(f, { force: true });
  }
}

/** Refuses a file that is empty or not SQLite, before SQLite (or anyone) opens it for writing. */
export function checkFile(path: string): void {
  const st = statSync(path);
  if (!st.isFile()) throw new RegistryDamagedError(path, 'is not a regular file');
  if (st.size === 0) throw new RegistryDamagedError(path, 'exists but is empty (0 bytes)');
  const head = Buffer.alloc(SQLITE_MAGIC.length);
  const fd = openSync(path, 'r');
  let read: number;
  try {
    read = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (read < head.length || !head.equals(SQLITE_MAGIC))
    throw new RegistryDamagedError(path, `is not an SQLite database (${st.size} bytes, no SQLite header)`);
}

/** On a connection to an existing file, before any write: SQLite's quick_check, then our schema. */
export function checkDatabase(db: Database.Database, path: string): void {
  let result: string[];
  try {
    result = (db.pragma('quick_check(5)') as { quick_check: string }[]).map((r) => r.quick_check);
  } catch (error) {
    throw new RegistryDamagedError(path, `is damaged (SQLite: ${(error as Error).message})`);
  }
  if (result.length !== 1 || result[0] !== 'ok')
    throw new RegistryDamagedError(path, `is damaged (SQLite quick_check: ${result[0] ?? 'no answer'})`);
  const problem = schemaProblem(db);
  if (problem) throw new RegistryDamagedError(path, problem);
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
