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
