import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { labFiles } from './paths.ts';

export interface LabProcess {
  device: string;
  daemon: 'zebra' | 'bgpd' | 'staticd' | 'sshd';
  pid: number;
  pidFile: string;
}

/**
 * lab.json: what `up` made, written before and during creation so an interrupted `up` still
 * leaves enough behind for `down` to remove exactly that.
 */
export interface LabRecord {
  version: 1;
  dir: string;
  startedAt: string;
  /** Set once every session is Established and every workload route is installed. */
  readyAt?: string;
  namespaces: string[];
  /** Links in the root namespace (the bridge and the host ends of management veths). */
  rootLinks: string[];
  /** System paths outside the lab dir that up created (removed by down only if still ours). */
  systemPaths: { path: string; kind: 'dir' | 'symlink' }[];
  processes: LabProcess[];
  /** Files and folders inside the lab dir. */
  files: string[];
}

export function emptyRecord(dir: string): LabRecord {
  return {
    version: 1,
    dir,
    startedAt: new Date().toISOString(),
    namespaces: [],
    rootLinks: [],
    systemPaths: [],
    processes: [],
    files: [],
  };
}

export async function readRecord(dir: string): Promise<LabRecord | undefined> {
  let text: string;
  try {
    text = await readFile(labFiles(dir).record, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LabRecord>;
    if (parsed.version !== 1) return undefined;
    return { ...emptyRecord(dir), ...parsed, dir } as LabRecord;
  } catch {
    // A torn write from a killed `up`: down falls back to the fixed topology names.
    return undefined;
  }
}

let writes: Promise<void> = Promise.resolve();

/**
 * Atomic replace, so a crash never leaves a half-written record. Devices are set up in parallel,
 * so writes are chained: each one serialises the record as it is when its turn comes.
 */
export function writeRecord(rec: LabRecord): Promise<void> {
  const file = labFiles(rec.dir).record;
  const next = writes.then(async () => {
    await mkdir(rec.dir, { recursive: true });
    await writeFile(`${file}.tmp`, JSON.stringify(rec, null, 2) + '\n');
    await rename(`${file}.tmp`, file);
  });
  writes = next.catch(() => undefined);
  return next;
}

export function addUnique<T>(list: T[], item: T): void {
  if (!list.includes(item)) list.push(item);
}
