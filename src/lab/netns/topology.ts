/**
 * The namespace lab's fixed topology. Device, namespace, interface and workload names here are a
 * contract: the inventory, fixtures and tests refer to them, so change them only together.
 */

export type LabRole = 'router' | 'hypervisor';

export interface LabDevice {
  name: string;
  role: LabRole;
  asn: number;
  routerId: string;
  /** Address on the management bridge; sshd listens here and nowhere else. */
  mgmtAddress: string;
}

export interface LabTenant {
  name: string;
  pools4: string[];
  pools6: string[];
}

export interface LabWorkload {
  name: string;
  tenant: string;
  /** Hypervisor the workload runs on when the lab comes up (it has a leg on every hypervisor). */
  host: string;
  /** Host-side interface name (a veth standing in for a TAP). */
  tap: string;
  ipv4: string;
  ipv6Prefix: string;
  ipv6Address: string;
}

/** Every namespace, bridge and veth the lab creates starts with this, so nothing can clash with the host's. */
export const NS_PREFIX = 'rd-';
export const MGMT_BRIDGE = 'rdmgmt0';
/** RFC 2544 benchmarking range: obviously a lab, never routed on the Internet. */
export const MGMT_GATEWAY = '198.18.0.1';
export const MGMT_PREFIX_LEN = 24;
/** Management interface name inside every device namespace. */
export const MGMT_IFNAME = 'mgmt0';
export const LINK_LOCAL4 = '169.254.0.1';
export const LINK_LOCAL6 = 'fe80::1';

export const DEVICES: readonly LabDevice[] = [
  { name: 'rtr1', role: 'router', asn: 65000, routerId: '10.255.255.1', mgmtAddress: '198.18.0.11' },
  { name: 'rtr2', role: 'router', asn: 65000, routerId: '10.255.255.2', mgmtAddress: '198.18.0.12' },
  { name: 'hv1', role: 'hypervisor', asn: 65101, routerId: '10.255.255.11', mgmtAddress: '198.18.0.21' },
  { name: 'hv2', role: 'hypervisor', asn: 65102, routerId: '10.255.255.12', mgmtAddress: '198.18.0.22' },
  { name: 'hv3', role: 'hypervisor', asn: 65103, routerId: '10.255.255.13', mgmtAddress: '198.18.0.23' },
];

export const TENANTS: readonly LabTenant[] = [
  { name: 'acme', pools4: ['198.51.100.0/24'], pools6: ['2001:db8:a::/48'] },
  { name: 'globex', pools4: ['203.0.113.0/24'], pools6: ['2001:db8:b::/48'] },
];

/**
 * Two per hypervisor; each tenant spans several hypervisors so cross-host traffic crosses the fabric.
 * The name is the one the registry adopts from the TAP (`tap-acme-1` → `acme-1`) and the guest
 * namespace's (`rd-acme-1`, which the compute hook addresses), so one name works everywhere.
 */
export const WORKLOADS: readonly LabWorkload[] = [
  wl('acme-1', 'acme', 'hv1', '198.51.100.10', '2001:db8:a:10'),
  wl('acme-2', 'acme', 'hv2', '198.51.100.11', '2001:db8:a:11'),
  wl('acme-3', 'acme', 'hv3', '198.51.100.12', '2001:db8:a:12'),
  wl('globex-1', 'globex', 'hv2', '203.0.113.10', '2001:db8:b:10'),
  wl('globex-2', 'globex', 'hv3', '203.0.113.11', '2001:db8:b:11'),
  wl('globex-3', 'globex', 'hv1', '203.0.113.12', '2001:db8:b:12'),
];

function wl(name: string, tenant: string, host: string, ipv4: string, net6: string): LabWorkload {
  return {
    name,
    tenant,
    host,
    tap: `tap-${name}`,
    ipv4,
    ipv6Prefix: `${net6}::/64`,
    ipv6Address: `${net6}::1`,
  };
}

export interface FabricLink {
  router: string;
  hypervisor: string;
  /** Interface in the router's namespace (towards the hypervisor). */
  routerIf: string;
  /** Interface in the hypervisor's namespace (towards the router). */
  hypervisorIf: string;
}

/** Full mesh between the router and hypervisor tiers: each hypervisor has one point-to-point veth per router. */
export const FABRIC_LINKS: readonly FabricLink[] = DEVICES.filter((d) => d.role === 'hypervisor').flatMap(
  (hv) =>
    DEVICES.filter((d) => d.role === 'router').map((r) => ({
      router: r.name,
      hypervisor: hv.name,
      routerIf: `dn-${hv.name}`,
      hypervisorIf: `up-${r.name}`,
    })),
);

/** Namespace of a device or workload: `rd-hv1`, `rd-acme-1`. */
export function labNamespace(name: string): string {
  return `${NS_PREFIX}${name}`;
}

/**
 * A guest's end of its leg on `host` (`to-hv2`): one veth per hypervisor, the host end named like
 * the TAP. The compute hook moves the guest's default routes to `to-<target>`.
 */
export function guestIface(host: string): string {
  return `to-${host}`;
}

/** Root-namespace end of a device's management veth (`rd-mg-hv1`), enslaved to the bridge. */
export function mgmtHostIf(device: string): string {
  return `${NS_PREFIX}mg-${device}`;
}

export function bgpInterfaces(device: string): string[] {
  return FABRIC_LINKS.flatMap((l) =>
    l.router === device ? [l.routerIf] : l.hypervisor === device ? [l.hypervisorIf] : [],
  );
}

export function findDevice(name: string): LabDevice {
  const d = DEVICES.find((x) => x.name === name);
  if (!d) throw new Error(`unknown lab device ${name}`);
  return d;
}

export function findTenant(name: string): LabTenant {
  const t = TENANTS.find((x) => x.name === name);
  if (!t) throw new Error(`unknown lab tenant ${name}`);
  return t;
}

export function hypervisors(): LabDevice[] {
  return DEVICES.filter((d) => d.role === 'hypervisor');
}

/** All namespaces the lab creates, devices first (workloads are attached to hypervisors). */
export function allNamespaces(): string[] {
  return [...DEVICES.map((d) => labNamespace(d.name)), ...WORKLOADS.map((w) => labNamespace(w.name))];
}
