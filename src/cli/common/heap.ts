/**
 * The console's heap growth (issue 16: < 1 GB RSS watching 1,000 hosts). After each full collection V8
 * sets the next one's limit at a factor of the live heap it chose from its own speed — up to 4× — and
 * keeps the pages it grew into: a console holding ~450 MB of live state at fleet size sat at 640–710 MB
 * of old space and 1.1–1.2 GB RSS. At a fixed 1.3× (`--heap-growing-percent=30`) the same fabric measured
 * 944 MB RSS with no more CPU (43 % of a core) — `npm run bench` (fleet) shows it. A console is one
 * long-running process whose live state changes slowly, so more frequent full collections cost little.
 * 1.25× since the console's frames stopped promoting garbage (components/render/): one full collection
 * a minute at 30 % or 25 %, and 25 % pays for the ~30–40 MB of the thread Node runs module hooks on
 * (peak RSS 969 MB in a run at 25 %; 957–1008 MB at 30 %; at 20 %, 924 MB but three full collections a
 * minute and keys p99 67 ms). A flag given on the command line (`node --heap-growing-percent=N`) is left
 * as it is.
 */
import { setFlagsFromString } from 'node:v8';

export const CONSOLE_HEAP_GROWING_PERCENT = 25;

export function tuneHeapForConsole(execArgv: readonly string[] = process.execArgv): void {
  const given = [...execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((a) =>
    /^--heap[-_]growing[-_]percent\b/.test(a),
  );
  if (!given) setFlagsFromString(`--heap-growing-percent=${CONSOLE_HEAP_GROWING_PERCENT}`);
}
