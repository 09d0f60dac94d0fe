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

/** Digests asked for on one runner in the same turn of the event loop, sent as one command. */
const batches = new WeakMap<CommandRunner, { command: string; resolve: (sha: string | null) => void }[]>();

/**
 * `command | sha256sum` on the device: the digest of what it would print, or null if none came.
 * Digests a poll asks for together (a host's addresses, kernel routes and vmguard table) go out as one
 * `a | sha256sum; b | sha256sum; …` — one SSH channel instead of one each, which at a thousand hosts
 * polled every few seconds is most of what watching them costs. One line per digest comes back, in
 * order; anything else (a shell that did not run them all) counts as no digest, so they are read in full.
 */
export function deviceDigest(runner: CommandRunner, command: string): Promise<string | null> {
  return new Promise((resolve) => {
    let queue = batches.get(runner);
    if (!queue) {
      const started: { command: string; resolve: (sha: string | null) => void }[] = [];
      queue = started;
      batches.set(runner, started);
      setImmediate(() => {
        batches.delete(runner);
        void runDigests(runner, started);
      });
    }
    queue.push({ command, resolve });
  });
}

async function runDigests(
  runner: CommandRunner,
  queue: { command: string; resolve: (sha: string | null) => void }[],
): Promise<void> {
  const script = queue.map((q) => `${q.command} | sha256sum`).join('; ');
  const out = await runner.exec(script).catch(() => null);
  const lines = out?.stdout.split('\n').filter((line) => line !== '') ?? [];
  const shas = lines.map((line) => SHA_LINE.exec(line)?.[1] ?? null);
  // A single digest keeps its old rule: the pipeline's exit status is sha256sum's, and it must be 0.
  const whole =
    lines.length === queue.length &&
    shas.every((sha) => sha !== null) &&
    (queue.length > 1 || out?.code === 0);
  queue.forEach((q, i) => q.resolve(whole ? shas[i]! : null));
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
