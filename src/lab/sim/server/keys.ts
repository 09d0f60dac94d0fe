/**
 * The lab's long-lived secrets and identities: SSH host keys per device, the NOC client key, the
 * VyOS API key and the routers' TLS certificates. Each is made once and kept in the lab dir, so a
 * restarted lab presents the same host keys and fingerprints (known_hosts and pins stay valid).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import { generateSelfSignedCert } from '../../vyos-api/index.ts';

export interface SshKeyPair {
  /** OpenSSH private key text. */
  private: string;
  /** `ssh-ed25519 AAAA…` (type and base64 blob, no comment). */
  public: string;
}

export interface TlsIdentity {
  cert: string;
  key: string;
  fingerprint256: string;
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

async function readIfExists(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The public line of an OpenSSH private key, or undefined when ssh2 cannot use the key. */
function publicLineOf(privateText: string): string | undefined {
  const parsed = ssh2.utils.parseKey(privateText);
  if (parsed instanceof Error || parsed.type !== 'ssh-ed25519') return undefined;
  const line = `ssh-ed25519 ${parsed.getPublicSSH().toString('base64')}`;
  // ssh2 1.17 mangles ~1 ed25519 key in 256 (a leading zero byte) and then cannot parse it back.
  return ssh2.utils.parseKey(line) instanceof Error ? undefined : line;
}

function generateEd25519(): SshKeyPair {
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

/** The API key the routers accept; random once, then read back (the inventory points at the file). */
export async function loadOrCreateApiKey(file: string): Promise<string> {
  const existing = (await readIfExists(file))?.trim();
  if (existing && /^[A-Za-z0-9_-]{16,}$/.test(existing)) return existing;
  const key = randomBytes(24).toString('base64url');
  await writePrivateFile(file, `${key}\n`);
  return key;
}

const DAY_MS = 86_400_000;

/** A router's self-signed certificate, cached in `tlsDir`; renewed a day before it expires (30-day certs). */
export async function loadOrCreateCert(tlsDir: string, device: string): Promise<TlsIdentity> {
  const certFile = path.join(tlsDir, `${device}.crt`);
  const keyFile = path.join(tlsDir, `${device}.key`);
  const [cert, key] = await Promise.all([readIfExists(certFile), readIfExists(keyFile)]);
  if (cert !== undefined && key !== undefined) {
    try {
      const x509 = new X509Certificate(cert);
      if (Date.parse(x509.validTo) - Date.now() > DAY_MS) {
        return { cert, key, fingerprint256: x509.fingerprint256 };
      }
    } catch {
      // Unreadable certificate: fall through and make a new one.
    }
  }
  const fresh = await generateSelfSignedCert(device, ['localhost', '127.0.0.1']);
  await writePrivateFile(keyFile, fresh.key);
  await writePrivateFile(certFile, fresh.cert, 0o644);
  return fresh;
}
