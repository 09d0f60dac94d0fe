import { createHash } from 'node:crypto';
import type { CommandRunner } from '../transport/types.ts';
import { runText } from './collect.ts';

/** What a poll holds of one listing: its value and the SHA-256 of the text it was parsed from. */
export interface Held<T> {
  sha: string;
  value: T;
}

const SHA_LINE = /^([0-9a-f]{64})\s/;

/**
 * Cost proportional to change (issue 16): when the last poll holds this listing, the device is asked
 * for `command | sha256sum` (64 bytes) and the held value stands if the digest is the one of the text it
 * was parsed from; otherwise, or when the digest cannot be had (no sha256sum, an error), the listing is
 * read and parsed. A router's `ip -j -d addr show` is megabytes at a thousand hosts; unchanged, it is
 * one line. Errors of the full read propagate (the caller's part fails, naming the command).
 */
export async function readIfChanged<T>(
  runner: CommandRunner,
  command: string,
  held: Held<T> | undefined,
  parse: (text: string) => T,
): Promise<Held<T> & { reused: boolean }> {
  if (held && (await deviceDigest(runner, command)) === held.sha) return { ...held, reused: true };
  const text = await runText(runner, command);
  const value = parse(text);
  return { sha: sha256(text), value, reused: false };
}

/** `command | sha256sum` on the device: the digest of what it would print, or null if none came. */
export async function deviceDigest(runner: CommandRunner, command: string): Promise<string | null> {
  const digest = await runner.exec(`${command} | sha256sum`).catch(() => null);
  return (digest?.code === 0 ? SHA_LINE.exec(digest.stdout)?.[1] : undefined) ?? null;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
