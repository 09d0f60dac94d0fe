import { readFile } from 'node:fs/promises';
import type { SecretRef } from '../model/device.ts';

/** A secret could not be resolved. The message names the env var or file, never a value. */
export class SecretResolutionError extends Error {
  override name = 'SecretResolutionError';
}

/**
 * Resolves a secret reference from the inventory: an environment variable or a file, trimmed
 * (files usually end with a newline). Secrets are never stored, so this runs at connect time.
 */
export async function resolveSecret(ref: SecretRef): Promise<string> {
  if ('env' in ref) {
    const value = process.env[ref.env]?.trim();
    if (!value) throw new SecretResolutionError(`secret environment variable ${ref.env} is not set or empty`);
    return value;
  }
  let text: string;
  try {
    text = await readFile(ref.file, 'utf8');
  } catch (e) {
    // Only the error code: Node's message is safe too, but keep the surface minimal.
    const code = (e as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new SecretResolutionError(`cannot read secret file ${ref.file}: ${code}`);
  }
  const value = text.trim();
  if (!value) throw new SecretResolutionError(`secret file ${ref.file} is empty`);
  return value;
}

const hexDigit = (digit: string): string =>
  /[A-F]/.test(digit) ? `[${digit}${digit.toLowerCase()}]` : digit;
/** `%2B` or `%2b`, `\u002B` or `\u002b`: servers and libraries differ in the case of hex digits. */
const hexPattern = (value: number, width: number): string =>
  [...value.toString(16).toUpperCase().padStart(width, '0')].map(hexDigit).join('');
const escapeRegExp = (text: string): string => text.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
const JSON_SHORT: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '/': '\\/',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/** One character of a secret as it may come back: itself, percent-encoded, `+` for a space, JSON-escaped. */
function charPattern(char: string): string {
  const forms: string[] = [];
  const short = JSON_SHORT[char];
  if (short) forms.push(escapeRegExp(short));
  for (let i = 0; i < char.length; i++) forms.push(`\\\\u${hexPattern(char.charCodeAt(i), 4)}`);
  forms.push([...Buffer.from(char, 'utf8')].map((byte) => `%${hexPattern(byte, 2)}`).join(''));
  if (char === ' ') forms.push('\\+');
  // The literal last: an alternation takes the first form that matches, and `\\` must win over `\`.
  forms.push(escapeRegExp(char));
  return `(?:${forms.join('|')})`;
}

/**
 * A regular expression source matching a secret in every encoding a server or a log may echo it
 * in: as is, URL-encoded by any encoder (encodeURIComponent, form `+`, Python's quote keeping `/`,
 * upper or lower hex, once or twice), JSON-escaped, and base64 (standard or URL-safe, padded or not).
 * Empty for an empty secret (it would match everywhere).
 */
export function secretPattern(secret: string): string {
  if (secret === '') return '';
  const perChar = (text: string) => Array.from(text, charPattern).join('');
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  const base64url = Buffer.from(secret, 'utf8').toString('base64url');
  const literal = [base64, base64.replace(/=+$/, ''), base64url].filter((form) => form.length > 0);
  return [perChar(secret), perChar(encodeURIComponent(secret)), ...new Set(literal).values()]
    .map((form, i) => (i < 2 ? form : escapeRegExp(form)))
    .join('|');
}

/** Replaces every encoded occurrence of each secret with `mask` (longer secrets first). */
export function maskSecrets(text: string, secrets: readonly string[], mask: string): string {
  const sources = [...secrets]
    .filter((secret) => secret !== '')
    .sort((a, b) => b.length - a.length)
    .map(secretPattern);
  return sources.length === 0 ? text : text.replace(new RegExp(sources.join('|'), 'g'), mask);
}
