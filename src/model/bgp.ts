/** AFI/SAFI as FRR names them in JSON (`ipv4Unicast`, `ipv6Unicast`, `l2VpnEvpn`, `ipv4Vpn`, …). */
export type AfiSafi = string;

export interface BgpSession {
  device: string;
  vrf: string;
  afiSafi: AfiSafi;
  /** The key FRR uses: an IP address, or an interface name for unnumbered peers. */
  peer: string;
  peerType: 'ipv4' | 'ipv6' | 'interface';
  hostname?: string;
  description?: string;
  /** AS numbers as text: FRR 9+ may print dotted notation (`"1.4"`). */
  remoteAs: string;
  localAs: string;
  /** FRR's state text: `Established`, `Active`, `Idle (Admin)`, … */
  state: string;
  established: boolean;
  /**
   * Milliseconds the session had been in its current state when FRR was asked (the snapshot's
   * `bgpReadAt`, else its `collectedAt`); `uptimeAsOfPoll` gives it as of the poll that confirmed it.
   */
  uptimeMs: number | null;
  prefixesReceived: number | null;
  prefixesSent: number | null;
  connectionsEstablished: number;
  connectionsDropped: number;
}

/**
 * A session's time in state as of its snapshot's poll: a poll whose probes confirm the sessions
 * unchanged keeps the held ones (the same objects, no copy of thousands of sessions a router every 2 s)
 * and says when they were read (`bgpReadAt`); they stayed in their state since.
 */
export function uptimeAsOfPoll(
  session: Pick<BgpSession, 'uptimeMs'>,
  snapshot: { collectedAt: number; bgpReadAt?: number },
): number | null {
  if (session.uptimeMs === null) return null;
  return session.uptimeMs + Math.max(0, snapshot.collectedAt - (snapshot.bgpReadAt ?? snapshot.collectedAt));
}
