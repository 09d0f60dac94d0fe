/**
 * The lab's long-lived secrets and identities: SSH host keys per device, the NOC client key, the
 * VyOS API key and the routers' TLS certificates. Each is made once and kept in the lab dir, so a
 * restarted lab presents the same host keys and fingerprints (known_hosts and pins stay valid).
 */
import { randomBytes, X509Certificate } from 'node:crypto';

import path from 'node:path';
import { generateSelfSignedCert } from '../../vyos-api/index.ts';

import {
  ensurePrivateDir,
  loadOrCreateSshKey,
  readIfExists,
  writePrivateFile,
  type SshKeyPair,
} from '../../../transport/ssh/keys.ts';

export { ensurePrivateDir, loadOrCreateSshKey, writePrivateFile, type SshKeyPair };

export interface TlsIdentity {
  cert: string;
  key: string;
  fingerprint256: string;
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
