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
  /** Milliseconds the session has been in its current state, when FRR says. */
  uptimeMs: number | null;
  prefixesReceived: number | null;
  prefixesSent: number | null;
  connectionsEstablished: number;
  connectionsDropped: number;
}
