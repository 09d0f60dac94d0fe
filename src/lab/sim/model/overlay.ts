/**
 * The lab routers' overlay, simulated: a WireGuard tunnel spine1 ↔ spine2 (handshakes every two
 * minutes while up, counters growing), an EVPN L3 VNI per tenant VRF with the other routers'
 * loopbacks as remote VTEPs, and one VRRP group (highest priority is MASTER). Faults break each.
 * Rendered as the real tools print it: `wg show all <field>`, keepalived's JSON dump, zebra's
 * `show evpn vni json` / `show evpn next-hops vni all json`, and the VyOS config (1.4+ paths).
 */
import { createHash } from 'node:crypto';
import type { VyosConfigJson } from '../types.ts';
import { ToolError } from './errors.ts';

export const OVERLAY_FAULTS = ['wg-peer-down', 'vrrp-failover', 'vrrp-split-brain', 'vtep-down'] as const;
export type OverlayFaultKind = (typeof OVERLAY_FAULTS)[number];

export interface OverlayRouter {
  name: string;
  routerId: string;
  mac: string;
}

/** WireGuard re-keys every 120 s while the tunnel carries traffic. */
const REKEY_MS = 120_000;
const WG_PORT = 51820;
const VRRP = { name: 'LAN', interface: 'eth0', vrid: 10, address: '198.18.0.1/24' };
/** How long ago a `wg-peer-down` tunnel went silent, unless told: past the 3-minute staleness mark. */
export const DEFAULT_WG_DOWN_AGO_MS = 240_000;

function labKey(seed: string): string {
  return createHash('sha256').update(`routedeck-lab-wg-${seed}`).digest('base64');
}

export const vniOf = (table: number): number => 10_000 + table;

interface Tunnel {
  a: string;
  b: string;
  since: number;
  /** Handshakes happen at this time plus whole re-key periods. */
  hsBase: number;
  /** Bytes a second each way. */
  rateAB: number;
  rateBA: number;
  /** When it went silent (wg-peer-down), else null. */
  downAt: number | null;
}

export class SimOverlay {
  private readonly tunnels: Tunnel[] = [];
  private readonly vtepDown = new Set<string>();
  private readonly vrrpFault = new Map<string, 'fault' | 'split-brain'>();
  private readonly vrrpState = new Map<string, { state: number; since: number }>();

  constructor(
    private readonly routers: readonly OverlayRouter[],
    private readonly vrfs: readonly { vrf: string; table: number }[],
    private readonly now: () => number,
    bootedAt: number,
  ) {
    const [r1, r2] = routers;
    if (r1 && r2)
      this.tunnels.push({
        a: r1.name,
        b: r2.name,
        since: bootedAt,
        hsBase: bootedAt,
        rateAB: 12_400,
        rateBA: 9_100,
        downAt: null,
      });
    for (const r of routers) this.vrrpState.set(r.name, { state: -1, since: bootedAt });
    this.electVrrp(bootedAt);
  }

  private router(name: string): OverlayRouter {
    const r = this.routers.find((x) => x.name === name);
    if (!r)
      throw new Error(`${name} is not a router of the lab (${this.routers.map((x) => x.name).join(', ')})`);
    return r;
  }

  private index(name: string): number {
    return this.routers.findIndex((r) => r.name === name);
  }

  publicKey(name: string): string {
    return labKey(`${name}-public`);
  }

  private endpoint(name: string): string {
    return `127.0.1.${this.index(name) + 1}:${WG_PORT}`;
  }

  private tunnelAddress(name: string, tunnel: Tunnel): string {
    return `10.254.0.${name === tunnel.a ? 1 : 2}`;
  }

  /** Each (interface, peer) of a router: the far end of each tunnel it is part of. */
  private peersOf(name: string): { tunnel: Tunnel; peer: string; inbound: number; outbound: number }[] {
    return this.tunnels.flatMap((t) =>
      t.a === name
        ? [{ tunnel: t, peer: t.b, inbound: t.rateBA, outbound: t.rateAB }]
        : t.b === name
          ? [{ tunnel: t, peer: t.a, inbound: t.rateAB, outbound: t.rateBA }]
          : [],
    );
  }

  /** `wg show all <field>`, tab-separated with the interface first, as wg(8) prints it. */
  wgShow(name: string, field: string, root: boolean): string {
    if (!root) throw new ToolError('Unable to access interface: Operation not permitted\n', 1);
    const now = this.now();
    const lines: string[] = [];
    for (const { tunnel: t, peer, inbound, outbound } of this.peersOf(name)) {
      const upTo = t.downAt ?? now;
      const elapsed = Math.max(0, upTo - t.since);
      const hs = t.hsBase + Math.floor(Math.max(0, upTo - t.hsBase) / REKEY_MS) * REKEY_MS;
      // A silent tunnel still sends handshake initiations (148 bytes every 5 s).
      const retries = t.downAt === null ? 0 : Math.floor(Math.max(0, now - t.downAt) / 5000) * 148;
      const key = this.publicKey(peer);
      const value: Record<string, string> = {
        endpoints: this.endpoint(peer),
        'allowed-ips': `${this.tunnelAddress(peer, t)}/32 ${this.router(peer).routerId}/32`,
        'latest-handshakes': String(Math.floor(hs / 1000)),
        transfer: `${Math.floor((elapsed / 1000) * inbound)}\t${Math.floor((elapsed / 1000) * outbound) + retries}`,
        'persistent-keepalive': '25',
      };
      const v = value[field];
      if (v === undefined)
        throw new ToolError(`Invalid subcommand: \`${field}\`\nUsage: wg show [<interface> | all]\n`, 1);
      lines.push(`wg0\t${key}\t${v}\n`);
    }
    return lines.join('');
  }

  private remoteVteps(name: string): OverlayRouter[] {
    if (this.vtepDown.has(name)) return [];
    return this.routers.filter((r) => r.name !== name && !this.vtepDown.has(r.name));
  }

  /** zebra's `show evpn vni json` (L3 entries, zl3vni_print_hash); empty without VRFs. */
  evpnVniJson(name: string): string {
    if (this.vrfs.length === 0) return '';
    const out: Record<string, unknown> = {};
    const n = this.remoteVteps(name).length;
    for (const v of this.vrfs) {
      const vni = vniOf(v.table);
      out[String(vni)] = {
        vni,
        vxlanIf: `vxlan${vni}`,
        numMacs: n,
        numArpNd: n,
        numRemoteVteps: 'n/a',
        type: 'L3',
        tenantVrf: v.vrf,
      };
    }
    return `${JSON.stringify(out, null, 2)}\n`;
  }

  /** `show evpn next-hops vni all json`; a VNI without next-hops is left out, as zebra does. */
  evpnNexthopsJson(name: string): string {
    if (this.vrfs.length === 0) return '';
    const out: Record<string, Record<string, unknown>> = {};
    const remotes = this.remoteVteps(name);
    if (remotes.length)
      for (const v of this.vrfs) {
        const body: Record<string, unknown> = { numNextHops: remotes.length };
        for (const r of remotes) body[r.routerId] = { nexthopIp: r.routerId, routerMac: r.mac };
        out[String(vniOf(v.table))] = body;
      }
    return `${JSON.stringify(out, null, 2)}\n`;
  }

  private priority(name: string): number {
    return [200, 100][this.index(name)] ?? 50;
  }

  /** keepalived's election: the highest priority not in FAULT is MASTER; without adverts (split brain) all are. */
  private electVrrp(at: number): void {
    const healthy = this.routers.filter((r) => this.vrrpFault.get(r.name) !== 'fault');
    const top = [...healthy].sort((a, b) => this.priority(b.name) - this.priority(a.name))[0];
    const splitBrain = [...this.vrrpFault.values()].includes('split-brain');
    for (const r of this.routers) {
      const fault = this.vrrpFault.get(r.name);
      const state = fault === 'fault' ? 3 : splitBrain || r === top ? 2 : 1;
      const cur = this.vrrpState.get(r.name);
      if (cur?.state !== state) this.vrrpState.set(r.name, { state, since: at });
    }
  }

  /** `/tmp/keepalived.json` as keepalived writes it on SIGRTMIN+2 (vrrp_json.c, json_version 1). */
  keepalivedJson(name: string): string {
    const r = this.router(name);
    const cur = this.vrrpState.get(r.name) ?? { state: 0, since: this.now() };
    const prio = cur.state === 3 ? 0 : this.priority(name);
    const masterPrio = Math.max(...this.routers.map((x) => this.priority(x.name)));
    const data = {
      iname: VRRP.name,
      dont_track_primary: 0,
      skip_check_adv_addr: 0,
      strict_mode: 0,
      vmac_ifname: '',
      ifp_ifname: VRRP.interface,
      master_priority: cur.state === 1 ? masterPrio : 0,
      last_transition: Number((cur.since / 1000).toFixed(6)),
      garp_delay: 5,
      garp_refresh: 0,
      garp_rep: 5,
      garp_refresh_rep: 1,
      garp_lower_prio_delay: 5,
      garp_lower_prio_rep: 5,
      lower_prio_no_advert: 0,
      higher_prio_send_advert: 0,
      vrid: VRRP.vrid,
      base_priority: this.priority(name),
      effective_priority: prio,
      vipset: cur.state === 2,
      promote_secondaries: false,
      adver_int: 1,
      master_adver_int: 1,
      accept: 1,
      nopreempt: false,
      preempt_delay: 0,
      state: cur.state,
      wantstate: cur.state,
      version: 2,
      smtp_alert: false,
      notify_deleted: false,
      vips: [`${VRRP.address} dev ${VRRP.interface} scope global`],
    };
    const stats = {
      advert_rcvd: 0,
      advert_sent: 0,
      become_master: cur.state === 2 ? 1 : 0,
      release_master: 0,
    };
    return JSON.stringify([{ data, stats }]);
  }

  /** The overlay part of a router's VyOS config (1.4+ paths: `public-key`, VRRP `address`). */
  config(name: string): VyosConfigJson {
    const r = this.router(name);
    const out: VyosConfigJson = {};
    const peers: VyosConfigJson = {};
    for (const { tunnel, peer } of this.peersOf(name)) {
      const [host = '', port = ''] = this.endpoint(peer).split(':');
      peers[peer] = {
        'public-key': this.publicKey(peer),
        'allowed-ips': [`${this.tunnelAddress(peer, tunnel)}/32`, `${this.router(peer).routerId}/32`],
        address: host,
        port,
        'persistent-keepalive': '25',
      };
      out['wireguard'] = {
        wg0: {
          address: `${this.tunnelAddress(name, tunnel)}/30`,
          port: String(WG_PORT),
          'private-key': labKey(`${name}-private`),
          peer: peers,
        },
      };
    }
    const vxlan: VyosConfigJson = {};
    for (const v of this.vrfs) {
      const vni = vniOf(v.table);
      vxlan[`vxlan${vni}`] = { vni: String(vni), 'source-address': r.routerId, port: '4789', vrf: v.vrf };
    }
    if (Object.keys(vxlan).length) out['vxlan'] = vxlan;
    return {
      interfaces: out,
      'high-availability': {
        vrrp: {
          group: {
            [VRRP.name]: {
              interface: VRRP.interface,
              vrid: String(VRRP.vrid),
              priority: String(this.priority(name)),
              address: { [VRRP.address]: {} },
            },
          },
        },
      },
    };
  }

  /** Breaks one thing on a router; `agoMs` backdates a `wg-peer-down` (default 4 minutes). */
  fault(name: string, kind: OverlayFaultKind, agoMs = DEFAULT_WG_DOWN_AGO_MS): string {
    this.router(name);
    const now = this.now();
    switch (kind) {
      case 'wg-peer-down': {
        const tunnels = this.peersOf(name);
        if (tunnels.length === 0) throw new Error(`${name} has no WireGuard tunnel`);
        for (const { tunnel } of tunnels) tunnel.downAt ??= now - agoMs;
        return `WireGuard tunnel ${tunnels.map((t) => `${t.tunnel.a}↔${t.tunnel.b}`).join(', ')} silent since ${Math.round(agoMs / 1000)} s ago`;
      }
      case 'vtep-down':
        this.vtepDown.add(name);
        return `VTEP ${this.router(name).routerId} unreachable`;
      case 'vrrp-failover':
        this.vrrpFault.set(name, 'fault');
        this.electVrrp(now);
        return `VRRP ${VRRP.name} in FAULT (tracked interface down)`;
      case 'vrrp-split-brain':
        this.vrrpFault.set(name, 'split-brain');
        this.electVrrp(now);
        return `VRRP ${VRRP.name} adverts from ${name} lost: every router MASTER`;
    }
  }

  /** Ends the overlay faults of one router (or all); a tunnel comes back with a fresh handshake. */
  clear(name?: string): void {
    const now = this.now();
    for (const t of this.tunnels)
      if (t.downAt !== null && (name === undefined || t.a === name || t.b === name)) {
        // The tunnel resumes: counters go on from where they stopped, with a handshake now.
        t.since += now - t.downAt;
        t.hsBase = now;
        t.downAt = null;
      }
    for (const n of name === undefined ? this.routers.map((r) => r.name) : [name]) {
      this.vtepDown.delete(n);
      this.vrrpFault.delete(n);
    }
    this.electVrrp(now);
  }

  /** Faults in force, for the control socket's status. */
  status(): { device: string; faults: string[] }[] {
    return this.routers.map((r) => ({
      device: r.name,
      faults: [
        ...(this.tunnels.some((t) => t.downAt !== null && (t.a === r.name || t.b === r.name))
          ? ['wg-peer-down']
          : []),
        ...(this.vtepDown.has(r.name) ? ['vtep-down'] : []),
        ...(this.vrrpFault.get(r.name) === 'fault' ? ['vrrp-failover'] : []),
        ...(this.vrrpFault.get(r.name) === 'split-brain' ? ['vrrp-split-brain'] : []),
      ],
    }));
  }
}
