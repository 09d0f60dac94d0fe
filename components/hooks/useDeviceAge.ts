import { useMemo } from 'react';
import type { Freshness } from '../../src/state/freshness.ts';
import { deviceAge } from '../views/stale.ts';
import { useAppStore } from './useAppStore.ts';
import { useNow } from './useNow.ts';

/** `age(device)`: how current what the store holds about a device is, on the console's ticking clock. */
export function useDeviceAge(): (device: string) => Freshness {
  const devices = useAppStore((s) => s.devices);
  const now = useNow();
  return useMemo(() => deviceAge(devices, now), [devices, now]);
}
