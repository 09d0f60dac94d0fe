import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendKnownHost,
  entriesForHost,
  fingerprint,
  hostKeyAlgorithms,
  hostsFieldMatches,
  parseKnownHosts,
  verifyHostKey,
} from '../../../src/transport/ssh/known-hosts.ts';
import { generateKey, publicBlob } from '../../helpers/ssh-test-server.ts';
import { tempDir } from './fixture.ts';

const keyA = generateKey().public.trim();
const keyB = generateKey().public.trim();
const blobA = publicBlob(keyA);
const blobB = publicBlob(keyB);
const [typeA = '', b64A = ''] = keyA.split(' ');
const b64B = keyB.split(' ')[1] ?? '';

function hashedName(name: string, salt = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

describe('known_hosts', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints fingerprints exactly like ssh-keygen -lf', async () => {
    const file = join(dir, 'a.pub');
    await writeFile(file, `${keyA} comment\n`);
    const out = execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' });
    expect(out.split(' ')[1]).toBe(fingerprint(blobA));
  });

  it('matches plain host lists with comments, blank lines and patterns', () => {
    const text = [
      '# routers',
      '',
      `rtr1,10.0.0.1 ${typeA} ${b64A} rtr1 key`,
      `*.fabric.example,!bad.fabric.example ${typeA} ${b64B}`,
      `hv?.lab ${typeA} ${b64A}`,
    ].join('\n');
    expect(verifyHostKey(text, '10.0.0.1', 22, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'RTR1', 22, blobA)).toEqual({ status: 'match' }); // names are case-insensitive
    expect(verifyHostKey(text, 'leaf1.fabric.example', 22, blobB)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'bad.fabric.example', 22, blobB).status).toBe('unknown');
    expect(verifyHostKey(text, 'hv1.lab', 22, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'hv10.lab', 22, blobA).status).toBe('unknown');
    // A plain entry only covers port 22.
    expect(verifyHostKey(text, 'rtr1', 2222, blobA)).toEqual({
      status: 'unknown',
      fingerprint: fingerprint(blobA),
    });
  });

  it('finds a host’s entries in a large file as matching each line would, in the file’s order', () => {
    const lines = [
      ...Array.from({ length: 300 }, (_, i) => `hv${i},10.0.${i >> 8}.${i & 255} ${typeA} ${b64A}`),
      `HV7 ${typeA} ${b64B}`, // names are case-insensitive
      `hv*,!hv9 ${typeA} ${b64B}`, // a pattern with a negation
      `${hashedName('hv8')} ${typeA} ${b64B}`,
      `[hv7]:2222 ${typeA} ${b64B}`,
      `@cert-authority hv7 ${typeA} ${b64B}`,
      `hv7,hv7 ${typeA} ${b64A}`,
    ];
    const entries = parseKnownHosts(lines.join('\n'));
    const naive = (host: string, port: number) => {
      const name = port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
      return entries
        .filter((e) => e.marker === undefined && hostsFieldMatches(e.hosts, name))
        .map((e) => e.line);
    };
    for (const [host, port] of [
      ['hv7', 22],
      ['HV7', 22],
      ['hv9', 22],
      ['hv8', 22],
      ['hv7', 2222],
      ['10.0.1.44', 22],
      ['nowhere', 22],
    ] as const)
      expect(entriesForHost(entries, host, port).map((e) => e.line)).toEqual(naive(host, port));
    expect(entriesForHost(entries, 'hv7', 22).map((e) => e.line)).toEqual([8, 301, 302, 306]);
    expect(verifyHostKey(entries, 'hv9', 22, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(entries, 'hv8', 22, blobB)).toEqual({ status: 'match' });
  });

  it('uses [host]:port for other ports', () => {
    const text = `[127.0.0.1]:2222 ${typeA} ${b64A}\n`;
    expect(verifyHostKey(text, '127.0.0.1', 2222, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, '127.0.0.1', 22, blobA).status).toBe('unknown');
    expect(verifyHostKey(text, '127.0.0.1', 2223, blobA).status).toBe('unknown');
  });

  it('matches hashed entries made with the same HMAC as ssh-keygen -H', () => {
    const text = `${hashedName('[127.0.0.1]:2222')} ${typeA} ${b64A}\n${hashedName('rtr1')} ${typeA} ${b64A}\n`;
    expect(verifyHostKey(text, '127.0.0.1', 2222, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'rtr1', 22, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'rtr2', 22, blobA).status).toBe('unknown');
  });

  it('matches a file hashed by the real ssh-keygen -H', async () => {
    const file = join(dir, 'hashed_known_hosts');
    await writeFile(file, `[127.0.0.1]:2222 ${keyA}\nrtr1 ${keyB}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain('127.0.0.1'); // really hashed
    expect(verifyHostKey(text, '127.0.0.1', 2222, blobA)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'rtr1', 22, blobB)).toEqual({ status: 'match' });
    expect(verifyHostKey(text, 'rtr1', 22, blobA)).toMatchObject({ status: 'changed', line: 2 });
  });

  it('reports a changed key with both fingerprints and the offending line', () => {
    const text = `# header\n[127.0.0.1]:2222 ${typeA} ${b64A}\n`;
    expect(verifyHostKey(text, '127.0.0.1', 2222, blobB)).toEqual({
      status: 'changed',
      fingerprint: fingerprint(blobB),
      expectedFingerprints: [fingerprint(blobA)],
      line: 2,
    });
  });

  it('refuses @revoked keys, even when another line trusts them', () => {
    const text = `@revoked * ${typeA} ${b64A}\n[127.0.0.1]:2222 ${typeA} ${b64A}\n`;
    expect(verifyHostKey(text, '127.0.0.1', 2222, blobA)).toEqual({
      status: 'revoked',
      fingerprint: fingerprint(blobA),
      line: 1,
    });
  });

  it('ignores @cert-authority lines for matching and skips malformed lines', () => {
    const text = [
      `@cert-authority * ${typeA} ${b64A}`,
      `@bogus rtr1 ${typeA} ${b64A}`,
      `rtr1 ${typeA} not-base64!`,
      `rtr1 ssh-rsa ${b64A}`, // type field disagrees with the blob
      'rtr1 ssh-ed25519',
    ].join('\n');
    expect(parseKnownHosts(text).map((e) => e.marker)).toEqual(['cert-authority']);
    expect(verifyHostKey(text, 'rtr1', 22, blobA).status).toBe('unknown');
  });

  it('offers the key types already known for a host first', () => {
    const rsaLine = `rtr1 ssh-rsa ${Buffer.concat([Buffer.from([0, 0, 0, 7]), Buffer.from('ssh-rsa'), Buffer.alloc(8)]).toString('base64')}`;
    const entries = parseKnownHosts(`${rsaLine}\n`);
    expect(hostKeyAlgorithms(entries, 'rtr1', 22).slice(0, 3)).toEqual([
      'rsa-sha2-512',
      'rsa-sha2-256',
      'ssh-rsa',
    ]);
    expect(hostKeyAlgorithms(entries, 'other', 22)[0]).toBe('ssh-ed25519');
  });

  it('appends trusted keys in the form ssh itself reads', async () => {
    const file = join(dir, 'sub', 'known_hosts');
    await appendKnownHost(file, '127.0.0.1', 2222, typeA, b64A);
    await writeFile(file, `${await readFile(file, 'utf8')}rtr9 ${typeA} ${b64B}`); // no final newline
    await appendKnownHost(file, 'rtr1', 22, typeA, b64B);
    const text = await readFile(file, 'utf8');
    expect(text).toBe(`[127.0.0.1]:2222 ${typeA} ${b64A}\nrtr9 ${typeA} ${b64B}\nrtr1 ${typeA} ${b64B}\n`);
    // ssh-keygen -F finds the entry we wrote under the name ssh would look up.
    const found = execFileSync('ssh-keygen', ['-F', '[127.0.0.1]:2222', '-f', file], { encoding: 'utf8' });
    expect(found).toContain(b64A);
    await expect(appendKnownHost(file, 'a b', 22, typeA, b64A)).rejects.toThrow(/invalid host/);
  });
});
