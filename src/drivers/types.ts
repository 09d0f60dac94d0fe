import type { DeviceKind, DeviceSpec } from '../model/device.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';
import type { CommandRunner, VyosConfigReader } from '../transport/types.ts';

export interface DriverContext {
  device: DeviceSpec;
  runner: CommandRunner;
  /** Present for VyOS devices with an API configured. */
  api?: VyosConfigReader;
  now?: () => number;
  /** The device's last snapshot: what did not change since (route tables) is not read again. */
  previous?: DeviceSnapshot | null;
  /**
   * A first read of large route tables waits until BGP held still, so that read counts as settled
   * (route-check.ts SETTLE_FIRST_ROUTES): for what keeps polling (the console), never for a one-shot
   * read (`routedeck get`), which would only wait.
   */
  settleFirst?: boolean;
  /** The device's route monitor said its routes moved since the last poll (poller.ts PollContext.woken). */
  woken?: boolean;
  /** A caller watches the device closely (poller.ts PollContext.watched): read what may have moved at once. */
  watched?: boolean;
  /** How that wait waits; a timer when absent. */
  sleep?: (ms: number) => Promise<void>;
}

/** One per device kind; stateless between calls (what it needs of the last poll comes in `previous`). */
export interface Driver {
  kind: DeviceKind;
  /** The exact commands `collect` sends, for display and tests. */
  collectCommands(device: DeviceSpec): string[];
  collect(ctx: DriverContext): Promise<DeviceSnapshot>;
}
