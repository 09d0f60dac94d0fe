/**
 * A poll the route monitor woke (drivers/route-watch.ts) knows the routes moved, so it does not ask
 * whether they did. An interval poll reads a moved router in four commands in turn — the batched
 * digests, the BGP probes whose digest moved, the version listing of the moved table, zebra's rows
 * for the listed prefixes — and on a loaded console and device each turn is 0.03–0.8 s (issue 16's
 * fleet bench: the switch seen 2.9–4.9 s late). A woken poll asks the two probes and, for every
 * table it holds a delta base for, the listing since that base, in **one** vtysh (a `-c` each): the
 * poll then finds those answers in place of the commands it would have sent (the probes, the
 * listings of the tables that moved), and only zebra's rows remain — two turns.
 *
 * Nothing is guessed: each answer is what vtysh printed for that exact command within the same
 * run, used only when vtysh printed exactly one JSON document per command (any text among them —
 * `% Unknown command` from an FRR without `version N` — and none is used: each command is then sent on
 * its own and fails or succeeds as it would have). A listing nobody asks for (a table that did not
 * move) is dropped; an empty one is ~150 bytes.
 */
import type { DeviceSpec } from '../model/device.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { CommandRunner, ExecResult } from '../transport/types.ts';
import { BGP_PROBE_QUERIES } from './bgp-probe.ts';
import { bgpDeltaQuery, splitDocuments } from './route-delta.ts';
import { deltaBases, heldCheck, tableOf, versionAndRib } from './route-check.ts';
import { vtyshCommand, vtyshCommands } from './shell.ts';

/** More tables than this (a router with hundreds of VRFs): no prefetch, the poll asks as it always does. */
export const MAX_PREFETCH_TABLES = 64;

/**
 * The vtysh commands a woken poll asks at once: both BGP probes, then each held table's listing since
 * the version it was last read whole at (route-check.ts's delta base: the one planRouteRead will ask).
 */
export function prefetchQueries(previous: DeviceSnapshot | null | undefined): string[] {
  const queries: string[] = [BGP_PROBE_QUERIES.versions, BGP_PROBE_QUERIES.failed];
  const last = heldCheck(previous);
  if (!last) return queries;
  const listings: string[] = [];
  for (const [path, base] of deltaBases(last)) {
    const table = tableOf(path);
    const [version] = versionAndRib(base);
    if (table && Number.isInteger(version) && version >= 0 && version < 4294967295)
      listings.push(bgpDeltaQuery(table, version + 1));
  }
  return listings.length <= MAX_PREFETCH_TABLES ? [...queries, ...listings] : queries;
}

/**
 * `runner` with the answers of one `vtysh -c q1 -c q2 …` run in hand: `exec(vtyshCommand(device, qi))`
 * returns the i-th answer once, without sending it. Anything else, and everything when the run failed
 * or its answers cannot be matched one to one, goes to the device as before.
 */
/** A runner whose commands wait for `ready` (the prefetch) and then go through it. */
export function afterPrefetch(ready: Promise<CommandRunner>, base: CommandRunner): CommandRunner {
  const out: CommandRunner = {
    exec: async (command, options) => (await ready).exec(command, options),
    execStream: async (command, onStdout, options) => (await ready).execStream(command, onStdout, options),
  };
  if (base.session) out.session = base.session.bind(base);
  return out;
}

export async function prefetched(
  runner: CommandRunner,
  device: Pick<DeviceSpec, 'vtysh'>,
  queries: readonly string[],
): Promise<CommandRunner> {
  const all = vtyshCommands(device, queries);
  const result = await runner.exec(all).catch(() => null);
  if (!result || result.code !== 0 || result.stderr.trim() !== '') return runner;
  const docs = splitDocuments(result.stdout);
  if (docs.length !== queries.length || docs.some((d) => !d.startsWith('{'))) return runner;
  const answers = new Map<string, ExecResult>();
  queries.forEach((q, i) =>
    answers.set(vtyshCommand(device, q), { stdout: `${docs[i]!}\n`, stderr: '', code: 0 }),
  );
  const take = (command: string): ExecResult | undefined => {
    const answer = answers.get(command);
    if (answer) answers.delete(command);
    return answer;
  };
  const out: CommandRunner = {
    exec: (command, options) => {
      const answer = take(command);
      return answer ? Promise.resolve(answer) : runner.exec(command, options);
    },
    execStream: (command, onStdout, options) => runner.execStream(command, onStdout, options),
  };
  if (runner.session) out.session = runner.session.bind(runner);
  return out;
}
