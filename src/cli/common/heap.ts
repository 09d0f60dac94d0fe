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

/**
 * The flags bin/routedeck.mjs starts node with (its `#!` line; `npm start` and `npm run bench` pass them
 * too): V8 sizes the young generation when the heap is made, never later (setFlagsFromString left it
 * as it was). 32 MB a semi-space, Node 20's default being 16: a console's polls allocate what dies
 * within a poll, and at 16 MB the scavenges came while a poll's objects still lived, promoting them
 * into the old generation that full collections then mark. With the lab printing its routers' tables
 * ahead (src/lab/sim/lab.ts), first picture at 1,000 hosts 50.5–57.4 s (was 63–87 s; 71–76 s in the
 * machine's slow hours), peak RSS within the steady target (`npm run bench -- fleet`; README § Scale). A larger old-generation
 * growth during the start was tried as well (V8's own, then 1.25×): 8 s less console CPU to the first
 * picture, but 1.06 GB steady RSS — the ArrayBuffers of 500 MB of router reads freed later, malloc's
 * pages kept — so 1.25× stays from the first poll.
 */
export const CONSOLE_V8_FLAGS = ['--max-semi-space-size=32'] as const;

export function tuneHeapForConsole(execArgv: readonly string[] = process.execArgv): void {
  const given = [...execArgv, ...(process.env['NODE_OPTIONS'] ?? '').split(/\s+/)].some((a) =>
    /^--heap[-_]growing[-_]percent\b/.test(a),
  );
  if (!given) setFlagsFromString(`--heap-growing-percent=${CONSOLE_HEAP_GROWING_PERCENT}`);
}
