/** `show bgp [vrf all] neighbors json`: the fields the console and an engineer look at (FRR 8.4 names). */
import type { SessionEnd } from '../model/bgp-types.ts';
import type { SimNode } from '../model/node.ts';
import { AFI_KEYS, messageCounts, prefixCounts } from './frr-bgp-summary.ts';
import { vrfId } from './frr-routes.ts';
import { jsonC, type Json } from './json.ts';
import { frrUptime } from './uptime.ts';

function neighborJson(end: SessionEnd, now: number): Json {
  const up = end.state === 'Established';
  const m = messageCounts(end, now);
  const afi: Record<string, Json> = {};
  for (const [family, key] of AFI_KEYS) {
    const p = prefixCounts(end, family);
    afi[key] = {
      commAttriSentToNbr: 'extendedAndStandard',
      acceptedPrefixCounter: p.rcvd,
      sentPrefixCounter: p.sent,
    };
  }
  return {
    bgpNeighborAddr: end.remote.linkLocal,
    remoteAs: end.remote.localAs,
    localAs: end.localAs,
    nbrExternalLink: true,
    hostname: end.remote.device,
    bgpVersion: 4,
    remoteRouterId: up ? end.remote.routerId : '0.0.0.0',
    localRouterId: end.routerId,
    bgpState: end.state,
    bgpTimerUpMsec: up ? now - end.since : undefined,
    bgpTimerUpString: up ? frrUptime(now - end.since) : undefined,
    bgpTimerUpEstablishedEpoch: up ? Math.floor(end.since / 1000) : undefined,
    bgpTimerConfiguredHoldTimeMsecs: 9000,
    bgpTimerConfiguredKeepAliveIntervalMsecs: 3000,
    bgpTimerHoldTimeMsecs: 9000,
    bgpTimerKeepAliveIntervalMsecs: 3000,
    messageStats: { depthInq: 0, depthOutq: 0, totalSent: m.sent, totalRecv: m.rcvd },
    minBtwnAdvertisementRunsTimerMsecs: 0,
    addressFamilyInfo: afi,
    connectionsEstablished: end.connectionsEstablished,
    connectionsDropped: end.connectionsDropped,
    lastResetTimerMsecs: now - end.since,
    hostLocal: up ? end.linkLocal : undefined,
    portLocal: up ? 179 : undefined,
    hostForeign: up ? end.remote.linkLocal : undefined,
    nexthop: end.routerId,
    nexthopGlobal: end.linkLocal,
    nexthopLocal: end.linkLocal,
    bgpConnection: 'sharedNetwork',
    connectRetryTimer: 10,
  };
}

function vrfDoc(node: SimNode, vrf: string, now: number): Json {
  const doc: Record<string, Json> = { vrfId: vrfId(node, vrf), vrfName: vrf };
  for (const end of node.bgp.instances.get(vrf)?.sessions ?? []) doc[end.iface] = neighborJson(end, now);
  return doc;
}

export function neighborsJson(node: SimNode, vrf: string): string {
  const now = Date.now();
  const doc = vrfDoc(node, vrf, now) as Record<string, Json>;
  delete doc['vrfId'];
  delete doc['vrfName'];
  return `${jsonC(doc)}\n`;
}

export function neighborsVrfAllJson(node: SimNode): string {
  const now = Date.now();
  const names = [...node.bgp.instances.keys()];
  return `{\n${names.map((vrf) => `"${vrf}":${jsonC(vrfDoc(node, vrf, now))}\n`).join(',\n')}}\n`;
}
