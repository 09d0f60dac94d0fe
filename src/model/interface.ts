export interface InterfaceAddress {
  family: 4 | 6;
  address: string;
  prefixLength: number;
  scope: string;
}

export interface NetInterface {
  name: string;
  index: number;
  mtu: number;
  operState: string;
  up: boolean;
  /** VRF or bridge this interface is enslaved to. */
  master?: string;
  kind?: string;
  /** Shared between interfaces with the same addresses, frozen: never changed in place. */
  addresses: readonly InterfaceAddress[];
}

export interface VrfInfo {
  name: string;
  table: number | null;
  vni?: number | null;
  rd?: string | null;
  routeTargetsImport?: string[];
  routeTargetsExport?: string[];
}
