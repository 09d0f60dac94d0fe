/**
 * OpenSSH known_hosts: parsing, host key verification and the explicit trust path.
 *
 * Follows sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT": comma-separated host patterns (`*`, `?`, `!`
 * negation), hashed names `|1|salt|hmac`, `[host]:port` for ports other than 22, and the
 * `@revoked` / `@cert-authority` markers.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ServerHostKeyAlgorithm } from 'ssh2';

export interface KnownHostEntry {
  /** 1-based line number in the file, for "Offending key in file:line" messages. */
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host pattern field exactly as written (may be hashed). */
  hosts: string;
  keyType: string;
  /** The SSH wire-format public key blob (base64-decoded third field). */
  key: Buffer;
}

export type HostKeyVerdict =
  | { status: 'match' }
  | { status: 'unknown'; fingerprint: string }
  | { status: 'changed'; fingerprint: string; expectedFingerprints: string[]; line: number }
  | { status: 'revoked'; fingerprint: string; line: number };

/** The fingerprint exactly as `ssh-keygen -l` and `ssh` print it: `SHA256:` + unpadded base64. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Reads the key type name that starts every SSH public key blob (a uint32-length string). */
export function keyTypeOf(keyBlob: Buffer): string | undefined {
  if (keyBlob.length < 4) return undefined;
  const len = keyBlob.readUInt32BE(0);
  if (len === 0 || len > 64 || keyBlob.length < 4 + len) return undefined;
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** The name known_hosts stores for a host: bare for port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses known_hosts text; lines that are not valid entries are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const fields = (lines[i] ?? '').trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: ssh ignores the whole line, and so must we
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) continue;
    if (!BASE64.test(keyBase64)) continue;
    const key = Buffer.from(keyBase64, 'base64');
    // The type inside the blob must agree with the type field, or the line is corrupt.
    if (keyTypeOf(key) !== keyType) continue;
    entries.push({ line: i + 1, ...(marker ? { marker } : {}), hosts, keyType, key });
  }
  return entries;
}

/** `|1|salt|hash`: HMAC-SHA1 keyed with the salt over the host name (see ssh-keygen -H). */
function hashedMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('|');
  if (parts.length !== 4 || parts[1] !== '1' || parts[2] === undefined || parts[3] === undefined)
    return false;
  const salt = Buffer.from(parts[2], 'base64');
  const expected = Buffer.from(parts[3], 'base64');
  const actual = createHmac('sha1', salt).update(name).digest();
  return actual.length === expected.length && actual.equals(expected);
}

function globMatches(pattern: string, name: string): boolean {
  // Most patterns are plain names: no regular expression for those (a 1,000-host file is matched per dial).
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name;
  const re = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(name);
}

/** OpenSSH match_hostname: any positive pattern matches and no negated pattern does. */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  let found = false;
  for (const raw of hosts.split(',')) {
    if (raw === '') continue;
    if (raw.startsWith('|')) {
      if (hashedMatches(raw, name)) found = true;
      continue;
    }
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (globMatches(pattern, name)) {
      if (negated) return false;
      found = true;
    }
  }
  return found;
}

/**
 * Per entry list, the unmarked entries whose host field is plain names only (no pattern, negation or
 * hash) by name, and the positions of the others: a dial looks up its name and matches only the rest
 * (a 1,000-host file matched entry by entry at each of 1,000 dials was ~0.8 s of a fleet's start).
 */
interface HostIndex {
  byName: Map<string, number[]>;
  rest: number[];
}
const indexes = new WeakMap<readonly KnownHostEntry[], HostIndex>();

function indexOf(entries: readonly KnownHostEntry[]): HostIndex {
  let index = indexes.get(entries);
  if (index) return index;
  index = { byName: new Map(), rest: [] };
  entries.forEach((e, i) => {
    if (e.marker !== undefined) return;
    const names = e.hosts.split(',').filter((n) => n !== '');
    if (names.length === 0 || names.some((n) => /^[|!]|[*?]/.test(n))) {
      index!.rest.push(i);
      return;
    }
    for (const name of new Set(names.map((n) => n.toLowerCase()))) {
      const at = index!.byName.get(name);
      if (at) at.push(i);
      else index!.byName.set(name, [i]);
    }
  });
  indexes.set(entries, index);
  return index;
}

/** Entries that speak for this host (no markers), in the file's order: the keys it is expected to present. */
export function entriesForHost(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): KnownHostEntry[] {
  const name = knownHostName(host, port);
  const { byName, rest } = indexOf(entries);
  const found = [
    ...(byName.get(name) ?? []),
    ...rest.filter((i) => hostsFieldMatches(entries[i]!.hosts, name)),
  ];
  return found.sort((a, b) => a - b).map((i) => entries[i]!);
}

export function verifyHostKey(
  knownHosts: string | readonly KnownHostEntry[],
  host: string,
  port: number,
  keyBlob: Buffer,
): HostKeyVerdict {
  const entries = typeof knownHosts === 'string' ? parseKnownHosts(knownHosts) : knownHosts;
  const fp = fingerprint(keyBlob);
  // A revoked key is compromised wherever it shows up, so the host field of @revoked lines is
  // deliberately not consulted: stricter than ssh, never weaker.
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
  if (revoked) return { status: 'revoked', fingerprint: fp, line: revoked.line };

  const known = entriesForHost(entries, host, port);
  if (known.some((e) => e.key.equals(keyBlob))) return { status: 'match' };
  if (known.length === 0) return { status: 'unknown', fingerprint: fp };
  // The host is known but presented another key. Even a key of a different type counts as a
  // change: the connection offers known key types first (hostKeyAlgorithms), so a server only
  // shows an unknown type when it no longer has the known one.
  const type = keyTypeOf(keyBlob);
  const offending = known.find((e) => e.keyType === type) ?? known[0];
  return {
    status: 'changed',
    fingerprint: fp,
    expectedFingerprints: [...new Set(known.map((e) => fingerprint(e.key)))],
    line: offending?.line ?? 0,
  };
}

// ssh2's default host key algorithm order (ssh2 1.17 DEFAULT_SERVER_HOST_KEY).
const DEFAULT_HOST_KEY_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/**
 * Host key algorithms to offer, with the types already known for this host first, as ssh does,
 * so that a server holding several keys presents the one we can verify.
 */
export function hostKeyAlgorithms(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
): ServerHostKeyAlgorithm[] {
  const preferred: ServerHostKeyAlgorithm[] = [];
  for (const e of entriesForHost(entries, host, port)) {
    const names = e.keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [e.keyType];
    for (const algo of DEFAULT_HOST_KEY_ALGORITHMS) {
      if (names.includes(algo) && !preferred.includes(algo)) preferred.push(algo);
    }
  }
  return [...preferred, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !preferred.includes(a))];
}

/**
 * Appends a trusted key (the operator said yes). Creates the file 0600 (and its directory 0700)
 * when missing, and never glues the entry onto a last line that lacks its newline.
 */
export async function appendKnownHost(
  file: string,
  host: string,
  port: number,
  keyType: string,
  keyBase64: string,
): Promise<void> {
  if (!/^[A-Za-z0-9@._-]+$/.test(keyType)) throw new Error(`appendKnownHost: invalid key type ${keyType}`);
  if (!BASE64.test(keyBase64)) throw new Error('appendKnownHost: key is not base64');
  if (host === '' || /[\s,#]/.test(host))
    throw new Error(`appendKnownHost: invalid host ${JSON.stringify(host)}`);
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const fh = await open(file, 'a+', 0o600);
  try {
    const { size } = await fh.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await fh.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await fh.appendFile(`${prefix}${knownHostName(host, port)} ${keyType} ${keyBase64}\n`);
  } finally {
    await fh.close();
  }
}
