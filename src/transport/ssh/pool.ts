/**
 * The SSH connections of a console: one per device name, created on first use.
 */
import type { DeviceSpec } from '../../model/device.ts';
import { SshDeviceConnection } from './connection.ts';
import type { SshConnectionOptions } from './connection.ts';

/** Settings shared by every device (the inventory supplies host, port, user and auth). */
export type SshPoolDefaults = Omit<SshConnectionOptions, 'device' | 'host' | 'port' | 'username' | 'auth'>;

/** What decides which endpoint a connection talks to; a change means a new connection. */
function identity(device: DeviceSpec): string {
  return JSON.stringify([device.host, device.port, device.user, device.auth]);
}

export class SshPool {
  private readonly defaults: SshPoolDefaults;
  private readonly connections = new Map<string, { identity: string; connection: SshDeviceConnection }>();

  constructor(defaults: SshPoolDefaults) {
    this.defaults = defaults;
  }

  /**
   * The connection for this device. When the inventory was reloaded with a different host,
   * port, user or auth for the same name, the old connection is closed (its in-flight commands
   * reject) rather than keep talking to an endpoint the inventory no longer names.
   */
  get(device: DeviceSpec): SshDeviceConnection {
    const id = identity(device);
    const existing = this.connections.get(device.name);
    if (existing && existing.identity === id && existing.connection.state !== 'closed')
      return existing.connection;
    if (existing) void existing.connection.close();
    const connection = new SshDeviceConnection({
      ...this.defaults,
      device: device.name,
      host: device.host,
      port: device.port,
      username: device.user,
      auth: device.auth,
    });
    this.connections.set(device.name, { identity: id, connection });
    return connection;
  }

  /** Connections currently held, by device name (for a status view). */
  entries(): Array<[string, SshDeviceConnection]> {
    return [...this.connections].map(([name, { connection }]) => [name, connection]);
  }

  async closeAll(): Promise<void> {
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map(({ connection }) => connection.close()));
  }
}
