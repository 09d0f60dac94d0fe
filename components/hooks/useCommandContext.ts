import { useMemo } from 'react';
import type { CommandContext } from '../command.ts';
import { useAppStore } from './useAppStore.ts';

/** Device, VRF and tenant names for the command line's completion and validation. */
export function useCommandContext(): CommandContext {
  const { devices, order, tenants } = useAppStore((s) => ({
    devices: s.devices,
    order: s.deviceOrder,
    tenants: s.tenants,
  }));
  return useMemo(
    () => ({
      devices: order,
      tenants: tenants.map((tenant) => tenant.name),
      vrfsOf: (device: string) => {
        const snapshot = devices[device]?.snapshot;
        if (!snapshot) return [];
        return [...new Set([...snapshot.routes.vrfs(), ...snapshot.vrfs.map((vrf) => vrf.name)])];
      },
    }),
    [devices, order, tenants],
  );
}
