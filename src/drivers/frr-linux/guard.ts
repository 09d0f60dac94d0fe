import type { DeviceSpec } from '../../model/device.ts';
import type { GuardState } from '../../model/guard.ts';
import type { CommandRunner } from '../../transport/types.ts';
import { checkCommandResult, parseOutput } from '../collect.ts';
import { isNoSuchTable, parseNftGuard } from '../linux/nft-guard.ts';
import { privileged } from '../shell.ts';

/** nft needs root even to list (CAP_NET_ADMIN), hence the device's privilege prefix. */
export function guardCommand(device: Pick<DeviceSpec, 'privilege'>): string {
  return privileged(device, 'nft -j list table inet vmguard');
}

/** The host's vmguard table; a host without one is `{present: false}`, not an error. */
export async function collectGuard(device: DeviceSpec, runner: CommandRunner): Promise<GuardState> {
  const command = guardCommand(device);
  const r = await runner.exec(command);
  if (r.code === 1 && isNoSuchTable(r.stderr)) return { present: false };
  checkCommandResult(command, r.code, r.stderr, r.stdout.slice(0, 512));
  return parseOutput(command, () => parseNftGuard(r.stdout));
}
