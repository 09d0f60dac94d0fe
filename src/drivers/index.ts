import type { DeviceKind } from '../model/device.ts';
import { frrLinuxDriver } from './frr-linux/driver.ts';
import type { Driver } from './types.ts';
import { vyosDriver } from './vyos/driver.ts';

const DRIVERS: ReadonlyMap<DeviceKind, Driver> = new Map<DeviceKind, Driver>([
  [frrLinuxDriver.kind, frrLinuxDriver],
  [vyosDriver.kind, vyosDriver],
]);

/** The driver for a device kind; throws for a kind nobody registered (a config error, not a device one). */
export function driverFor(kind: DeviceKind): Driver {
  const driver = DRIVERS.get(kind);
  if (!driver) throw new Error(`no driver for device kind "${kind}"`);
  return driver;
}

export { frrLinuxDriver, vyosDriver };
export type { Driver };
