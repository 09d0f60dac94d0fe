import type { CompactRouteTableBuilder } from '../model/compact-route-builder.ts';
import type { CommandRunner } from '../transport/types.ts';
import { CommandError, ParseError } from './errors.ts';
import { RouteStreamParser, type RouteStreamOptions } from './frr/route-stream.ts';

function firstLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  );
}

/**
 * vtysh reports failures several ways: a non-zero exit with `bgpd is not running` or `Exiting:
 * failed to connect to any daemons` on stderr, or `% Unknown command: …` on stdout.
 */
export function checkCommandResult(
  command: string,
  code: number | null,
  stderr: string,
  stdoutHead: string,
): void {
  if (code !== 0) {
    throw new CommandError(command, code, firstLine(stderr) || firstLine(stdoutHead) || 'no output');
  }
  if (stdoutHead.trimStart().startsWith('%')) throw new CommandError(command, code, firstLine(stdoutHead));
}

/**
 * Runs a command with a small output and returns its stdout, or throws CommandError. Timeouts and
 * output caps are the transport's, configured per device (exec is capped, streams are not).
 */
export async function runText(runner: CommandRunner, command: string): Promise<string> {
  const r = await runner.exec(command);
  checkCommandResult(command, r.code, r.stderr, r.stdout.slice(0, 512));
  return r.stdout;
}

/** Runs a pure parser on a command's output, naming the command (and device) in any ParseError. */
export function parseOutput<T>(command: string, parse: () => T, device?: string): T {
  try {
    return parse();
  } catch (err) {
    throw err instanceof ParseError ? err.forCommand(command, device) : err;
  }
}

/**
 * Streams `show ip[v6] route … json` into the builder, parsing as the bytes arrive. On any failure
 * the rows this command added are dropped again, so a table is never half of one VRF.
 */
export async function streamRoutes(
  runner: CommandRunner,
  command: string,
  builder: CompactRouteTableBuilder,
  device?: string,
  options: RouteStreamOptions = {},
): Promise<number> {
  const start = builder.size;
  const parser = new RouteStreamParser(builder, options);
  let parseError: unknown = null;
  let head = '';
  try {
    const result = await runner.execStream(command, (chunk) => {
      if (head.length < 512) head += chunk.toString('utf8', 0, Math.min(chunk.length, 512));
      if (parseError !== null) return; // keep draining: the exit status says more than the parse error
      try {
        parser.write(chunk);
      } catch (err) {
        parseError = err;
      }
    });
    checkCommandResult(command, result.code, result.stderr, head);
    if (parseError !== null) throw parseError;
    parser.end();
    return parser.routes;
  } catch (err) {
    builder.truncate(start);
    throw err instanceof ParseError ? err.forCommand(command, device) : err;
  }
}

export type PartResult<T> = { ok: true; value: T } | { ok: false; error: string; cause: unknown };

/** Runs one independent part of a collection; its failure becomes `<name>: <message>`. */
export async function part<T>(name: string, run: () => Promise<T>): Promise<PartResult<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (err) {
    return { ok: false, error: `${name}: ${err instanceof Error ? err.message : String(err)}`, cause: err };
  }
}

/**
 * Partial errors of a collection, or a throw when no part succeeded. When the parts failed for a
 * reason other than the device's own answers (SSH refused, host key unknown, timeout), that error
 * is rethrown as it is, so the poller can tell an unreachable device from a broken one.
 */
export function partialErrors(device: string, results: readonly PartResult<unknown>[]): string[] {
  const failures = results.flatMap((r) => (r.ok ? [] : [r]));
  if (results.length > 0 && failures.length === results.length) {
    const transport = failures.find(
      (f) => !(f.cause instanceof CommandError || f.cause instanceof ParseError),
    );
    if (transport) throw transport.cause;
    const messages = [...new Set(failures.map((f) => f.error))].join('; ');
    throw new Error(`${device}: every part of the collection failed: ${messages}`);
  }
  return failures.map((f) => f.error);
}
