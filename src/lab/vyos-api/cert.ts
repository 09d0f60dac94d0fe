import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SelfSignedCert {
  /** PEM certificate. */
  cert: string;
  /** PEM private key (unencrypted; lab use only). */
  key: string;
  /** `AA:BB:…` as Node's `X509Certificate.fingerprint256` prints it. */
  fingerprint256: string;
}

const SAFE_NAME = /^[A-Za-z0-9*._-]+$/;

/** `localhost` → `DNS:localhost`, `127.0.0.1` → `IP:127.0.0.1`; already-prefixed entries pass through. */
function sanEntry(name: string): string {
  if (/^(DNS|IP):/.test(name)) return name;
  if (isIP(name)) return `IP:${name}`;
  if (!SAFE_NAME.test(name)) throw new Error(`invalid subjectAltName ${JSON.stringify(name)}`);
  return `DNS:${name}`;
}

/**
 * Makes a self-signed P-256 certificate with the `openssl` CLI, like the one a fresh VyOS
 * generates for its HTTPS API. Arguments go as an argv array (no shell); the key lives in a
 * private temp dir only until it has been read back.
 */
export async function generateSelfSignedCert(
  commonName: string,
  altNames: string[] = [],
): Promise<SelfSignedCert> {
  if (!SAFE_NAME.test(commonName)) throw new Error(`invalid common name ${JSON.stringify(commonName)}`);
  const san = altNames.map(sanEntry).join(',');
  const dir = await mkdtemp(join(tmpdir(), 'routedeck-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    args.push('-keyout', keyFile, '-out', certFile, '-days', '30', '-subj', `/CN=${commonName}`);
    if (san) args.push('-addext', `subjectAltName=${san}`);
    await run('openssl', args, { timeout: 30_000 });
    const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
    return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
