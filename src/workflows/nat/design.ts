/**
 * A shared service reached by overlapping tenants, after slices are allocated: everything the
 * renderers need, as plain data (no registry, no devices' state).
 */
import type { DeviceKind } from '../../model/device.ts';

export type VyosVersion = '1.3' | '1.4';

export interface NatEdge {
  device: string;
  kind: DeviceKind;
  /** Root prefix for Linux edges (`sudo -n`); empty when logged in as root. */
  privilege: string;
  /** VyOS config paths differ between 1.3 and 1.4+ (reference §2 NAT). */
  vyosVersion?: VyosVersion;
  /** The version the router reported (probed over its API), when it was probed. */
  vyosProbed?: string;
  /** Commit-confirm minutes for this edge's batch (routers that support it, reference §1). */
  confirmMinutes?: number;
  /** The router's `system config-management commit-confirm action` (VyOS's default: reboot). */
  confirmAction?: 'reboot' | 'reload';
}

export interface TenantSide {
  tenant: string;
  edge: NatEdge;
  /** The tenant's (overlapping) private prefix and its unique transit slice of the same size. */
  private: string;
  slice: string;
  /** Interface facing the tenant (DNAT of the local service address happens on it). */
  tenantIf: string;
  /** Interface facing the transit network (SNAT into the slice happens on it). */
  transitIf: string;
  /** The tenant edge's address on the transit side: the provider edge routes the slice there. */
  via: string;
}

export interface SharedServiceDesign {
  /** Service name: [a-z][a-z0-9-]*, used in the nftables table name and VyOS descriptions. */
  name: string;
  /** The real service address (may itself lie in an overlapping range). */
  service: string;
  /** The service's unique address in the transit range. */
  serviceTransit: string;
  /** What tenants connect to, inside their own address plan. */
  local: string;
  transit: string;
  /** VyOS rule number used on every edge (source, destination and static rules). */
  rule: number;
  tenants: TenantSide[];
  provider: { edge: NatEdge; /** Transit-facing interface; absent: any. */ transitIf?: string };
}

export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,23}$/;
export const IFNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/;

/** `table ip rd_ss_<name>`: one table per service on each Linux edge, removed whole on rollback. */
export function nftTableName(name: string): string {
  return `rd_ss_${name.replace(/-/g, '_')}`;
}

export function description(d: SharedServiceDesign): string {
  return `routedeck shared-service ${d.name}`;
}
