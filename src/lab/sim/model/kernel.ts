/**
 * A Linux host's network state as the kernel holds it: links (with VRF enslavement and carrier),
 * addresses and the routes someone added. Connected, local and FRR-installed routes are derived
 * when listed, so they can never disagree with the addresses or with zebra.
 */
import type { Family } from '../../../model/route.ts';
import { eui64LinkLocal, type Prefix } from './addr.ts';
import { rtnetlink, ToolError } from './errors.ts';

export type LinkKind = 'loopback' | 'ether' | 'veth' | 'tun' | 'vrf' | 'dummy' | 'vlan';

export interface LinkAddress {
  family: Family;
  /** Address text as iproute2 prints it. */
  local: string;
  prefixlen: number;
  scope: 'global' | 'link' | 'host';
  nodad?: boolean;
}

export interface Link {
  index: number;
  name: string;
  kind: LinkKind;
  mac: string;
  mtu: number;
  up: boolean;
  master?: string;
  /** VRF devices: their routing table. */
  table?: number;
  /** VLAN sub-interfaces: parent and id. */
  parent?: string;
  vlanId?: number;
  addrs: LinkAddress[];
}

/** A route somebody added with `ip route` (or the lab at boot): iproute2's protocol `boot`. */
export interface KernelRoute {
  prefix: Prefix;
  table: number;
  dev: string;
  gateway?: string;
  metric: number;
  protocol: string;
  addedAt: number;
}

export const MAIN_TABLE = 254;
export const LOCAL_TABLE = 255;

/** iproute2's default metrics: none (0) for IPv4, 1024 for IPv6. */
export function defaultMetric(family: Family): number {
  return family === 4 ? 0 : 1024;
}

function routeKey(r: Pick<KernelRoute, 'table' | 'prefix' | 'metric'>): string {
  return `${r.table}|${r.prefix.text}|${r.metric}`;
}

export class Kernel {
  readonly links = new Map<string, Link>();
  readonly routes: KernelRoute[] = [];
  /** Routes per `table|prefix|metric` and per device, so adding one or flushing a link scans nothing. */
  private readonly routeKeys = new Map<string, KernelRoute>();
  private readonly routesPerDev = new Map<string, number>();
  private nextIndex = 1;
  private byVrf?: { version: number; map: Map<string, Link[]> };
  /** Bumped on every change, so the device can re-run redistribution only when needed. */
  version = 0;

  constructor(private readonly now: () => number) {}

  addLink(name: string, kind: LinkKind, mac: string, extra: Partial<Link> = {}): Link {
    if (this.links.has(name)) throw rtnetlink('File exists');
    const link: Link = {
      index: this.nextIndex++,
      name,
      kind,
      mac,
      mtu: kind === 'loopback' ? 65536 : kind === 'vrf' ? 65575 : 1500,
      up: kind === 'loopback',
      addrs: [],
      ...extra,
    };
    if (kind === 'loopback') {
      link.addrs.push({ family: 4, local: '127.0.0.1', prefixlen: 8, scope: 'host' });
      link.addrs.push({ family: 6, local: '::1', prefixlen: 128, scope: 'host' });
    }
    this.links.set(name, link);
    this.version++;
    return link;
  }

  link(name: string): Link {
    const link = this.links.get(name);
    if (!link) throw new ToolError(`Cannot find device "${name}"\n`, 1);
    return link;
  }

  /** The kernel adds the EUI-64 link-local when an ethernet-like link first comes up. */
  setUp(name: string, up: boolean): void {
    const link = this.link(name);
    if (link.up === up) return;
    link.up = up;
    if (up && link.kind !== 'loopback' && link.kind !== 'vrf') {
      const ll = eui64LinkLocal(link.mac);
      if (!link.addrs.some((a) => a.local === ll))
        link.addrs.push({ family: 6, local: ll, prefixlen: 64, scope: 'link' });
    }
    // IPv4 routes through a link that goes down are flushed by the kernel (fib_sync_down_dev).
    if (!up && this.routesPerDev.has(name)) this.removeRoutes((r) => r.dev === name && r.prefix.family === 4);
    this.version++;
  }

  setMaster(name: string, master: string | undefined): void {
    const link = this.link(name);
    if (master !== undefined) {
      const vrf = this.links.get(master);
      if (!vrf) throw new ToolError(`Device "${master}" does not exist.\n`, 1);
      if (vrf.kind !== 'vrf') throw rtnetlink('Operation not supported');
    }
    if (link.master === master) return;
    // Enslaving moves the link's routes out of its old table, as the kernel flushes them.
    if (this.routesPerDev.has(name)) this.removeRoutes((r) => r.dev === name);
    if (master === undefined) delete link.master;
    else link.master = master;
    this.version++;
  }

  deleteLink(name: string): void {
    const link = this.link(name);
    this.links.delete(name);
    this.removeRoutes((r) => r.dev === name);
    for (const other of this.links.values()) {
      if (other.master === name) delete other.master;
      if (other.parent === name) this.links.delete(other.name);
    }
    void link;
    this.version++;
  }

  addAddress(name: string, addr: LinkAddress): void {
    const link = this.link(name);
    // As Linux 6.x answers (extended ack); older kernels print only "RTNETLINK answers: File exists".
    if (link.addrs.some((a) => a.local === addr.local && a.family === addr.family))
      throw new ToolError(
        addr.family === 4
          ? 'Error: ipv4: Address already assigned.\n'
          : 'Error: ipv6: address already assigned.\n',
        2,
      );
    link.addrs.push(addr);
    this.version++;
  }

  deleteAddress(name: string, family: Family, local: string, prefixlen: number): void {
    const link = this.link(name);
    const i = link.addrs.findIndex(
      (a) => a.family === family && a.local === local && a.prefixlen === prefixlen,
    );
    if (i < 0)
      throw new ToolError(
        family === 4 ? 'Error: ipv4: Address not found.\n' : 'Error: ipv6: address not found.\n',
        2,
      );
    link.addrs.splice(i, 1);
    this.version++;
  }

  /** The routing table a link's routes live in: its VRF's, or main. */
  tableOf(dev: string): number {
    const master = this.links.get(dev)?.master;
    return (master !== undefined ? this.links.get(master)?.table : undefined) ?? MAIN_TABLE;
  }

  vrfByTable(table: number): Link | undefined {
    for (const l of this.links.values()) if (l.kind === 'vrf' && l.table === table) return l;
    return undefined;
  }

  /** Non-VRF links per VRF name ('default' for unenslaved ones), in link order; rebuilt after a change. */
  linksByVrf(): ReadonlyMap<string, readonly Link[]> {
    if (this.byVrf?.version !== this.version) {
      const map = new Map<string, Link[]>();
      for (const link of this.links.values()) {
        if (link.kind === 'vrf') continue;
        const master = link.master !== undefined ? this.links.get(link.master) : undefined;
        const vrf = master?.kind === 'vrf' ? master.name : 'default';
        const list = map.get(vrf);
        if (list) list.push(link);
        else map.set(vrf, [link]);
      }
      this.byVrf = { version: this.version, map };
    }
    return this.byVrf.map;
  }

  vrfs(): Link[] {
    return [...this.links.values()].filter((l) => l.kind === 'vrf');
  }

  /** `ip route add`: the same destination and metric in one table is EEXIST, as with NLM_F_EXCL. */
  addRoute(route: Omit<KernelRoute, 'addedAt'>, replace = false): void {
    const link = this.link(route.dev);
    if (route.prefix.family === 4 && !link.up) throw new ToolError('Error: Nexthop device is not up.\n', 2);
    const existing = this.routeKeys.get(routeKey(route));
    if (existing && !replace) throw rtnetlink('File exists');
    if (existing) this.removeRoutes((r) => r === existing);
    const added = { ...route, addedAt: this.now() };
    this.routes.push(added);
    this.routeKeys.set(routeKey(added), added);
    this.routesPerDev.set(added.dev, (this.routesPerDev.get(added.dev) ?? 0) + 1);
    this.version++;
  }

  /**
   * `ip route del`: an unspecified metric or device matches any (IPv4's metric 0 too, as in
   * fib_table_delete); of several matches the kernel deletes the lowest metric, whatever was added
   * first (checked on Linux 6.x: v4 0 before 512, v6 512 before 1024). No match is ESRCH.
   */
  deleteRoute(prefix: Prefix, table: number, dev?: string, metric?: number): void {
    const any = metric === undefined || (prefix.family === 4 && metric === 0);
    let i = -1;
    this.routes.forEach((r, at) => {
      if (r.table !== table || r.prefix.text !== prefix.text) return;
      if (dev !== undefined && r.dev !== dev) return;
      if (!any && r.metric !== metric) return;
      if (i < 0 || r.metric < this.routes[i]!.metric) i = at;
    });
    if (i < 0) throw rtnetlink('No such process');
    this.forget(this.routes[i]!);
    this.routes.splice(i, 1);
    this.version++;
  }

  private removeRoutes(match: (r: KernelRoute) => boolean): void {
    for (let i = this.routes.length - 1; i >= 0; i--) {
      const r = this.routes[i];
      if (r && match(r)) {
        this.forget(r);
        this.routes.splice(i, 1);
      }
    }
  }

  private forget(r: KernelRoute): void {
    this.routeKeys.delete(routeKey(r));
    const left = (this.routesPerDev.get(r.dev) ?? 0) - 1;
    if (left > 0) this.routesPerDev.set(r.dev, left);
    else this.routesPerDev.delete(r.dev);
  }

  /** A link carries traffic: admin up (simulated TAPs have their guest attached, so carrier too). */
  operational(dev: string): boolean {
    const link = this.links.get(dev);
    if (!link?.up) return false;
    if (link.parent !== undefined) return this.links.get(link.parent)?.up ?? false;
    return true;
  }
}
