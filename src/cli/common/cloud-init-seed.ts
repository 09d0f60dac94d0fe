/**
 * `plan create … --cloud-init-dir DIR`: the create plan's cloud-init artifacts as a NoCloud seed
 * (`meta-data`, `user-data`, `network-config` at the top of DIR), and a `seed.iso` labelled `cidata`
 * when genisoimage or xorriso is installed, for the hypervisor's VM tooling. The directory is checked
 * before anything is planned, and an existing seed is never overwritten (it may be a running guest's).
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { safeText } from '../../model/text.ts';

export const SEED_FILES = ['meta-data', 'user-data', 'network-config'] as const;
export const SEED_ISO = 'seed.iso';

/** Why DIR cannot take a seed (one sentence), or null. Nothing is created here. */
export function seedDirProblem(dir: string): string | null {
  const shown = safeText(dir);
  if (dir.trim() === '') return '--cloud-init-dir needs a directory';
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) return `--cloud-init-dir ${shown} is not a directory`;
    const taken = [...SEED_FILES, SEED_ISO].filter((f) => existsSync(path.join(dir, f)));
    if (taken.length > 0)
      return `--cloud-init-dir ${shown} already holds ${taken.join(', ')}; choose an empty directory (a seed is never overwritten)`;
    return writable(dir) ? null : `--cloud-init-dir ${shown} is not writable`;
  }
  const parent = path.dirname(path.resolve(dir));
  if (!existsSync(parent) || !statSync(parent).isDirectory())
    return `--cloud-init-dir ${shown}: its parent directory does not exist`;
  return writable(parent) ? null : `--cloud-init-dir ${shown} cannot be created (its parent is not writable)`;
}

function writable(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The ISO tool on PATH, if any: genisoimage, or xorriso in its genisoimage mode. */
function isoTool(): string[] | null {
  const has = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
  if (has('genisoimage')) return ['genisoimage'];
  if (has('xorriso')) return ['xorriso', '-as', 'genisoimage'];
  return null;
}

export interface SeedWritten {
  files: string[];
  /** The cidata ISO's path, null without an ISO tool; `isoError` when the tool failed. */
  iso: string | null;
  isoError?: string;
}

/** Writes the seed (mode 0600: user-data may later carry secrets) and, when it can, the ISO. */
export function writeSeed(dir: string, artifacts: Record<string, string>): SeedWritten {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = SEED_FILES.map((name) => {
    const text = artifacts[name];
    if (text === undefined) throw new Error(`the plan has no ${name} artifact`);
    const file = path.join(dir, name);
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    return file;
  });
  const tool = isoTool();
  if (!tool) return { files, iso: null };
  const [bin, ...pre] = tool;
  const iso = path.join(dir, SEED_ISO);
  // NoCloud finds the seed on a volume labelled cidata (cloud-init doc: datasources/nocloud).
  const args = [...pre, '-output', iso, '-volid', 'cidata', '-joliet', '-rock', ...SEED_FILES];
  const r = spawnSync(bin!, args, { cwd: dir, encoding: 'utf8' });
  if (r.status !== 0)
    return { files, iso: null, isoError: `${bin} failed: ${(r.stderr ?? '').trim().split('\n').at(-1)}` };
  return { files, iso };
}
