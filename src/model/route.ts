export type Family = 4 | 6;

export interface Nexthop {
  ip?: string;
  interface?: string;
  active: boolean;
  onLink?: boolean;
}

export interface Route {
  vrf: string;
  family: Family;
  /** CIDR text, e.g. `203.0.113.10/32`. */
  prefix: string;
  protocol: string;
  selected: boolean;
  installed: boolean;
  distance: number | null;
  metric: number | null;
  /** FRR's uptime text (`00:01:02`, `1d02h`), when known. */
  uptime: string | null;
  nexthops: Nexthop[];
}
