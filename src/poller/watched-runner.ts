import type { CommandRunner, ExecOptions } from '../transport/types.ts';

/** What a poll gives its collector: a signal that stops it, and a way to say it is still getting answers. */
export interface PollContext {
  /** Aborted when the poll gave up (no answer for the poll timeout, or past its hard limit). */
  signal: AbortSignal;
  /** Called whenever the device answered something: the poll is slow, not stuck. */
  progress(): void;
  /**
   * The device's change feed said its routes moved since the last poll started (poller.ts): the
   * poll may skip asking whether they did (drivers/route-prefetch.ts).
   */
  woken?: boolean;
  /**
   * A caller just changed or saw a change on this device (the first poll after a workflow's pollFast;
   * a moved workload's hosts, polled by name): the poll reads at once what may have moved rather than
   * asking first whether it did (drivers/frr-state.ts: a hypervisor's route tables in its first turn).
   */
  watched?: boolean;
}

/**
 * The runner a poll collects through: every command carries the poll's signal (a poll that gave up
 * closes its channels, so an abandoned 100k-route read does not go on beside the next poll), and every
 * answer — each streamed chunk, each finished command — counts as progress.
 */
export function watchedRunner(runner: CommandRunner, context: PollContext): CommandRunner {
  const withSignal = (options?: ExecOptions): ExecOptions => ({ ...options, signal: context.signal });
  const watched: CommandRunner = {
    async exec(command, options) {
      const result = await runner.exec(command, withSignal(options));
      context.progress();
      return result;
    },
    async execStream(command, onStdout, options) {
      const result = await runner.execStream(
        command,
        (chunk) => {
          context.progress();
          onStdout(chunk);
        },
        withSignal(options),
      );
      context.progress();
      return result;
    },
  };
  if (runner.session) watched.session = runner.session.bind(runner);
  return watched;
}
