import { z } from 'zod';
import { familyOf } from '../addr/cidr.ts';

// Everything here may end up inside a remote command or a file path, so patterns are strict on purpose.
export const deviceName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
    'must be 1–63 letters, digits, ".", "_" or "-", starting with a letter or digit',
  );

export const tenantName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,30}$/, 'must be 1–31 lower-case letters, digits, "_" or "-"');

export const interfaceName = z
  .string()
  .max(15, 'is longer than 15 characters (the Linux interface name limit)')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]*$/, 'must contain only letters, digits, ".", "_", "@" or "-"');

export const vrfName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,14}$/, 'must be 1–15 letters, digits, "_" or "-"');

const hostnamePattern =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export const host = z
  .string()
  .refine((value) => (familyOf(value) !== null && !value.includes('/')) || hostnamePattern.test(value), {
    message: 'must be a hostname or an IP address (no spaces, newlines or shell characters)',
  });

export const userName = z.string().regex(/^[a-z_][a-z0-9_.-]{0,31}$/i, 'must be a plain login name');

/**
 * A command prefix such as `sudo -n` or `docker exec frr vtysh`: words only, no shell syntax, and
 * short (it precedes every command routedeck runs, and is shown in every error about one).
 */
export const commandPrefix = z
  .string()
  .max(128, 'is longer than 128 characters')
  .regex(
    /^[A-Za-z0-9._/=:-]+( [A-Za-z0-9._/=:-]+)*$/,
    'must be plain words (letters, digits, . _ / = : -) separated by single spaces',
  );

export const filePath = z
  .string()
  .min(1)
  .refine((value) => !/[\0\n\r]/.test(value), { message: 'must not contain newlines or NUL' });

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name');

export const secretRef = z.union([z.strictObject({ env: envName }), z.strictObject({ file: filePath })], {
  error: (issue) =>
    typeof issue.input === 'string'
      ? 'must be a reference {env: NAME} or {file: PATH}; secrets are never written in the inventory'
      : 'must be {env: NAME} or {file: PATH}',
});

export const sha256Fingerprint = z
  .string()
  .transform((value) =>
    value
      .replace(/^sha256:/i, '')
      .replace(/:/g, '')
      .toUpperCase(),
  )
  .refine((value) => /^[0-9A-F]{64}$/.test(value), {
    message: 'must be a SHA-256 fingerprint (64 hex digits, colons allowed)',
  });
