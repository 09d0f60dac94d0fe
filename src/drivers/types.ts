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
  /** Waits (a first read of large route tables waits for BGP to hold still); a timer when absent. */
  sleep?: (ms: number) => Promise<void>;
}

/** One per device kind; stateless between calls (what it needs of the last poll comes in `previous`). */
export interface Driver {
  kind: DeviceKind;
  /** The exact commands `collect` sends, for display and tests. */
  collectCommands(device: DeviceSpec): string[];
  collect(ctx: DriverContext): Promise<DeviceSnapshot>;
}
