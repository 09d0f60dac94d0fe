/**
 * Turns an inventory `SshAuth` (references only) into what ssh2 needs, at connect time.
 *
 * Secrets are read as late as possible and only handed to ssh2; the only things that may appear
 * in an error are names (env var, file path, socket path), never a value.
 */
import { readFile, stat } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ConnectConfig, ParsedKey } from 'ssh2';
import type { SecretRef, SshAuth } from '../../model/device.ts';
import { SshAuthError } from './errors.ts';
import type { SshTarget } from './errors.ts';

export type AuthConfig = Pick<ConnectConfig, 'agent' | 'privateKey' | 'passphrase'>;

function errnoCode(err: unknown): string {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : 'unknown error';
}

async function readSecret(ref: SecretRef, target: SshTarget, env: NodeJS.ProcessEnv): Promise<string> {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined) throw new SshAuthError(target, `environment variable ${ref.env} is not set`);
    return value;
  }
  try {
    // Secret files are conventionally written with a trailing newline that is not part of it.
    return (await readFile(ref.file, 'utf8')).replace(/\r?\n$/, '');
  } catch (err) {
    throw new SshAuthError(target, `cannot read secret file ${ref.file} (${errnoCode(err)})`);
  }
}

/** Removes a secret from a library message, in case a parser ever echoes its input. */
function redact(message: string, secret: string | undefined): string {
  return secret ? message.split(secret).join('<redacted>') : message;
}

export async function resolveAuth(
  auth: SshAuth,
  target: SshTarget,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AuthConfig> {
  if (auth.type === 'agent') {
    const socket = auth.socket ?? env.SSH_AUTH_SOCK;
    if (!socket) {
      throw new SshAuthError(target, 'ssh-agent authentication is configured but SSH_AUTH_SOCK is not set');
    }
    // ssh2 would quietly fall through to "all authentication methods failed"; say what is wrong.
    try {
      await stat(socket);
    } catch (err) {
      throw new SshAuthError(target, `ssh-agent socket ${socket} is not reachable (${errnoCode(err)})`);
    }
    return { agent: socket };
  }
  let key: Buffer;
  try {
    key = await readFile(auth.path);
  } catch (err) {
    throw new SshAuthError(target, `cannot read private key ${auth.path} (${errnoCode(err)})`);
  }
  const passphrase = auth.passphrase ? await readSecret(auth.passphrase, target, env) : undefined;
  // Parse here rather than letting ssh2 throw from connect(): a wrong passphrase or a public key
  // given by mistake becomes a clear authentication error before any network traffic.
  // The typings omit it, but OpenSSH-format files parse to an array (one key per file today).
  const result: ParsedKey | ParsedKey[] | Error = ssh2.utils.parseKey(key, passphrase);
  const parsed = Array.isArray(result) ? result[0] : result;
  if (parsed === undefined) throw new SshAuthError(target, `${auth.path} contains no key`);
  if (parsed instanceof Error) {
    throw new SshAuthError(
      target,
      `cannot use private key ${auth.path}: ${redact(parsed.message, passphrase)}`,
    );
  }
  if (!parsed.isPrivateKey()) throw new SshAuthError(target, `${auth.path} is not a private key`);
  return passphrase === undefined ? { privateKey: key } : { privateKey: key, passphrase };
}
