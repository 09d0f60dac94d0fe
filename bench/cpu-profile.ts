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
