import { afterAll, beforeAll } from 'vitest';
import { pgBinaries, pgRequired, startPgCluster, type PgCluster } from '../helpers/pg-cluster.ts';
import { tempDir } from './helpers.ts';

/**
 * The registry backends a suite runs against. PostgreSQL gets one throwaway cluster per test file
 * and a fresh database per location(). It may be skipped only where its binaries are absent and
 * ROUTEDECK_REQUIRE_LAB is not set (CI sets it: there it must run).
 */
export interface Backend {
  name: 'sqlite' | 'postgres';
  skip: boolean;
  /** A new, empty registry location (file path or URL). */
  location(): Promise<string>;
  cluster(): PgCluster;
}

const bins = pgBinaries();
export const pgSkip = 'missing' in bins && !pgRequired;
if (pgSkip && 'missing' in bins) console.warn(`PostgreSQL registry tests skipped: ${bins.missing}`);

export function useBackends(): Backend[] {
  let cluster: PgCluster | undefined;
  const dirs: ReturnType<typeof tempDir>[] = [];
  beforeAll(async () => {
    if (!pgSkip) cluster = await startPgCluster();
  });
  afterAll(() => {
    cluster?.stop();
    for (const d of dirs) d.cleanup();
  });
  const need = () => {
    if (!cluster) throw new Error('no PostgreSQL cluster');
    return cluster;
  };
  return [
    {
      name: 'sqlite',
      skip: false,
      location: async () => {
        const d = tempDir();
        dirs.push(d);
        return d.file;
      },
      cluster: need,
    },
    { name: 'postgres', skip: pgSkip, location: () => need().createDatabase(), cluster: need },
  ];
}
