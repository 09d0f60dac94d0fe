// TLS to a team registry, per connection (never process-wide): verify-full against the team's CA
// connects encrypted; against the system CAs, the same server is refused with a sentence that says TLS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRegistry, RegistryUnavailableError } from '../../src/registry/index.ts';
import { parseRegistryLocation, type PgLocation } from '../../src/registry/location.ts';
import { connectPg } from '../../src/registry/pg/open.ts';
import { startPgCluster, type PgCluster } from '../helpers/pg-cluster.ts';
import { pgSkip } from './backends.ts';

describe.skipIf(pgSkip)('registry over TLS', () => {
  let cluster: PgCluster;
  let url = '';
  beforeAll(async () => {
    cluster = await startPgCluster({ tls: true });
    url = await cluster.createDatabase();
  });
  afterAll(() => cluster?.stop());

  it('verify-full with the CA as sslrootcert: an encrypted session, and the registry works', () => {
    const location = parseRegistryLocation(
      `${url}?sslmode=verify-full&sslrootcert=${cluster.caFile}`,
    ) as PgLocation;
    const conn = connectPg(location, {});
    try {
      expect(conn.pg.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()').rows).toEqual([
        { ssl: true },
      ]);
    } finally {
      conn.pg.close();
    }
    const reg = openRegistry({ path: url, sslmode: 'verify-full', sslrootcert: cluster.caFile! });
    try {
      reg.upsertTenant({ name: 'acme', pools4: ['10.0.0.0/24'], pools6: [] });
      expect(reg.tenants().map((t) => t.name)).toEqual(['acme']);
    } finally {
      reg.close();
    }
  });

  it('verify-full against the system CAs: refused, naming the registry and TLS', () => {
    let error: unknown;
    try {
      openRegistry({ path: url, sslmode: 'verify-full' }).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RegistryUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^registry ${url.replace(/[./]/g, '\\$&')} is unreachable \\(TLS: `),
    );
  });
});
