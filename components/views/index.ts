import type { ComponentType } from 'react';
import type { ViewId } from '../keys.ts';
import { BgpView } from './Bgp.tsx';
import { DevicesView } from './Devices.tsx';
import type { ViewProps } from './types.ts';

/** k9s's registry: a view id maps to its component, instead of a switch in the shell. */
export const VIEWS: Record<ViewId, ComponentType<ViewProps>> = {
  devices: DevicesView,
  bgp: BgpView,
  routes: DevicesView,
  'route-vrfs': DevicesView,
  'route-table': DevicesView,
  vrfs: DevicesView,
  workloads: DevicesView,
};
