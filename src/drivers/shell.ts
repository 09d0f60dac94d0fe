import type { DeviceSpec } from '../model/device.ts';

/** POSIX single-quote quoting: the only character needing care inside '…' is the quote itself. */
export function shellQuote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The exact command line that runs one vtysh command on a device (`vtysh -N hv1 -c '…'`). */
export function vtyshCommand(device: Pick<DeviceSpec, 'vtysh'>, command: string): string {
  return vtyshCommands(device, [command]);
}

/** Several vtysh commands in one invocation (`-c` each): their outputs come back one after another. */
export function vtyshCommands(device: Pick<DeviceSpec, 'vtysh'>, commands: readonly string[]): string {
  return `${device.vtysh.trim() || 'vtysh'} ${commands.map((c) => `-c ${shellQuote(c)}`).join(' ')}`;
}

/** A command that needs root, behind the device's privilege prefix (`sudo -n …`), if any. */
export function privileged(device: Pick<DeviceSpec, 'privilege'>, command: string): string {
  const prefix = device.privilege.trim();
  return prefix ? `${prefix} ${command}` : command;
}
