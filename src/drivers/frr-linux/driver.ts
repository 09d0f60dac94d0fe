import type { DeviceSpec } from '../../model/device.ts';
import { collectFrrState, commandList, frrStateCommands } from '../frr-state.ts';
import type { Driver } from '../types.ts';

/** Kernel routes are read only on hypervisors: that is where workloads (and their TAPs) live. */
function commandsFor(device: DeviceSpec) {
  return frrStateCommands(device, device.role === 'hypervisor');
}

/** Linux hosts running FRR: hypervisors, and Linux routers. VRFs come from `ip -d` (FRR has no `show vrf json`). */
export const frrLinuxDriver: Driver = {
  kind: 'frr-linux',
  collectCommands: (device) => commandList(commandsFor(device)),
  collect: (ctx) => collectFrrState(ctx, { commands: commandsFor(ctx.device) }),
};
