import type { DeviceSpec } from '../../model/device.ts';
import { part } from '../collect.ts';
import { collectFrrState, commandList, frrStateCommands } from '../frr-state.ts';
import type { Driver } from '../types.ts';
import type { GuardState } from '../../model/guard.ts';
import type { Held } from '../digest.ts';
import { collectGuardHeld, guardCommand } from './guard.ts';

const isHypervisor = (device: DeviceSpec): boolean => device.role === 'hypervisor';

/** Kernel routes are read only on hypervisors: that is where workloads (and their TAPs) live. */
function commandsFor(device: DeviceSpec) {
  return frrStateCommands(device, isHypervisor(device));
}

/**
 * Linux hosts running FRR: hypervisors, and Linux routers. VRFs come from `ip -d` (FRR has no
 * `show vrf json`). Hypervisors also report their anti-spoofing table (`guard`).
 */
export const frrLinuxDriver: Driver = {
  kind: 'frr-linux',
  collectCommands: (device) => [
    ...commandList(commandsFor(device)),
    ...(isHypervisor(device) ? [guardCommand(device)] : []),
  ],
  collect: async (ctx) => {
    const state = collectFrrState(ctx, { commands: commandsFor(ctx.device) });
    if (!isHypervisor(ctx.device)) return state;
    const previous = ctx.previous?.partialErrors.length === 0 ? ctx.previous.held?.['guard'] : undefined;
    const [snapshot, guard] = await Promise.all([
      state,
      part('guard', () => collectGuardHeld(ctx.device, ctx.runner, previous as Held<GuardState> | undefined)),
    ]);
    // This poll's own objects, completed in place (a copy by spread gave each its own hidden class).
    if (!guard.ok) {
      snapshot.partialErrors.push(guard.error);
      return snapshot;
    }
    snapshot.guard = guard.value.value;
    snapshot.held = Object.assign(snapshot.held ?? {}, { guard: guard.value });
    return snapshot;
  },
};
