/**
 * `show bgp [vrf NAME|all] summary [json]` as FRR 8.4 assembles it: the per-AFI objects are
 * json-c documents, the wrapping (`{`, `"ipv4Unicast":`, `,`) is written by hand around them —
 * which is why the capture's indentation restarts at each AFI.
 */
import type { Family } from '../../../model/route.ts';
import type { BgpInstance } from '../model/bgp.ts';
import { keyFamily, type SessionEnd } from '../model/bgp-types.ts';
import type { SimNode } from '../model/node.ts';
import { vrfId } from './frr-routes.ts';
import { jsonC, type Json } from './json.ts';
import { frrUptime } from './uptime.ts';

const KEEPALIVE_MS = 3000;
export const AFI_KEYS: [Family, string, string][] = [
  [4, 'ipv4Unicast', 'IPv4 Unicast'],
  [6, 'ipv6Unicast', 'IPv6 Unicast'],
];

/** Counters as they would have grown: one OPEN, UPDATEs as sent, a keepalive every 3 s while up. */
export function messageCounts(end: SessionEnd, now: number): { sent: number; rcvd: number } {
  const keepalives = end.state === 'Established' ? Math.floor((now - end.since) / KEEPALIVE_MS) : 0;
  const base = end.connectionsEstablished * 2;
  return { sent: base + end.msgSent + keepalives, rcvd: base + end.msgRcvd + keepalives };
}

export function prefixCounts(end: SessionEnd, family: Family): { rcvd: number; sent: number } {
  let rcvd = 0;
  let sent = 0;
  for (const k of end.accepted) if (keyFamily(k) === family) rcvd++;
  for (const k of end.adjOut.keys()) if (keyFamily(k) === family) sent++;
  return { rcvd, sent };
}

function peerJson(end: SessionEnd, family: Family, now: number): Json {
  const up = now - end.since;
  const msgs = messageCounts(end, now);
  const pfx = prefixCounts(end, family);
  return {
    hostname: end.remote.device,
    remoteAs: end.remote.localAs,
    localAs: end.localAs,
    version: 4,
    msgRcvd: msgs.rcvd,
    msgSent: msgs.sent,
    tableVersion: 0,
    outq: 0,
    inq: 0,
    peerUptime: frrUptime(up),
    peerUptimeMsec: Math.floor(up / 1000) * 1000,
    peerUptimeEstablishedEpoch: Math.floor(end.since / 1000),
    pfxRcd: pfx.rcvd,
    pfxSnt: pfx.sent,
    state: end.state,
    peerState: 'OK',
    connectionsEstablished: end.connectionsEstablished,
    connectionsDropped: end.connectionsDropped,
    idType: 'interface',
  };
}

/**
 * `summary failed`, `summary remote-as ASN`. As FRR 8.4's bgp_show_summary (fixtures/frr-8.4-prefix/):
 * a filter hides peers but `totalPeers` counts them all, and `failedPeers` only the peers shown; `failed`
 * with no failed peer prints only `failedPeersCount`, `dynamicPeers` and `totalPeers`.
 */
export type SummaryFilter = { failed: true } | { remoteAs: string };

function afiJson(
  node: SimNode,
  inst: BgpInstance,
  family: Family,
  now: number,
  filter?: SummaryFilter,
): Json {
  const failedCount = inst.sessions.filter((s) => s.state !== 'Established').length;
  if (filter && 'failed' in filter && failedCount === 0)
    return { failedPeersCount: 0, dynamicPeers: 0, totalPeers: inst.sessions.length };
  const shown = inst.sessions.filter((end) =>
    !filter
      ? true
      : 'failed' in filter
        ? end.state !== 'Established'
        : String(end.remote.localAs) === filter.remoteAs,
  );
  const peers: Record<string, Json> = {};
  for (const end of shown) peers[end.iface] = peerJson(end, family, now);
  const ribCount = [...inst.dests.values()].filter((d) => d.family === family).length;
  return {
    routerId: inst.routerId,
    as: inst.as,
    vrfId: vrfId(node, inst.vrf),
    vrfName: inst.vrf,
    tableVersion: inst.tableVersion[family],
    ribCount,
    ribMemory: ribCount * 192,
    peerCount: inst.sessions.length,
    peerMemory: inst.sessions.length * 741464,
    peers,
    failedPeers: shown.filter((s) => s.state !== 'Established').length,
    displayedPeers: shown.length,
    totalPeers: inst.sessions.length,
    dynamicPeers: 0,
    bestPath: { multiPathRelax: 'false' },
  };
}

/** One instance's `{"ipv4Unicast":…,"ipv6Unicast":…}` block; `{}` when it has no peers. */
function instanceBlock(
  node: SimNode,
  inst: BgpInstance,
  families: Family[],
  now: number,
  filter?: SummaryFilter,
): string {
  if (inst.sessions.length === 0) return '{}\n';
  const parts = AFI_KEYS.filter(([f]) => families.includes(f)).map(
    ([f, key]) => `"${key}":${jsonC(afiJson(node, inst, f, now, filter))}\n`,
  );
  return `{\n${parts.join(',\n')}}\n`;
}

export function bgpSummaryJson(
  node: SimNode,
  vrf: string,
  families: Family[] = [4, 6],
  filter?: SummaryFilter,
): string {
  const inst = node.bgp.instances.get(vrf);
  if (!inst) return '{}\n';
  return instanceBlock(node, inst, families, Date.now(), filter);
}

export function bgpSummaryVrfAllJson(
  node: SimNode,
  families: Family[] = [4, 6],
  filter?: SummaryFilter,
): string {
  const now = Date.now();
  const names = [...node.bgp.instances.keys()].sort((a, b) =>
    a === 'default' ? -1 : b === 'default' ? 1 : a < b ? -1 : 1,
  );
  const blocks = names.map((vrf) => {
    const inst = node.bgp.instances.get(vrf) as BgpInstance;
    return `"${vrf}":${instanceBlock(node, inst, families, now, filter)}`;
  });
  return `{\n${blocks.join(',\n')}}\n`;
}

export function bgpSummaryText(node: SimNode, vrf: string): string {
  const inst = node.bgp.instances.get(vrf);
  if (!inst) return `% BGP instance not found\n`;
  const now = Date.now();
  const out: string[] = [];
  for (const [family, , label] of AFI_KEYS) {
    const ribCount = [...inst.dests.values()].filter((d) => d.family === family).length;
    out.push(
      '',
      `${label} Summary (VRF ${vrf}):`,
      `BGP router identifier ${inst.routerId}, local AS number ${inst.as} vrf-id ${vrfId(node, vrf)}`,
      `BGP table version ${inst.tableVersion[family]}`,
      `RIB entries ${ribCount}, using ${ribCount * 192} bytes of memory`,
      `Peers ${inst.sessions.length}, using ${inst.sessions.length * 724} KiB of memory`,
      '',
      'Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down State/PfxRcd   PfxSnd Desc',
    );
    for (const end of inst.sessions) {
      const m = messageCounts(end, now);
      const p = prefixCounts(end, family);
      const name = `${end.remote.device}(${end.iface})`;
      const state = end.state === 'Established' ? String(p.rcvd) : end.state;
      out.push(
        `${name.padEnd(15)} 4 ${String(end.remote.localAs).padStart(10)} ${String(m.rcvd).padStart(9)} ${String(m.sent).padStart(9)} ${'0'.padStart(8)} ${'0'.padStart(4)} ${'0'.padStart(4)} ${frrUptime(now - end.since).padStart(8)} ${state.padStart(12)} ${String(p.sent).padStart(8)} N/A`,
      );
    }
    out.push('', `Total number of neighbors ${inst.sessions.length}`);
  }
  return `${out.join('\n')}\n`;
}
