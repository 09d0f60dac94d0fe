/**
 * ed25519 keys kept in files: made once, written atomically and privately, read back on the next
 * start (so fingerprints stay stable). Used by the embedded lab and by `routedeck serve`.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import ssh2 from 'ssh2';

export interface SshKeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** `ssh-ed25519 AAAA…` (type and base64 blob, no comment). */
  public: string;
}

/** Creates `dir` (and parents) and makes it private: it holds keys. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes through a temp file and a rename, so a crash never leaves half a key behind. */
export async function writePrivateFile(file: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode });
  await chmod(tmp, mode);
  await rename(tmp, file);
}

export async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The public line of an OpenSSH private key, or undefined when ssh2 cannot use the key. */
export function publicLineOf(privateText: string): string | undefined {
  const parsed = ssh2.utils.parseKey(privateText);
  if (parsed instanceof Error || parsed.type !== 'ssh-ed25519') return undefined;
  const line = `ssh-ed25519 ${parsed.getPublicSSH().toString('base64')}`;
  // ssh2 1.17 mangles ~1 ed25519 key in 256 (a leading zero byte) and then cannot parse it back.
  return ssh2.utils.parseKey(line) instanceof Error ? undefined : line;
}

export function generateEd25519(): SshKeyPair {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    const line = publicLineOf(pair.private);
    if (line) return { private: pair.private, public: line };
  }
}

/** Loads the ed25519 key in `file`, or makes one (and `file.pub` when `withPub`). */
export async function loadOrCreateSshKey(file: string, withPub = false): Promise<SshKeyPair> {
  const existing = await readIfExists(file);
  const line = existing === undefined ? undefined : publicLineOf(existing);
  if (existing !== undefined && line) return { private: existing, public: line };
  const pair = generateEd25519();
  await writePrivateFile(file, pair.private);
  if (withPub) await writePrivateFile(`${file}.pub`, `${pair.public} noc@routedeck-lab\n`, 0o644);
  return pair;
}
