/**
 * Polls at an interval see a change up to an interval late: a router polled every 2–5 s showed a
 * migrated workload's new host 2.9–4.9 s after the routers switched (issue 16, `npm run bench --
 * fleet`). The kernel says at once when its routes change: `ip -o monitor route` prints a line for each
 * route added, replaced or deleted in any table (FRR's zebra installs every selected route there, VRF
 * tables included). Its lines are only a **wake-up**: the poll they start reads the device as every
 * poll does (digests, versions, what changed), so nothing shown comes from them, and a device that
 * prints anything at all here at most makes its own polls come sooner (the poller bounds how soon).
 * Their text is never parsed nor drawn: device text is hostile.
 */
import type { CommandRunner } from '../transport/types.ts';

/** One line per route change, in every table; it runs until the channel closes. */
export const ROUTE_MONITOR_COMMAND = 'ip -o monitor route';

export interface RouteWatch {
  /** Resolves when the monitor ends (the device ended it, the connection dropped, or close()): why. */
  readonly ended: Promise<string>;
  close(): void;
}

/**
 * Opens the monitor on an idle channel of the device's connection; `changed` is called for every chunk
 * it prints (many route changes at once arrive as one chunk). Null when the runner cannot hold a
 * long-running command or the device refuses the channel: then the device is polled at its interval only.
 */
export async function watchRouteChanges(
  runner: CommandRunner,
  changed: () => void,
): Promise<RouteWatch | null> {
  if (!runner.session) return null;
  let session;
  try {
    session = await runner.session(ROUTE_MONITOR_COMMAND);
  } catch {
    return null;
  }
  let closedByUs = false;
  const ended = new Promise<string>((resolve) => {
    session.onClose(() =>
      resolve(closedByUs ? 'closed by routedeck' : 'the device ended it or the connection dropped'),
    );
  });
  // stderr comes here too (`ip: not found` before the channel ends): one poll sooner, nothing more.
  session.onData(() => changed());
  return {
    ended,
    close() {
      closedByUs = true;
      session.close('route monitor no longer needed');
    },
  };
}
