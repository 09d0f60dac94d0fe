import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface DirOptions {
  dir?: string;
}

/** This file lives in <repo>/src/lab/netns/, so the repository root is three levels up. */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The lab's working directory. ROUTEDECK_LAB_DIR names the lab root (the `.lab` equivalent) shared
 * with the embedded lab, so the namespace lab takes its `netns/` subfolder and their files never mix.
 */
export function labDir(opts: DirOptions = {}): string {
  if (opts.dir) return path.resolve(opts.dir);
  const env = process.env['ROUTEDECK_LAB_DIR'];
  if (env) return path.resolve(env, 'netns');
  return path.join(REPO_ROOT, '.lab', 'netns');
}

/** Every file the lab writes, in one place so `down` and the docs agree with `up`. */
export function labFiles(dir: string) {
  return {
    record: path.join(dir, 'lab.json'),
    inventory: path.join(dir, 'inventory.yaml'),
    workloads: path.join(dir, 'workloads.json'),
    knownHosts: path.join(dir, 'known_hosts'),
    clientKey: path.join(dir, 'id_ed25519'),
    clientPub: path.join(dir, 'id_ed25519.pub'),
    authorizedKeys: path.join(dir, 'authorized_keys'),
    // The CLI and console keep a lab's registry next to its inventory (registryPathFor); it
    // describes this lab's workloads and plans, so it goes with the lab (SQLite WAL companions too).
    registry: path.join(dir, 'registry.sqlite'),
    registryWal: path.join(dir, 'registry.sqlite-wal'),
    registryShm: path.join(dir, 'registry.sqlite-shm'),
  };
}

/** Per-device files: rendered configs, host key, sshd pid, and a log folder the frr user may write. */
export function deviceFiles(dir: string, device: string) {
  const base = path.join(dir, device);
  return {
    base,
    frrConf: path.join(base, 'frr.conf'),
    vtyshConf: path.join(base, 'vtysh.conf'),
    sshdConfig: path.join(base, 'sshd_config'),
    hostKey: path.join(base, 'ssh_host_ed25519_key'),
    sshdPid: path.join(base, 'sshd.pid'),
    logDir: path.join(base, 'log'),
    frrLog: path.join(base, 'log', 'frr.log'),
    sshdLog: path.join(base, 'log', 'sshd.log'),
  };
}

/**
 * FRR's pathspace (-N <device>) puts vty sockets and pid files under /var/run/frr/<device>/ and makes
 * vtysh read /etc/frr/<device>/vtysh.conf; both must exist for `vtysh -N <device>` to work quietly.
 */
export function frrRunDir(device: string): string {
  return path.join('/var/run/frr', device);
}

export function frrEtcDir(device: string): string {
  return path.join('/etc/frr', device);
}

/** OpenSSH's compiled-in privilege-separation directory (normally made by the systemd unit). */
export const SSHD_PRIVSEP_DIR = '/run/sshd';
