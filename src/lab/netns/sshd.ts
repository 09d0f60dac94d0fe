import { access, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { BIN, run, runInNamespace } from './exec.ts';
import { deviceFiles, labFiles, SSHD_PRIVSEP_DIR } from './paths.ts';
import { pidFileAlive, waitForPidFile } from './processes.ts';
import { writeRecord, type LabRecord } from './record.ts';
import { labNamespace, type LabDevice } from './topology.ts';

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Generates an ed25519 key pair unless a valid one is already there (keeps known_hosts stable across `up`). */
export async function ensureKey(file: string, comment: string): Promise<string> {
  if ((await exists(file)) && (await exists(`${file}.pub`))) {
    const pub = (await readFile(`${file}.pub`, 'utf8')).trim();
    if (pub.startsWith('ssh-ed25519 ')) return pub;
  }
  // ssh-keygen asks before overwriting; a half pair is useless, so start from nothing.
  await rm(file, { force: true });
  await rm(`${file}.pub`, { force: true });
  await run([BIN.sshKeygen, '-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  await chmod(file, 0o600);
  return (await readFile(`${file}.pub`, 'utf8')).trim();
}

/** The console's client key and the authorized_keys every lab sshd trusts. */
export async function ensureClientKey(rec: LabRecord): Promise<void> {
  const f = labFiles(rec.dir);
  const pub = await ensureKey(f.clientKey, 'routedeck-netns-lab-client');
  await writeFile(f.authorizedKeys, pub + '\n', { mode: 0o600 });
}

export function renderSshdConfig(dir: string, dev: Pick<LabDevice, 'name' | 'mgmtAddress'>): string {
  const f = deviceFiles(dir, dev.name);
  return [
    `# ${dev.name}: rendered by routedeck (lab netns up)`,
    // Only the management address: nothing on the fabric or workload side may reach sshd.
    `ListenAddress ${dev.mgmtAddress}:22`,
    'AddressFamily inet',
    `HostKey ${f.hostKey}`,
    `PidFile ${f.sshdPid}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    `AuthorizedKeysFile ${labFiles(dir).authorizedKeys}`,
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // No PAM: the lab must not depend on the host's PAM stack or log into its journal.
    'UsePAM no',
    // The lab dir sits in a checkout whose permissions we do not control.
    'StrictModes no',
    'X11Forwarding no',
    'AllowTcpForwarding no',
    'PrintMotd no',
    // Lab sessions must not run the host's root dotfiles (bash reads ~/.bashrc for ssh commands): on
    // a machine whose .bashrc runs `pyenv rehash`, a session killed mid-rehash (the lab's own
    // sshd-kill tests do that) left a lock every later command waited 60 s on.
    `SetEnv HOME=${f.base}`,
    'Subsystem sftp internal-sftp',
    'LogLevel INFO',
    '',
  ].join('\n');
}

/** Host key, known_hosts line, sshd_config; returns the known_hosts line for this device. */
export async function prepareSshd(rec: LabRecord, dev: LabDevice): Promise<string> {
  const f = deviceFiles(rec.dir, dev.name);
  await mkdir(f.base, { recursive: true });
  const pub = await ensureKey(f.hostKey, `root@${dev.name}`);
  await writeFile(f.sshdConfig, renderSshdConfig(rec.dir, dev), { mode: 0o644 });
  const [type, key] = pub.split(/\s+/);
  return `${dev.mgmtAddress} ${type} ${key}`;
}

/** sshd refuses to start without its privilege-separation directory, which only systemd normally makes. */
export async function ensurePrivsepDir(rec: LabRecord): Promise<void> {
  if (await exists(SSHD_PRIVSEP_DIR)) return;
  rec.systemPaths.push({ path: SSHD_PRIVSEP_DIR, kind: 'dir' });
  await writeRecord(rec);
  await mkdir(SSHD_PRIVSEP_DIR, { mode: 0o755 });
}

export async function startSshd(rec: LabRecord, dev: LabDevice): Promise<void> {
  const f = deviceFiles(rec.dir, dev.name);
  // A stale pid file could name a recycled pid that is now some session's `sshd: root@notty`.
  await rm(f.sshdPid, { force: true });
  await runInNamespace(labNamespace(dev.name), [BIN.sshd, '-f', f.sshdConfig, '-E', f.sshdLog]);
  // sshd daemonizes before it writes its pid file, so the pid may lag the exit of the parent.
  const pid = await waitForPidFile(f.sshdPid, 'sshd', 5000);
  rec.processes = rec.processes.filter((p) => !(p.device === dev.name && p.daemon === 'sshd'));
  rec.processes.push({ device: dev.name, daemon: 'sshd', pid, pidFile: f.sshdPid });
  await writeRecord(rec);
}

export async function sshdRunning(dir: string, device: string): Promise<boolean> {
  return (await pidFileAlive(deviceFiles(dir, device).sshdPid, 'sshd')) !== undefined;
}
