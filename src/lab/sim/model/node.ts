/**
 * One simulated device: its kernel, its FRR (zebra statics, bgpd, redistribution and the config
 * lines typed into vtysh), its nftables anti-spoofing sets, and for VyOS its config tree.
 * Everything a shell command changes goes through here, and `sync()` then brings BGP in line.
 */
import type { DeviceKind, DeviceRole } from '../../../model/device.ts';
import type { Family } from '../../../model/route.ts';
import { prefixContains, type Prefix } from './addr.ts';
import { BgpSpeaker, type BgpHost, type BgpInstance } from './bgp.ts';
import { destKey, keyFamily } from './bgp-types.ts';
import { Kernel } from './kernel.ts';
import type { SimOverlay } from './overlay.ts';
import { ribEntries, type RibEntry, type RibSources, type StaticRoute } from './rib.ts';

/** The elevated kernel metric of a migration target (Calico's 512): announced with MED 0. */
export const ELEVATED_METRIC = 512;
export const NORMAL_MED = 100;

export interface NodeSpec {
  name: string;
  role: DeviceRole;
  kind: DeviceKind;
  asn: number;
  routerId: string;
  alwaysCompareMed: boolean;
  /** Routers: send hypervisors only a default route instead of the whole table (large labs). */
  defaultToHosts?: boolean;
  /** Tenant pools per VRF: the hypervisor's redistribution prefix-lists. Empty on routers. */
  pools: Map<string, Prefix[]>;
}

export interface NftSets {
  allow4: Set<string>;
  allow6: Set<string>;
  /** The `spoofed` set's element counters: drops per TAP of packets from a source not allowed there. */
  spoofed: Map<string, { packets: number; bytes: number }>;
}

export class SimNode {
  readonly kernel: Kernel;
  readonly bgp: BgpSpeaker;
  readonly statics: StaticRoute[] = [];
  /** `vrf|family|kernel|static` entries that bgpd redistributes. */
  readonly redistribute = new Set<string>();
  /** Config lines accepted by vtysh, for `show running-config`. */
  readonly frrConfig: string[] = [];
  readonly nft: NftSets = { allow4: new Set(), allow6: new Set(), spoofed: new Map() };
  readonly bootedAt: number;
  /** Routers: the lab's overlay (WireGuard, EVPN, VRRP), shared by all of them. */
  overlay?: SimOverlay;
  private announced = new Map<string, string>();
  /** Bumped by config changes (statics, redistribution); with the kernel's version, says when to re-sync. */
  private changes = 0;
  private syncedAt = '';
  private readonly ribs = new Map<
    string,
    { stamp: string; inst: BgpInstance | undefined; entries: readonly RibEntry[] }
  >();

  constructor(
    readonly spec: NodeSpec,
    host: BgpHost,
    readonly now: () => number,
    bootedAt: number,
  ) {
    this.kernel = new Kernel(now);
    this.bgp = new BgpSpeaker(spec.asn, spec.routerId, spec.alwaysCompareMed, host);
    this.bootedAt = bootedAt;
  }

  get name(): string {
    return this.spec.name;
  }

  private readonly memos = new Map<string, { stamp: string; value: string }>();

  /**
   * What the kernel's route tables hold depends on: the kernel's links, addresses and routes, the
   * config, and zebra's tables (BGP's per-VRF/AFI versions, which `rib` is cached by).
   */
  routeStamp(): string {
    let stamp = `${this.kernel.version}|${this.changes}|${this.statics.length}`;
    for (const [vrf, inst] of this.bgp.instances)
      stamp += `|${vrf}:${inst.tableVersion[4]}/${inst.tableVersion[6]}`;
    return stamp;
  }

  /**
   * A rendered listing, kept while `stamp` holds: a fleet's hosts are polled every few seconds and
   * change rarely, and one process renders them all (most of the lab's CPU went to re-rendering).
   */
  memo(key: string, stamp: string, render: () => string): string {
    const last = this.memos.get(key);
    if (last && last.stamp === stamp) return last.value;
    const value = render();
    this.memos.set(key, { stamp, value });
    return value;
  }

  private digests: { text: string; hex: string }[] = [];

  /** `sha256sum` of a listing: the last few are kept (a poll's digests are of the same few listings). */
  sha256(text: string, hash: (text: string) => string): string {
    const hit = this.digests.find((d) => d.text === text);
    if (hit) return hit.hex;
    const hex = hash(text);
    this.digests = [{ text, hex }, ...this.digests.slice(0, 7)];
    return hex;
  }

  /** VRFs zebra knows: default plus every VRF device, in zebra's (name) order. */
  vrfNames(): string[] {
    return ['default', ...this.kernel.vrfs().map((l) => l.name)].sort();
  }

  /**
   * zebra's table for one VRF and family, rebuilt only when one of its sources changed (a router's
   * 100k routes are polled far more often than they change). Callers must not modify the entries.
   */
  rib(vrf: string, family: Family): readonly RibEntry[] {
    const inst = this.bgp.instances.get(vrf);
    const stamp = `${this.kernel.version}|${this.changes}|${this.statics.length}|${inst?.tableVersion[family] ?? -1}`;
    const key = `${vrf}|${family}`;
    const cached = this.ribs.get(key);
    if (cached && cached.stamp === stamp && cached.inst === inst) return cached.entries;
    const entries = ribEntries(this.ribSources(), vrf, family);
    this.ribs.set(key, { stamp, inst, entries });
    return entries;
  }

  /**
   * The hypervisors' route-map: only tenant pool routes — IPv4 /32 (`ge 32`), IPv6 /64 to /128
   * (`ge 64`: a workload's /64 and a floating /128) — MED by kernel metric.
   */
  private accepts(vrf: string, p: Prefix): boolean {
    if (this.spec.role !== 'hypervisor') return true;
    if (p.family === 4 ? p.length !== 32 : p.length < 64) return false;
    return (this.spec.pools.get(vrf) ?? []).some((pool) => prefixContains(pool, p));
  }

  private ribSources(): RibSources {
    return { kernel: this.kernel, bgp: this.bgp, statics: this.statics, bootedAt: this.bootedAt };
  }

  /** Statics or redistribution changed: the next sync() must look again. */
  touch(): void {
    this.changes++;
  }

  /** Re-runs redistribution into BGP after a change; a no-op when nothing changed since the last run. */
  sync(): void {
    const stamp = `${this.kernel.version}|${this.changes}`;
    if (stamp === this.syncedAt) return;
    this.syncedAt = stamp;
    const next = new Map<string, string>();
    const wanted: { vrf: string; prefix: Prefix; med: number; local: 'kernel' | 'static' }[] = [];
    // Only tables holding kernel or static routes can have something to redistribute.
    const sources = new Set(this.statics.map((s) => `${s.vrf}|${s.prefix.family}`));
    const vrfOfTable = new Map(this.kernel.vrfs().map((l) => [l.table, l.name]));
    for (const r of this.kernel.routes)
      sources.add(`${vrfOfTable.get(r.table) ?? 'default'}|${r.prefix.family}`);
    for (const vrf of this.bgp.instances.keys()) {
      for (const family of [4, 6] as const) {
        if (!sources.has(`${vrf}|${family}`)) continue;
        // Uncached: sync runs once per change, and caching every hypervisor's tables costs memory.
        for (const e of ribEntries(this.ribSources(), vrf, family)) {
          if (!e.selected || (e.protocol !== 'kernel' && e.protocol !== 'static')) continue;
          if (!this.redistribute.has(`${vrf}|${family}|${e.protocol}`) || !this.accepts(vrf, e.prefix))
            continue;
          const med = e.protocol === 'static' ? 0 : e.metric === ELEVATED_METRIC ? 0 : NORMAL_MED;
          const key = `${vrf}|${e.prefix.text}`;
          next.set(key, `${med}|${e.protocol}`);
          if (this.announced.get(key) !== `${med}|${e.protocol}`)
            wanted.push({ vrf, prefix: e.prefix, med, local: e.protocol });
        }
      }
    }
    for (const [key] of this.announced) {
      if (next.has(key)) continue;
      const [vrf = 'default', text = ''] = key.split('|');
      const dest = this.bgp.instances.get(vrf)?.dests.get(destKey(keyFamily(text), text));
      if (dest) this.bgp.originate(vrf, dest.prefix, null, 'kernel');
    }
    this.announced = next;
    for (const w of wanted)
      this.bgp.originate(w.vrf, w.prefix, { asPath: [], med: w.med, origin: 'incomplete' }, w.local);
  }
}
