/**
 * Overlay runtime state read over SSH: `wg show all <field>` (wireguard-tools), keepalived's JSON
 * dump (what VyOS's own `show vrrp` reads), and zebra's EVPN JSON. Pure parsers.
 */
import { z } from 'zod';
import type { EvpnVni, VrrpState } from '../../model/overlay.ts';
import { ParseError } from '../errors.ts';
import { parseJsonWith } from '../json.ts';

/** Between the `wg show all <field>` outputs of the one command (see overlay.ts). */
export const WG_SECTION_MARK = '---';
export const WG_FIELDS = ['endpoints', 'allowed-ips', 'latest-handshakes', 'transfer'] as const;

export interface WgRuntimePeer {
  interface: string;
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Epoch ms; null when `0` (never). */
  latestHandshakeAt: number | null;
  rxBytes: number;
  txBytes: number;
}

const KEY = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

/**
 * Four `wg show all <field>` outputs separated by `---` lines. Each line is
 * `<interface>\t<peer public key>\t<value…>` (wg(8): with `all`, the interface comes first).
 */
export function parseWgShowFields(text: string): WgRuntimePeer[] {
  const sections: string[][] = [[]];
  for (const line of text.split('\n')) {
    if (line.trim() === WG_SECTION_MARK) sections.push([]);
    else if (line.trim() !== '') sections[sections.length - 1]!.push(line);
  }
  if (sections.length !== WG_FIELDS.length)
    throw new ParseError(`expected ${WG_FIELDS.length} wg show sections, got ${sections.length}`);
  const peers = new Map<string, WgRuntimePeer>();
  sections.forEach((lines, i) => {
    const field = WG_FIELDS[i]!;
    for (const line of lines) {
      const cols = line.split('\t');
      const [iface, key, a, b] = cols;
      if (!iface || !key || !KEY.test(key) || a === undefined)
        throw new ParseError(`wg show ${field}: unexpected line ${JSON.stringify(line.slice(0, 80))}`);
      const id = `${iface}|${key}`;
      let peer = peers.get(id);
      if (!peer) {
        peer = {
          interface: iface,
          publicKey: key,
          endpoint: null,
          allowedIps: [],
          latestHandshakeAt: null,
          rxBytes: 0,
          txBytes: 0,
        };
        peers.set(id, peer);
      }
      const int = (v: string | undefined): number => {
        if (v === undefined || !/^\d+$/.test(v))
          throw new ParseError(`wg show ${field}: not a number ${JSON.stringify(v ?? '')} for ${iface}`);
        return Number(v);
      };
      if (field === 'endpoints') peer.endpoint = a === '(none)' ? null : a;
      else if (field === 'allowed-ips')
        peer.allowedIps = a === '(none)' ? [] : a.split(/[\s,]+/).filter(Boolean);
      else if (field === 'latest-handshakes') {
        const s = int(a);
        peer.latestHandshakeAt = s === 0 ? null : s * 1000;
      } else {
        peer.rxBytes = int(a);
        peer.txBytes = int(b);
      }
    }
  });
  return [...peers.values()];
}

const KeepalivedInstance = z.looseObject({
  data: z.looseObject({
    iname: z.string(),
    ifp_ifname: z.string().optional(),
    vrid: z.number().int(),
    state: z.number().int(),
    base_priority: z.number().int().optional(),
    effective_priority: z.number().int(),
    last_transition: z.number().optional(),
    vips: z.array(z.string()).optional(),
  }),
});
const KeepalivedDump = z.union([
  z.array(KeepalivedInstance),
  z.looseObject({ vrrp: z.array(KeepalivedInstance) }),
]);

export interface VrrpRuntime {
  name: string;
  interface: string;
  vrid: number;
  state: VrrpState;
  priority: number;
  addresses: string[];
  lastTransitionAt: number | null;
}

// keepalived's vrrp.h; VyOS's vrrp.py uses the same table.
const STATES: Record<number, VrrpState> = { 0: 'INIT', 1: 'BACKUP', 2: 'MASTER', 3: 'FAULT' };

/**
 * keepalived's `/tmp/keepalived.json` (vrrp_json.c): `[{data:{iname, ifp_ifname, vrid, state,
 * effective_priority, last_transition, vips:["192.0.2.1/24 dev eth1 scope global"]}, stats}]`, or
 * `{vrrp:[…]}` with `json_version 2`.
 */
export function parseKeepalivedJson(text: string): VrrpRuntime[] {
  if (text.trim() === '') return [];
  const parsed = parseJsonWith(KeepalivedDump, text, 'keepalived JSON');
  const list = Array.isArray(parsed) ? parsed : parsed.vrrp;
  return list.map(({ data: d }) => ({
    name: d.iname,
    interface: d.ifp_ifname ?? '?',
    vrid: d.vrid,
    state: STATES[d.state] ?? 'UNKNOWN',
    priority: d.effective_priority,
    // "192.0.2.1/24 dev eth1 scope global" → the address, as the config writes it.
    addresses: (d.vips ?? []).map((v) => v.split(' ')[0] ?? v),
    lastTransitionAt: d.last_transition ? Math.round(d.last_transition * 1000) : null,
  }));
}

// Topotest expectations leave out fields FRR always prints (`vni`, `vxlanIf`, `tenantVrf`), so
// only `type` is required; the key is the VNI.
const EvpnVniEntry = z.looseObject({
  vni: z.number().int().optional(),
  type: z.enum(['L2', 'L3']),
  vxlanIf: z.string().optional(),
  tenantVrf: z.string().optional(),
  remoteVteps: z.array(z.union([z.string(), z.looseObject({ ip: z.string() })])).optional(),
});

/**
 * `show evpn vni json` → `{"<vni>":{vni,type,vxlanIf,tenantVrf,numRemoteVteps,remoteVteps?}}`
 * (zebra_evpn_print_hash / zl3vni_print_hash, the same from 7.5 to 10.x; HEAD adds vlan, bridge).
 * L3 VNIs carry no VTEP list (`"n/a"`); they get the next-hops from `show evpn next-hops vni all
 * json`. Without EVPN, FRR up to 8.x prints nothing at all and 9.0+ prints `{}`. A document not keyed
 * by VNI (e.g. the per-VNI detail of `show evpn vni <vni> json`) is refused.
 */
export function parseEvpnVnis(
  text: string,
  device: string,
  l3Nexthops: ReadonlyMap<number, string[]> = new Map(),
): EvpnVni[] {
  if (text.trim() === '') return [];
  try {
    const parsed = parseJsonWith(z.record(z.string(), EvpnVniEntry), text, 'show evpn vni JSON');
    return Object.entries(parsed)
      .map(([key, v]) => {
        const vni = Number(key);
        if (!/^\d{1,8}$/.test(key) || (v.vni !== undefined && v.vni !== vni))
          throw new ParseError(`unexpected show evpn vni JSON: key ${JSON.stringify(key)} is not its VNI`);
        return {
          device,
          vni,
          type: v.type,
          vrf: v.tenantVrf ?? 'default',
          vxlanInterface: v.vxlanIf ?? null,
          remoteVteps:
            v.type === 'L3'
              ? [...(l3Nexthops.get(vni) ?? [])]
              : (v.remoteVteps ?? []).map((r) => (typeof r === 'string' ? r : r.ip)),
        };
      })
      .sort((a, b) => a.vni - b.vni);
  } catch (err) {
    throw err instanceof ParseError ? err.onDevice(device) : err;
  }
}

/**
 * `show evpn next-hops vni all json` → `{"<vni>":{"numNextHops":N,"<ip>":{nexthopIp,routerMac}}}`
 * (zl3vni_print_nh_hash_all_vni; a VNI without next-hops is left out). Empty without EVPN.
 */
export function parseEvpnNexthops(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  if (text.trim() === '') return out;
  const schema = z.record(z.string(), z.record(z.string(), z.unknown()));
  const parsed = parseJsonWith(schema, text, 'show evpn next-hops JSON');
  for (const [vni, body] of Object.entries(parsed)) {
    const ips = Object.entries(body)
      .filter(([key, v]) => key !== 'numNextHops' && typeof v === 'object' && v !== null)
      .map(([key]) => key);
    out.set(Number(vni), ips.sort());
  }
  return out;
}
