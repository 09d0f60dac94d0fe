import type { VrfInfo } from '../../model/interface.ts';
import type { VyosConfigReader } from '../../transport/types.ts';
import { parseOutput } from '../collect.ts';
import { collectFrrState, commandList, frrStateCommands } from '../frr-state.ts';
import type { Driver } from '../types.ts';
import { collectOverlay, overlayCommands } from './overlay.ts';
import { vrfsFromVyosConfig } from './vrf-config.ts';

const VRF_CONFIG_PATH = ['vrf'];

/** showConfig on a path with nothing under it is a 400 "Configuration under specified path is empty". */
function isEmptyConfig(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'VyosEmptyConfigError' ||
      err.message.includes('Configuration under specified path is empty'))
  );
}

async function vrfsFromApi(api: VyosConfigReader): Promise<VrfInfo[]> {
  let config: unknown;
  try {
    config = await api.showConfig(VRF_CONFIG_PATH);
  } catch (err) {
    if (isEmptyConfig(err)) return [];
    throw err;
  }
  return parseOutput('showConfig vrf', () => vrfsFromVyosConfig(config));
}

/**
 * VyOS routers: operational state from FRR over SSH (the same vtysh JSON as frr-linux; routers
 * carry no workloads, so no kernel route listing), VRFs with their VNI, RD and route targets from
 * the HTTPS API when one is configured, else from the interface list; the overlay (overlay.ts).
 */
export const vyosDriver: Driver = {
  kind: 'vyos',
  collectCommands: (device) => [
    ...commandList(frrStateCommands(device, false)),
    ...Object.values(overlayCommands(device)),
  ],
  collect: async (ctx) => {
    const api = ctx.api;
    const [snapshot, overlay] = await Promise.all([
      collectFrrState(ctx, {
        commands: frrStateCommands(ctx.device, false),
        ...(api ? { vrfs: () => vrfsFromApi(api) } : {}),
      }),
      collectOverlay(ctx.device, ctx.runner, api, ctx.previous?.held),
    ]);
    return {
      ...snapshot,
      overlay: overlay.overlay,
      partialErrors: [...snapshot.partialErrors, ...overlay.errors],
      held: { ...snapshot.held, ...overlay.kept },
    };
  },
};
