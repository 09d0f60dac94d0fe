import { readdir, rm, rmdir } from 'node:fs/promises';
import { frrPidFile, FRR_DAEMONS, isLabSymlink } from './frr.ts';
import { linkExists, listNamespaces, removeNetwork } from './network.ts';
import { deviceFiles, frrEtcDir, frrRunDir, labDir, labFiles, type DirOptions } from './paths.ts';
import { isAlive, namespacePids, pidFileAlive, terminate } from './processes.ts';
import { readRecord, type LabRecord } from './record.ts';
import { allNamespaces, DEVICES, MGMT_BRIDGE, mgmtHostIf } from './topology.ts';

async function rmdirIfEmpty(p: string): Promise<void> {
  try {
    if ((await readdir(p)).length === 0) await rmdir(p);
  } catch {
    // Absent already.
  }
}

async function anyFrrAlive(device: string): Promise<boolean> {
  for (const daemon of FRR_DAEMONS) {
    if ((await pidFileAlive(frrPidFile(device, daemon), daemon)) !== undefined) return true;
  }
  return false;
}

/**
 * Stops every lab process and deletes every namespace and root link. The namespace, bridge and
 * pathspace names are fixed and prefixed, so they are ours even when lab.json is gone (an `up`
 * killed before it wrote one): only one namespace lab can exist per host.
 */
export async function teardown(dir: string, rec: LabRecord | undefined): Promise<void> {
  const existing = new Set(await listNamespaces());
  const namespaces = [...new Set([...(rec?.namespaces ?? []), ...allNamespaces()])].filter((ns) =>
    existing.has(ns),
  );

  const pids = new Set<number>();
  for (const p of rec?.processes ?? []) if (await isAlive(p.pid, p.daemon)) pids.add(p.pid);
  // Everything running inside our namespaces is ours: daemons, and anything a test or an SSH
  // session started there. Processes are matched by namespace, never by name.
  for (const ns of namespaces) for (const pid of await namespacePids(ns)) pids.add(pid);
  await terminate([...pids]);

  const rootLinks = [
    ...new Set([...(rec?.rootLinks ?? []), MGMT_BRIDGE, ...DEVICES.map((d) => mgmtHostIf(d.name))]),
  ];
  const presentLinks: string[] = [];
  for (const l of rootLinks) if (await linkExists(l)) presentLinks.push(l);
  await removeNetwork(namespaces, presentLinks);

  for (const d of DEVICES) {
    // Our pathspace's sockets and pid files, unless a daemon outside our namespaces still uses them.
    if (!(await anyFrrAlive(d.name))) await rm(frrRunDir(d.name), { recursive: true, force: true });
    if (await isLabSymlink(frrEtcDir(d.name))) await rm(frrEtcDir(d.name));
  }
  for (const p of rec?.systemPaths ?? []) {
    if (p.kind === 'symlink') {
      if (await isLabSymlink(p.path)) await rm(p.path);
    } else {
      // /run/sshd and /var/run/frr are shared with the system's own daemons: remove only if empty.
      await rmdirIfEmpty(p.path);
    }
  }
}

/** Removes the lab's files from its directory (and the directory, when nothing else is left in it). */
async function removeFiles(dir: string): Promise<void> {
  const f = labFiles(dir);
  for (const file of Object.values(f)) await rm(file, { force: true });
  await rm(`${f.record}.tmp`, { force: true });
  for (const d of DEVICES) await rm(deviceFiles(dir, d.name).base, { recursive: true, force: true });
  await rmdirIfEmpty(dir);
}

/** Removes every namespace, process, link and file the lab made. Safe to run when nothing exists. */
export async function netnsDown(opts: DirOptions = {}): Promise<void> {
  const dir = labDir(opts);
  const rec = await readRecord(dir);
  await teardown(dir, rec);
  await removeFiles(dir);
}
