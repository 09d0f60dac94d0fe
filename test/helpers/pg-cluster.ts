/**
 * A throwaway PostgreSQL cluster for tests and benchmarks: Debian's binaries, `initdb` in a temp dir,
 * listening on 127.0.0.1 only, on a free port, its unix socket in the temp dir. initdb refuses root, so
 * as root the cluster runs as the unprivileged `postgres` user (made by the package) or `routedeck-pg`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgCluster {
  port: number;
  /** With `tls`: the CA that signed the server's certificate (for 127.0.0.1), to pass as sslrootcert. */
  caFile: string | null;
  /** A new, empty database; returns its URL (postgres://postgres@127.0.0.1:PORT/NAME). */
  createDatabase(name?: string): Promise<string>;
  /** A raw client (superuser) on one database, for tests that poke behind the registry's back. */
  client(url: string): Promise<pg.Client>;
  /** Stops the server, keeping its data (a database outage); `resume` starts it again on the same port. */
  pause(): void;
  resume(): void;
  stop(): void;
}

/** Where initdb and pg_ctl are, or null (with why) when PostgreSQL is not installed. */
export function pgBinaries(): { dir: string } | { missing: string } {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base) ? readdirSync(base).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const dir = join(base, v, 'bin');
    if (existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl'))) return { dir };
  }
  return { missing: `PostgreSQL server binaries not found under ${base}/*/bin (apt-get install postgresql)` };
}

/** True when pg tests must run (CI); they may skip only when PostgreSQL is absent and this is false. */
export const pgRequired = process.env['ROUTEDECK_REQUIRE_LAB'] === '1';

function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  for (const name of ['postgres', 'routedeck-pg']) {
    try {
      const uid = Number(
        execFileSync('id', ['-u', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }),
      );
      const gid = Number(execFileSync('id', ['-g', name], { encoding: 'utf8' }));
      return { uid, gid };
    } catch {
      // Not this one.
    }
  }
  execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'routedeck-pg']);
  return runAs();
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A throwaway CA and a server certificate for 127.0.0.1 signed by it (openssl), in `dir`. */
function makeCertificates(dir: string, user: { uid: number; gid: number } | null) {
  const ssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-subj',
    '/CN=routedeck test CA',
    '-days',
    '2',
  );
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName = IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
  // PostgreSQL refuses a key others can read, or one it does not own.
  chmodSync(join(dir, 'server.key'), 0o600);
  if (user) chownSync(join(dir, 'server.key'), user.uid, user.gid);
  return { ca: join(dir, 'ca.pem'), cert: join(dir, 'server.pem'), key: join(dir, 'server.key') };
}

export async function startPgCluster(options: { tls?: boolean } = {}): Promise<PgCluster> {
  const bins = pgBinaries();
  if ('missing' in bins) throw new Error(bins.missing);
  const dir = mkdtempSync(join(tmpdir(), 'routedeck-pg-'));
  const user = runAs();
  if (user) chownSync(dir, user.uid, user.gid);
  const as = {
    cwd: dir,
    encoding: 'utf8' as const,
    ...(user ?? {}),
    env: { PATH: process.env['PATH'] ?? '', LANG: 'C.UTF-8' },
  };
  const data = join(dir, 'data');
  const init = spawnSync(
    join(bins.dir, 'initdb'),
    ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'],
    as,
  );
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed: ${init.stderr || init.error?.message}`);
  }
  const certs = options.tls ? makeCertificates(dir, user) : null;
  const tls = certs ? ` -c ssl=on -c ssl_cert_file=${certs.cert} -c ssl_key_file=${certs.key}` : '';
  let port = 0;
  let started = false;
  const optsFor = (p: number) =>
    `-p ${p} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60${tls}`;
  for (let attempt = 0; attempt < 5 && !started; attempt++) {
    port = await freePort();
    const opts = optsFor(port);
    const start = spawnSync(
      join(bins.dir, 'pg_ctl'),
      ['-D', data, '-l', join(dir, 'log'), '-o', opts, '-w', '-t', '120', 'start'],
      as,
    );
    started = start.status === 0;
  }
  const ctl = (...args: string[]) => spawnSync(join(bins.dir, 'pg_ctl'), ['-D', data, ...args], as);
  const stop = () => {
    spawnSync(join(bins.dir, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], as);
    rmSync(dir, { recursive: true, force: true });
  };
  if (!started) {
    stop();
    throw new Error('pg_ctl start failed five times');
  }
  let n = 0;
  const urlOf = (db: string) => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const client = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    return c;
  };
  return {
    port,
    caFile: certs?.ca ?? null,
    async createDatabase(name = `t${process.pid}_${++n}`) {
      const admin = await client(urlOf('postgres'));
      try {
        await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(name)}`);
      } finally {
        await admin.end();
      }
      return urlOf(name);
    },
    client,
    pause: () => void ctl('-m', 'fast', '-w', 'stop'),
    resume: () => {
      const r = ctl('-l', join(dir, 'log'), '-o', optsFor(port), '-w', '-t', '120', 'start');
      if (r.status !== 0) throw new Error(`pg_ctl start failed: ${r.stderr}`);
    },
    stop,
  };
}
