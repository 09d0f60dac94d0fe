import type { Family } from './route.ts';

/** A host route on a hypervisor that points at a workload's TAP/veth: the routed-host model's unit of mobility. */
export interface WorkloadRoute {
  host: string;
  vrf: string;
  family: Family;
  prefix: string;
  interface: string;
  metric: number | null;
  protocol: string;
}

export interface TenantSpec {
  name: string;
  vrf?: string;
  pools4: string[];
  pools6: string[];
  /** Inventory `guest:` of the tenant: what its guests' cloud-init network-config carries. */
  guest?: GuestNetwork;
}

export interface GuestNetwork {
  dnsServers?: string[];
  mtu?: number;
}
