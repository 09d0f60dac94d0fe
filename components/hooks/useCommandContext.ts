import { useMemo } from 'react';
import type { CommandContext } from '../command.ts';
import { useConsole } from './context.ts';
import { useAppStore } from './useAppStore.ts';

/** Device, VRF and tenant names for the command line's completion and validation. */
export function useCommandContext(): CommandContext {
  // Devices change with every poll; subscribing to them re-rendered the whole shell ten times a
  // second. VRF names are read from the store only when completion asks.
  const { store, shells, workflows } = useConsole();
  const { order, tenants } = useAppStore((s) => ({ order: s.deviceOrder, tenants: s.tenants }));
  return useMemo(
    () => ({
      devices: order,
      tenants: tenants.map((tenant) => tenant.name),
      shells: shells !== null,
      notes: workflows !== null,
      vrfsOf: (device: string) => {
        const snapshot = store.getState().devices[device]?.snapshot;
        if (!snapshot) return [];
        return [...new Set([...snapshot.routes.vrfs(), ...snapshot.vrfs.map((vrf) => vrf.name)])];
      },
    }),
    [store, order, tenants, shells, workflows],
  );
}
