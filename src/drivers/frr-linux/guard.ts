import type { DeviceSpec } from '../../model/device.ts';
import type { GuardState } from '../../model/guard.ts';
import { deviceDigest, sha256, type Held } from '../digest.ts';
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
  return (await collectGuardHeld(device, runner)).value;
}

/** The same, kept from the last poll while the listing's digest on the host is unchanged (digest.ts). */
export async function collectGuardHeld(
  device: DeviceSpec,
  runner: CommandRunner,
  held?: Held<GuardState>,
): Promise<Held<GuardState>> {
  const command = guardCommand(device);
  if (held && (await deviceDigest(runner, command)) === held.sha) return held;
  const r = await runner.exec(command);
  // No table: nothing to hold (its digest would be the empty text's), so it is asked again each poll.
  if (r.code === 1 && isNoSuchTable(r.stderr)) return { sha: 'absent', value: { present: false } };
  checkCommandResult(command, r.code, r.stderr, r.stdout.slice(0, 512));
  return { sha: sha256(r.stdout), value: parseOutput(command, () => parseNftGuard(r.stdout)) };
}
