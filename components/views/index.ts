import type { ComponentType } from 'react';
import type { ViewId } from '../keys.ts';
import { AuditView } from './Audit.tsx';
import { BgpView } from './Bgp.tsx';
import { DevicesView } from './Devices.tsx';
import { GuardView } from './Guard.tsx';
import { OverlayView } from './Overlay.tsx';
import { RouteTableView, RoutesView, RouteVrfsView } from './Routes.tsx';
import type { ViewProps } from './types.ts';
import { VrfsView } from './Vrfs.tsx';
import { WorkloadDetailView } from './WorkloadDetail.tsx';
import { WorkloadsView } from './Workloads.tsx';

/** k9s's registry: a view id maps to its component, instead of a switch in the shell. */
export const VIEWS: Record<ViewId, ComponentType<ViewProps>> = {
  devices: DevicesView,
  bgp: BgpView,
  routes: RoutesView,
  'route-vrfs': RouteVrfsView,
  'route-table': RouteTableView,
  vrfs: VrfsView,
  workloads: WorkloadsView,
  workload: WorkloadDetailView,
  overlay: OverlayView,
  guard: GuardView,
  audit: AuditView,
};
