/**
 * `ip [-o] monitor route` on an exec channel (what src/drivers/route-watch.ts opens on routers): a
 * line each time the device's kernel routes change, until the client closes the channel, as iproute2
 * does. A device without the model's feed answers as a shell without the command would.
 */
import type { ServerChannel } from 'ssh2';
import type { SimDevice } from '../types.ts';
import { isClosed, sendExecResult } from './channel-io.ts';

/** Lines a slow reader may leave unsent before the monitor drops it (iproute2 would block; the lab must not). */
const MAX_QUEUED = 10_000;

export function isRouteMonitor(command: string): boolean {
  const words = command.trim().split(/\s+/);
  while (words[0] === 'sudo' || words[0] === '-n') words.shift();
  if (words[0] !== 'ip') return false;
  const rest = words.slice(1).filter((w) => w !== '-o' && w !== '-oneline');
  return rest.length === 2 && rest[0] === 'monitor' && rest[1] === 'route';
}

export function runRouteMonitor(device: SimDevice, channel: ServerChannel): void {
  if (!device.monitorRoutes) {
    void sendExecResult(channel, { stdout: '', stderr: 'ip: monitor not supported here\n', code: 1 });
    return;
  }
  let queued = 0;
  const stop = device.monitorRoutes((line) => {
    if (isClosed(channel)) return;
    if (queued >= MAX_QUEUED) {
      stop();
      channel.close();
      return;
    }
    queued++;
    channel.write(`${line}\n`, () => queued--);
  });
  channel.once('close', stop);
  // A client that sends EOF has hung up on it (ssh -T host 'ip monitor' < /dev/null ends the same way).
  channel.once('end', () => {
    stop();
    if (isClosed(channel)) return;
    channel.exit(0);
    channel.end();
  });
}
