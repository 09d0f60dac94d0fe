import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { RegistryLocationError } from './errors.ts';

/** libpq's sslmode values we accept: `require` encrypts without checking who answers, so it is not one. */
export type SslMode = 'disable' | 'verify-ca' | 'verify-full';

export interface PgLocation {
  kind: 'postgres';
  /** postgres://user@host:port/db: what messages show (never a password). */
  label: string;
  host: string;
  port: number;
  user?: string;
  database: string;
  sslmode: SslMode;
  sslrootcert?: string;
}

export type RegistryLocation = { kind: 'sqlite'; path: string } | PgLocation;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/;

/**
 * Reads a registry argument: a file path (its directory must exist unless `createDirs`), `sqlite:FILE`,
 * or `postgres://user@host[:port]/db[?sslmode=…&sslrootcert=…]`. Anything else — another scheme, a
 * password in the URL — is refused with one sentence, before anything is created.
 */
export function parseRegistryLocation(
  text: string,
  options: { createDirs?: boolean; sslmode?: SslMode; sslrootcert?: string } = {},
): RegistryLocation {
  if (text === ':memory:') return { kind: 'sqlite', path: text };
  if (/^postgres(ql)?:\/\//i.test(text)) return parsePg(text, options);
  if (/^sqlite:/i.test(text)) return sqlitePath(text.slice('sqlite:'.length), options.createDirs ?? false);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text))
    throw new RegistryLocationError(
      `registry "${text.split('://')[0]}://…" is not a known kind of registry: give a file path, sqlite:FILE or postgres://USER@HOST/DB`,
    );
  return sqlitePath(text, options.createDirs ?? false);
}

function sqlitePath(path: string, createDirs: boolean): RegistryLocation {
  if (path === '') throw new RegistryLocationError('registry file path is empty');
  if (!createDirs) {
    const dir = dirname(resolve(path));
    if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
      throw new RegistryLocationError(
        `registry ${path}: directory ${dir} does not exist (give a file in an existing directory, or postgres://USER@HOST/DB)`,
      );
  }
  return { kind: 'sqlite', path };
}

function parsePg(text: string, options: { sslmode?: SslMode; sslrootcert?: string }): PgLocation {
  // Before parsing: never echo what may be a password.
  if (/^[^/]*\/\/[^/@]*:[^/@]*@/.test(text))
    throw new RegistryLocationError(
      "a registry URL must not contain a password: use PGPASSWORD, ~/.pgpass, or the inventory's registry.password {env|file}",
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RegistryLocationError('registry URL is not a valid postgres://USER@HOST[:PORT]/DB URL');
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!url.hostname || !database || database.includes('/'))
    throw new RegistryLocationError(
      'registry URL needs a host and a database: postgres://USER@HOST[:PORT]/DB',
    );
  const params = new Map(url.searchParams);
  for (const key of params.keys())
    if (key !== 'sslmode' && key !== 'sslrootcert')
      throw new RegistryLocationError(
        `registry URL option "${key}" is not supported (only sslmode, sslrootcert)`,
      );
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const mode =
    params.get('sslmode') ?? options.sslmode ?? (LOOPBACK.test(url.hostname) ? 'disable' : 'verify-full');
  if (mode !== 'disable' && mode !== 'verify-ca' && mode !== 'verify-full')
    throw new RegistryLocationError(
      `registry sslmode "${mode}" is not supported: use verify-full (or verify-ca) to check the server, or disable`,
    );
  const port = url.port ? Number(url.port) : 5432;
  const user = url.username ? decodeURIComponent(url.username) : undefined;
  const sslrootcert = params.get('sslrootcert') ?? options.sslrootcert;
  return {
    kind: 'postgres',
    label: `postgres://${user ? `${encodeURIComponent(user)}@` : ''}${url.host}/${encodeURIComponent(database)}`,
    host,
    port,
    ...(user ? { user } : {}),
    database,
    sslmode: mode,
    ...(sslrootcert ? { sslrootcert } : {}),
  };
}
