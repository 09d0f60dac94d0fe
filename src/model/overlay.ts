/** A router's overlay: WireGuard peers, VXLAN interfaces and EVPN VNIs, VRRP groups. */

export interface WireguardPeer {
  device: string;
  interface: string;
  /** The peer's name in the VyOS config (`interfaces wireguard wg0 peer NAME`), when known. */
  name: string | null;
  publicKey: string;
  /** `host:port` the tunnel talks to, or null before the first packet. */
  endpoint: string | null;
  allowedIps: string[];
  /** Epoch ms of the latest handshake; null: never. */
  latestHandshakeAt: number | null;
  rxBytes: number;
  txBytes: number;
  /** In the config but absent from `wg show` (interface down or peer not applied). */
  configuredOnly?: boolean;
}

export interface VxlanInterface {
  device: string;
  name: string;
  vni: number | null;
  /** Static remotes (`remote`); EVPN learns its VTEPs instead (`parameters external`). */
  remotes: string[];
  sourceAddress: string | null;
  /** null when not configured: the default is 8472 on VyOS 1.3 and 4789 on 1.4+. */
  port: number | null;
  vrf: string | null;
  external: boolean;
}

export interface EvpnVni {
  device: string;
  vni: number;
  type: 'L2' | 'L3';
  vrf: string;
  vxlanInterface: string | null;
  /** L2: `remoteVteps`; L3: the VNI's next-hops (the VTEPs routes point at). */
  remoteVteps: string[];
}

export type VrrpState = 'INIT' | 'BACKUP' | 'MASTER' | 'FAULT' | 'UNKNOWN' | 'NOT RUNNING';

export interface VrrpGroup {
  device: string;
  name: string;
  interface: string;
  vrid: number;
  state: VrrpState;
  /** Effective priority when keepalived runs, else the configured one. */
  priority: number | null;
  addresses: string[];
  /** Epoch ms of the last state change, when known. */
  lastTransitionAt: number | null;
}

export interface OverlayState {
  wireguard: WireguardPeer[];
  vxlan: VxlanInterface[];
  vnis: EvpnVni[];
  vrrp: VrrpGroup[];
}

export const emptyOverlay = (): OverlayState => ({ wireguard: [], vxlan: [], vnis: [], vrrp: [] });

/** WireGuard re-keys every 2 minutes while traffic flows; no handshake for 3 minutes means the peer is gone. */
export const WG_HANDSHAKE_STALE_MS = 180_000;

export function wireguardProblem(peer: WireguardPeer, now: number): string | null {
  if (peer.configuredOnly) return 'configured but not in wg show';
  if (peer.latestHandshakeAt === null) return 'no handshake ever';
  const age = now - peer.latestHandshakeAt;
  return age > WG_HANDSHAKE_STALE_MS ? `no handshake for ${Math.round(age / 1000)} s` : null;
}

export function vniProblem(vni: EvpnVni): string | null {
  return vni.remoteVteps.length === 0 ? 'no remote VTEPs' : null;
}

/** VRRP groups are matched across routers by interface and VRID (the name is local to each router). */
export const vrrpGroupKey = (g: Pick<VrrpGroup, 'interface' | 'vrid'>): string => `${g.interface}/${g.vrid}`;

/**
 * Problems of each router's VRRP group member, judged across all routers: exactly one MASTER per
 * group (none: the address is dead; two: split brain), and no member in FAULT or not running.
 */
export function vrrpProblems(groups: readonly VrrpGroup[]): Map<VrrpGroup, string> {
  const masters = new Map<string, number>();
  for (const g of groups)
    masters.set(vrrpGroupKey(g), (masters.get(vrrpGroupKey(g)) ?? 0) + (g.state === 'MASTER' ? 1 : 0));
  const out = new Map<VrrpGroup, string>();
  for (const g of groups) {
    const n = masters.get(vrrpGroupKey(g)) ?? 0;
    if (n === 0) out.set(g, 'no MASTER');
    else if (n > 1) out.set(g, `${n} MASTERs (split brain)`);
    else if (g.state !== 'MASTER' && g.state !== 'BACKUP') out.set(g, `member ${g.state}`);
  }
  return out;
}

export type OverlayRowType = 'wireguard' | 'evpn' | 'vrrp';

/** One line of the overlay view (CLI and console): problems first, then by type and device. */
export interface OverlayRow {
  device: string;
  type: OverlayRowType;
  name: string;
  state: string;
  detail: string;
  problem: string | null;
}

function bytes(n: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)}${units[i]}`;
}

function age(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 120 ? `${s}s` : s < 7200 ? `${Math.round(s / 60)}m` : `${Math.round(s / 3600)}h`;
}

const TYPE_ORDER: Record<OverlayRowType, number> = { wireguard: 0, evpn: 1, vrrp: 2 };

export function overlayRows(overlays: readonly OverlayState[], now: number): OverlayRow[] {
  const rows: OverlayRow[] = [];
  for (const o of overlays) {
    for (const p of o.wireguard) {
      const problem = wireguardProblem(p, now);
      rows.push({
        device: p.device,
        type: 'wireguard',
        name: `${p.interface} ${p.name ?? p.publicKey.slice(0, 8)}`,
        state: problem ? 'down' : 'up',
        detail: [
          p.endpoint ?? '(no endpoint)',
          `hs ${p.latestHandshakeAt === null ? 'never' : `${age(now - p.latestHandshakeAt)} ago`}`,
          `rx ${bytes(p.rxBytes)} tx ${bytes(p.txBytes)}`,
        ].join(' '),
        problem,
      });
    }
    for (const v of o.vnis) {
      const problem = vniProblem(v);
      rows.push({
        device: v.device,
        type: 'evpn',
        name: `${v.type} ${v.vni}`,
        state: `${v.remoteVteps.length} VTEP${v.remoteVteps.length === 1 ? '' : 's'}`,
        detail: `vrf ${v.vrf} ${v.vxlanInterface ?? '-'} → ${v.remoteVteps.join(' ') || '-'}`,
        problem,
      });
    }
  }
  const groups = overlays.flatMap((o) => o.vrrp);
  const problems = vrrpProblems(groups);
  for (const g of groups)
    rows.push({
      device: g.device,
      type: 'vrrp',
      name: `${g.name} ${vrrpGroupKey(g)}`,
      state: g.state,
      detail: `prio ${g.priority ?? '-'} ${g.addresses.join(' ') || '-'}`,
      problem: problems.get(g) ?? null,
    });
  // Stable sort: what is broken first, then WireGuard, EVPN, VRRP in collection order.
  return rows.sort(
    (a, b) =>
      Number(b.problem !== null) - Number(a.problem !== null) || TYPE_ORDER[a.type] - TYPE_ORDER[b.type],
  );
}
