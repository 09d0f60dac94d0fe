/**
 * A CPU profile of this process between two points, written to the file an environment variable
 * names (the fleet bench's switches); nothing at all when the variable is unset.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';

/** Starts profiling if `process.env[variable]` names a file; the returned function stops and writes it. */
export async function profileTo(variable: string): Promise<() => Promise<void>> {
  const file = process.env[variable];
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}

/**
 * A sampling allocation profile between two points (`HeapProfiler.startSampling`), counting objects
 * collected since too: what allocates, not only what stays — the steady console's scavenges and the
 * promotion that brings its full collections. Written to the file `process.env[variable]` names.
 */
export async function allocationsTo(variable: string): Promise<() => Promise<void>> {
  const file = process.env[variable];
  if (!file) return async () => undefined;
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 64 * 1024,
    includeObjectsCollectedByMajorGC: true,
    // ROUTEDECK_FLEET_ALLOC_PROMOTED=1: only what outlived the scavenges (promoted, then dead or kept).
    includeObjectsCollectedByMinorGC: process.env.ROUTEDECK_FLEET_ALLOC_PROMOTED !== '1',
  } as never);
  return async () => {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
