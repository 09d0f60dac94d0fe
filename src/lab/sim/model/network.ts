/**
 * The running fabric: devices, the BGP sessions between them, the wire that carries UPDATEs with
 * their delay, and the event stream. Session faults (flaps, a VRF removed under its sessions)
 * are handled here because they always involve both ends.
 */
import type { SimEvent } from '../types.ts';
import type { PathAttrs, SessionEnd, SessionState } from './bgp-types.ts';
import type { BgpHost, BgpInstance } from './bgp.ts';
import type { Dest } from './bgp-types.ts';
import { SimNode, type NodeSpec } from './node.ts';
import type { Prng } from './prng.ts';
import { Wire } from './wire.ts';

export class SimNetwork {
  readonly nodes = new Map<string, SimNode>();
  readonly wire: Wire;
  private readonly listeners = new Set<(e: SimEvent) => void>();
  /** Per device: `ip monitor route` channels open on it (server/route-monitor.ts). */
  private readonly routeListeners = new Map<string, Set<(line: string) => void>>();
  private live = false;

  constructor(
    hopDelayMs: number,
    jitterMs: number,
    timingPrng: Prng,
    readonly bootedAt: number,
  ) {
    this.wire = new Wire(hopDelayMs, jitterMs, timingPrng);
  }

  /** Before going live the clock stands at "a minute after boot", so boot-time routes look settled. */
  readonly now = (): number => (this.live ? Date.now() : this.bootedAt + 60_000);

  addNode(spec: NodeSpec): SimNode {
    const host: BgpHost = {
      now: this.now,
      send: (from, dest, attrs) => this.send(from, dest, attrs),
      bestChanged: (d) => this.bestChanged(spec.name, d),
      neighborConfigured: () => this.pairConfiguredNeighbors(),
    };
    const node = new SimNode(spec, host, this.now, this.bootedAt);
    this.nodes.set(spec.name, node);
    return node;
  }

  node(name: string): SimNode | undefined {
    return this.nodes.get(name);
  }

  private send(from: SessionEnd, dest: Dest, attrs: PathAttrs | null): void {
    const { family, prefix } = dest;
    this.wire.send(from, () =>
      this.nodes.get(from.remote.device)?.bgp.receive(from.remote, family, prefix, attrs),
    );
  }

  private bestChanged(device: string, d: Dest): void {
    if (!this.live) return;
    const monitors = this.routeListeners.get(device);
    if (monitors && monitors.size > 0) {
      const line = monitorLine(d);
      for (const l of [...monitors]) l(line);
    }
    const where = d.vrf === 'default' ? '' : ` vrf ${d.vrf}`;
    const best = d.best;
    const via = !best
      ? 'withdrawn'
      : best.from === null
        ? `originated here (MED ${best.med ?? 0})`
        : `best via ${d.multipath.map((p) => `${p.from?.iface} (${p.from?.remote.device})`).join(', ')}, MED ${best.med ?? 0}`;
    this.emit(device, `route ${d.prefix.text}${where}: ${via}`);
  }

  /**
   * What `ip -o monitor route` prints on `device`: a line as zebra installs (or removes) a best path
   * in the kernel, which here is when its best path changes. Boot-time convergence prints nothing.
   */
  onRouteChange(device: string, listener: (line: string) => void): () => void {
    let set = this.routeListeners.get(device);
    if (!set) this.routeListeners.set(device, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.routeListeners.delete(device);
    };
  }

  onEvent(listener: (e: SimEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(device: string, message: string): void {
    const event: SimEvent = { at: Date.now(), device, message };
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch {
        // A listener's failure is its own; the fabric keeps running.
      }
    }
  }

  /** Wires an unnumbered session between two interfaces; both ends come up at boot. */
  connect(
    a: Omit<SessionEnd, 'remote' | SessionCounters>,
    b: Omit<SessionEnd, 'remote' | SessionCounters>,
    since: number,
  ): void {
    // One literal with every field, so all session ends share one hidden class (spreading made one each).
    const fresh = (x: typeof a, defaultOnly: boolean): SessionEnd => {
      const end: SessionEnd = {
        device: x.device,
        vrf: x.vrf,
        iface: x.iface,
        linkLocal: x.linkLocal,
        localAs: x.localAs,
        routerId: x.routerId,
        remote: undefined as unknown as SessionEnd,
        state: 'Established',
        since,
        connectionsEstablished: 1,
        connectionsDropped: 0,
        msgSent: 0,
        msgRcvd: 0,
        generation: 0,
        lastArrival: 0,
        adjOut: new Map(),
        accepted: new Set(),
        orphaned: x.orphaned ?? false,
        exportDefaultOnly: (x.exportDefaultOnly ?? false) || defaultOnly,
      };
      return end;
    };
    // Routers of a large lab send hypervisors only a default route.
    const defaultOnly = (near: typeof a, far: typeof a): boolean =>
      this.nodes.get(near.device)?.spec.defaultToHosts === true &&
      this.nodes.get(far.device)?.spec.role === 'hypervisor';
    const ea = fresh(a, defaultOnly(a, b));
    const eb = fresh(b, defaultOnly(b, a));
    ea.remote = eb;
    eb.remote = ea;
    for (const end of [ea, eb]) this.nodes.get(end.device)?.bgp.instance(end.vrf).sessions.push(end);
    for (const end of [ea, eb]) this.nodes.get(end.device)?.bgp.sessionUp(end);
  }

  /**
   * VRF-lite sessions configured after boot: a neighbor on VLAN sub-interface `E.N` in a VRF comes up
   * when the device at the other end of `E` (its default-VRF session there) has `E'.N` in a VRF with a
   * neighbor configured on it too.
   */
  pairConfiguredNeighbors(): void {
    // A router of a large lab has thousands of configured neighbors: sessions are looked up by
    // interface through indexes made once per call (and kept up to date as sessions are added).
    this.vlanIndex = { live: new Map(), bases: new Map() };
    try {
      this.pairAll();
    } finally {
      this.vlanIndex = undefined;
    }
  }

  private vlanIndex?: { live: Map<BgpInstance, Set<string>>; bases: Map<SimNode, Map<string, SessionEnd>> };

  private pairAll(): void {
    for (const node of this.nodes.values()) {
      for (const inst of node.bgp.instances.values()) {
        for (const iface of inst.configured ?? []) {
          const here = this.vlanEnd(node, inst.vrf, iface);
          if (!here) continue;
          const peer = this.nodes.get(here.base.remote.device);
          const farIface = `${here.base.remote.iface}.${here.vlanId}`;
          const farLink = peer?.kernel.links.get(farIface);
          if (!peer || farLink?.master === undefined) continue;
          const farInst = peer.bgp.instances.get(farLink.master);
          if (!farInst?.configured?.has(farIface) || !this.vlanEnd(peer, farInst.vrf, farIface)) continue;
          const end = (n: SimNode, vrf: string, name: string, linkLocal: string) => ({
            device: n.name,
            vrf,
            iface: name,
            linkLocal,
            localAs: n.spec.asn,
            routerId: n.spec.routerId,
          });
          this.connect(
            end(node, inst.vrf, iface, here.base.linkLocal),
            end(peer, farInst.vrf, farIface, here.base.remote.linkLocal),
            this.now(),
          );
          this.liveIfaces(inst).add(iface);
          this.liveIfaces(farInst).add(farIface);
          this.emit(
            node.name,
            `BGP neighbor ${iface} (${peer.name}) vrf ${inst.vrf}: configured -> Established`,
          );
        }
      }
    }
  }

  /** A configured VRF neighbor without a live session yet, on a VLAN sub-interface of an uplink. */
  private vlanEnd(node: SimNode, vrf: string, iface: string) {
    const inst = node.bgp.instances.get(vrf);
    if (!inst || this.liveIfaces(inst).has(iface)) return undefined;
    const link = node.kernel.links.get(iface);
    if (!link || link.master !== vrf || link.parent === undefined || link.vlanId === undefined)
      return undefined;
    const base = this.baseSessions(node).get(link.parent);
    return base ? { base, vlanId: link.vlanId } : undefined;
  }

  /** Interfaces with a live (not orphaned) session in an instance. */
  private liveIfaces(inst: BgpInstance): Set<string> {
    let set = this.vlanIndex?.live.get(inst);
    if (!set) {
      set = new Set(inst.sessions.filter((s) => !s.orphaned).map((s) => s.iface));
      this.vlanIndex?.live.set(inst, set);
    }
    return set;
  }

  /** A node's default-VRF sessions by interface (the first of each, as a search would find). */
  private baseSessions(node: SimNode): Map<string, SessionEnd> {
    let map = this.vlanIndex?.bases.get(node);
    if (!map) {
      map = new Map();
      for (const s of node.bgp.instances.get('default')?.sessions ?? [])
        if (!map.has(s.iface)) map.set(s.iface, s);
      this.vlanIndex?.bases.set(node, map);
    }
    return map;
  }

  /** Starts real-time propagation and events (after the boot-time convergence). */
  goLive(): void {
    this.wire.goLive();
    this.live = true;
  }

  findSession(device: string, peer: string): SessionEnd | undefined {
    const node = this.nodes.get(device);
    if (!node) return undefined;
    const all = [...node.bgp.instances.values()].flatMap((i) => i.sessions);
    return (
      all.find((e) => e.iface === peer) ?? all.find((e) => e.vrf === 'default' && e.remote.device === peer)
    );
  }

  private setState(end: SessionEnd, state: SessionState): void {
    const before = end.state;
    end.state = state;
    end.since = this.now();
    const vrf = end.vrf === 'default' ? '' : ` vrf ${end.vrf}`;
    this.emit(end.device, `BGP neighbor ${end.iface} (${end.remote.device})${vrf}: ${before} -> ${state}`);
  }

  /** Both ends drop; each withdraws what it learned over the session. */
  down(end: SessionEnd, localState: SessionState = 'Idle', remoteState: SessionState = 'Active'): void {
    if (end.state !== 'Established') return;
    for (const [e, s] of [
      [end, localState],
      [end.remote, remoteState],
    ] as const) {
      e.connectionsDropped++;
      e.generation++;
      e.lastArrival = 0;
      this.setState(e, s);
    }
    for (const e of [end, end.remote]) this.nodes.get(e.device)?.bgp.sessionDown(e);
  }

  up(end: SessionEnd): void {
    if (end.state === 'Established' || end.orphaned || end.remote.orphaned) return;
    for (const e of [end, end.remote]) {
      e.connectionsEstablished++;
      this.setState(e, 'Established');
    }
    for (const e of [end, end.remote]) this.nodes.get(e.device)?.bgp.sessionUp(e);
  }

  flap(device: string, peer: string, downMs: number): void {
    const end = this.findSession(device, peer);
    if (!end) throw new Error(`${device} has no BGP session ${peer}`);
    this.down(end);
    this.wire.after(downMs, () => this.up(end));
  }

  /** A VRF removed from a router: its sessions drop and the far ends stay down (no peer left). */
  removeVrf(node: SimNode, vrf: string): void {
    const inst = node.bgp.instances.get(vrf);
    for (const end of inst?.sessions ?? []) {
      this.down(end, 'Idle', 'Active');
      end.orphaned = true;
      end.remote.orphaned = true;
    }
    node.bgp.removeInstance(vrf);
    node.statics.splice(0, node.statics.length, ...node.statics.filter((s) => s.vrf !== vrf));
    for (const r of [...node.redistribute]) if (r.startsWith(`${vrf}|`)) node.redistribute.delete(r);
    if (node.kernel.links.has(vrf)) node.kernel.deleteLink(vrf);
    node.touch();
    this.emit(node.name, `VRF ${vrf} removed`);
  }

  close(): void {
    this.wire.close();
    this.listeners.clear();
  }
}

type SessionCounters =
  | 'state'
  | 'since'
  | 'connectionsEstablished'
  | 'connectionsDropped'
  | 'msgSent'
  | 'msgRcvd'
  | 'generation'
  | 'lastArrival'
  | 'adjOut'
  | 'accepted';

/**
 * A kernel route change as `ip -o monitor route` prints it (iproute2 6.1, seen on this machine): a host
 * route without its length, then next hop, device, table, protocol and metric (`pref medium` for IPv6);
 * `Deleted ` before a removed one. Next hops are the peers' link-locals, as FRR installs them.
 */
function monitorLine(d: Dest): string {
  const host = d.family === 6 ? '/128' : '/32';
  const dst = d.prefix.text.endsWith(host) ? d.prefix.text.slice(0, -host.length) : d.prefix.text;
  const table = d.vrf === 'default' ? '' : ` table ${d.vrf}`;
  const pref = d.family === 6 ? ' pref medium' : '';
  const best = d.best;
  if (best?.from === null) return `${dst} dev lo${table} proto kernel metric 0${pref}`;
  const via = (p: { from: { remote: { linkLocal: string }; iface: string } | null }) =>
    `via ${d.family === 6 ? '' : 'inet6 '}${p.from?.remote.linkLocal ?? '::'} dev ${p.from?.iface ?? '?'}`;
  if (!best) return `Deleted ${dst}${table} proto bgp metric 20${pref}`;
  if (d.multipath.length <= 1) return `${dst} ${via(best)}${table} proto bgp metric 20${pref}`;
  return `${dst}${table} proto bgp metric 20${pref} ${d.multipath.map((p) => `nexthop ${via(p)} weight 1`).join(' ')}`;
}
