/**
 * The keys allowed to watch a shared session, from an OpenSSH `authorized_keys` file. Options
 * (`from="…"`, `command="…"`, …) cannot be enforced by a read-only mirror, so a line with options
 * is refused rather than silently widened; so is anything ssh2 cannot parse.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

export interface AuthorizedKey {
  type: string;
  /** The public key blob (SSH wire format). */
  blob: Buffer;
  comment: string;
  /** `SHA256:…` as `ssh-keygen -l` prints it. */
  fingerprint: string;
  line: number;
}

export class AuthorizedKeysError extends Error {
  override name = 'AuthorizedKeysError';
}

const KEY_TYPE = /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-nistp(256|384|521)|sk-[a-z0-9@.-]+)$/;

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** Parses the file's text; every problem is reported with its line number, all at once. */
export function parseAuthorizedKeys(text: string, source: string): AuthorizedKey[] {
  const keys: AuthorizedKey[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    const n = index + 1;
    if (line === '' || line.startsWith('#')) return;
    const [type = '', data = '', ...rest] = line.split(/\s+/);
    if (!KEY_TYPE.test(type)) {
      problems.push(`line ${n}: options or an unknown key type ("${type.slice(0, 30)}") are not supported`);
      return;
    }
    const parsed = ssh2.utils.parseKey(`${type} ${data}`);
    if (parsed instanceof Error || Array.isArray(parsed)) {
      problems.push(`line ${n}: not a valid ${type} public key`);
      return;
    }
    const blob = parsed.getPublicSSH();
    keys.push({
      type: parsed.type,
      blob,
      comment: rest.join(' '),
      fingerprint: fingerprintOf(blob),
      line: n,
    });
  });
  if (problems.length > 0) throw new AuthorizedKeysError(`${source}:\n  ${problems.join('\n  ')}`);
  if (keys.length === 0) throw new AuthorizedKeysError(`${source}: no keys; nobody could watch`);
  return keys;
}

export function loadAuthorizedKeys(file: string): AuthorizedKey[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new AuthorizedKeysError(
      `${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  return parseAuthorizedKeys(text, file);
}

/** The authorized entry whose key is exactly this one (type and blob), compared in constant time. */
export function findKey(
  keys: readonly AuthorizedKey[],
  type: string,
  blob: Buffer,
): AuthorizedKey | undefined {
  return keys.find((k) => k.type === type && k.blob.length === blob.length && timingSafeEqual(k.blob, blob));
}
