import { lstat, mkdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BIN, run, runInNamespace } from './exec.ts';
import { FRR_CONF_MARK, renderFrrConf, renderVtyshConf } from './frr-config.ts';
import { deviceFiles, frrEtcDir, frrRunDir } from './paths.ts';
import { pidFileAlive, terminate, waitForPidFile } from './processes.ts';
import { writeRecord, type LabProcess, type LabRecord } from './record.ts';
import { labNamespace, type LabDevice } from './topology.ts';

export type FrrDaemon = 'zebra' | 'staticd' | 'bgpd';
/** zebra first: staticd and bgpd connect to its zserv socket. */
export const FRR_DAEMONS: readonly FrrDaemon[] = ['zebra', 'staticd', 'bgpd'];

/**
 * The daemons run as root (-u root -g frrvty), not as the frr user: the lab dir may sit where frr
 * cannot traverse (a 0700 home or temp dir), and a daemon that cannot read its config starts anyway,
 * silently without BGP. FRR still drops every capability it does not need, DAC override included,
 * so the pathspace run directory must belong to root; frrvty keeps it open to vty-group members.
 */
const RUN_OWNER = 'root:frrvty';

export function frrPidFile(device: string, daemon: FrrDaemon): string {
  return path.join(frrRunDir(device), `${daemon}.pid`);
}

async function pathKind(p: string): Promise<'none' | 'dir' | 'symlink' | 'other'> {
  try {
    const st = await lstat(p);
    return st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : 'other';
  } catch {
    return 'none';
  }
}

/**
 * Renders the device's configs and makes the pathspace directories. /etc/frr/<device> becomes a
 * symlink to the device's lab folder, so vtysh finds vtysh.conf and `write memory` lands in the
 * rendered frr.conf instead of somewhere the lab does not clean up.
 */
export async function prepareFrr(rec: LabRecord, dev: LabDevice): Promise<void> {
  const f = deviceFiles(rec.dir, dev.name);
  await mkdir(f.logDir, { recursive: true, mode: 0o755 });
  await writeFile(f.frrConf, renderFrrConf(dev, f.frrLog), { mode: 0o644 });
  await writeFile(f.vtyshConf, renderVtyshConf(dev.name), { mode: 0o644 });

  if ((await pathKind('/var/run/frr')) === 'none') {
    await mkdir('/var/run/frr', { mode: 0o755 });
    await run(['/usr/bin/chown', RUN_OWNER, '/var/run/frr']);
    rec.systemPaths.push({ path: '/var/run/frr', kind: 'dir' });
  }
  const runDir = frrRunDir(dev.name);
  if (!rec.systemPaths.some((p) => p.path === runDir)) rec.systemPaths.push({ path: runDir, kind: 'dir' });
  await writeRecord(rec);
  await mkdir(runDir, { recursive: true, mode: 0o755 });
  await run(['/usr/bin/chown', RUN_OWNER, runDir]);

  const etcDir = frrEtcDir(dev.name);
  const kind = await pathKind(etcDir);
  if (kind === 'none' || (await isLabSymlink(etcDir))) {
    // Possibly left by a lab in another dir: only one lab exists per host, so repoint it here.
    if (!rec.systemPaths.some((p) => p.path === etcDir))
      rec.systemPaths.push({ path: etcDir, kind: 'symlink' });
    await writeRecord(rec);
    await rm(etcDir, { force: true });
    await symlink(f.base, etcDir);
  }
  // Anything else at /etc/frr/<device> is not ours: leave it, vtysh will read that config.
}

/** A symlink into some lab dir (its frr.conf carries our header) or a dangling one: ours to replace. */
export async function isLabSymlink(p: string): Promise<boolean> {
  if ((await pathKind(p)) !== 'symlink') return false;
  try {
    const conf = await readFile(path.join(await readlink(p), 'frr.conf'), 'utf8');
    return conf.includes(FRR_CONF_MARK);
  } catch {
    return (await pathKind(await readlink(p))) === 'none';
  }
}

/** Starts one FRR daemon in the device's namespace; `-d` returns once the daemon is up. */
export async function startFrrDaemon(rec: LabRecord, device: string, daemon: FrrDaemon): Promise<LabProcess> {
  const f = deviceFiles(rec.dir, device);
  const pidFile = frrPidFile(device, daemon);
  await runInNamespace(
    labNamespace(device),
    [
      path.join(BIN.frrDir, daemon),
      '-N',
      device,
      '-d',
      '-f',
      f.frrConf,
      '-i',
      pidFile,
      // FRR insists the user belongs to its vty group; making that the primary group satisfies it.
      '-u',
      'root',
      '-g',
      'frrvty',
      // No TCP vty: vtysh uses the pathspace's unix sockets, and nothing should listen on lo.
      '-P',
      '0',
    ],
    { timeoutMs: 20_000 },
  );
  const pid = await waitForPidFile(pidFile, daemon, 5000);
  const proc: LabProcess = { device, daemon, pid, pidFile };
  rec.processes = rec.processes.filter((p) => !(p.device === device && p.daemon === daemon));
  rec.processes.push(proc);
  await writeRecord(rec);
  return proc;
}

export async function startFrr(rec: LabRecord, dev: LabDevice): Promise<void> {
  for (const daemon of FRR_DAEMONS) await startFrrDaemon(rec, dev.name, daemon);
}

/** Stops one daemon (used by fixture capture to show a session that is down). */
export async function stopFrrDaemon(device: string, daemon: FrrDaemon): Promise<void> {
  const pid = await pidFileAlive(frrPidFile(device, daemon), daemon);
  if (pid !== undefined) await terminate([pid]);
}

export async function frrRunning(device: string): Promise<boolean> {
  for (const daemon of FRR_DAEMONS) {
    if ((await pidFileAlive(frrPidFile(device, daemon), daemon)) === undefined) return false;
  }
  return true;
}

/** vtysh in the device's namespace, as the console runs it over SSH (`vtysh -N <device>`). */
export function vtysh(device: string, command: string, timeoutMs = 10_000): Promise<string> {
  return runInNamespace(labNamespace(device), [BIN.vtysh, '-N', device, '-c', command], { timeoutMs });
}
