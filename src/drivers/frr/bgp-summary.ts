import { z } from 'zod';
import type { BgpSession } from '../../model/bgp.ts';
import { ParseError } from '../errors.ts';
import { parseJsonWith } from '../json.ts';

// FRR 9.0+ prints AS numbers in dot notation as strings (`"1.4"`) when `bgp as-notation dot` is set.
const Asn = z.union([z.number(), z.string()]);

// Fields FRR 7.5 lacks (`desc`, `localAs`, `peerState`) and ones topotest expectations omit are
// optional; extra fields from newer versions pass through untouched.
const PeerSchema = z.looseObject({
  hostname: z.string().optional(),
  desc: z.string().optional(),
  remoteAs: Asn.optional(),
  localAs: Asn.optional(),
  state: z.string().optional(),
  peerUptime: z.string().optional(),
  peerUptimeMsec: z.number().optional(),
  pfxRcd: z.number().optional(),
  pfxSnt: z.number().optional(),
  connectionsEstablished: z.number().optional(),
  connectionsDropped: z.number().optional(),
  idType: z.string().optional(),
});

const AfiSummarySchema = z.looseObject({
  as: Asn.optional(),
  vrfName: z.string().optional(),
  peers: z.record(z.string(), PeerSchema),
  failedPeers: z.number().optional(),
});
type AfiSummary = z.infer<typeof AfiSummarySchema>;
type Peer = z.infer<typeof PeerSchema>;

const ObjectMap = z.record(z.string(), z.record(z.string(), z.unknown()));

function isAfiSummary(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'peers' in v;
}

/** `idType` is missing from some captures: an address has `.` or `:`, an interface name has neither. */
function peerType(key: string, peer: Peer): BgpSession['peerType'] {
  if (peer.idType === 'ipv4' || peer.idType === 'ipv6' || peer.idType === 'interface') return peer.idType;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(key)) return 'ipv4';
  return key.includes(':') ? 'ipv6' : 'interface';
}

function sessionsOf(device: string, vrf: string, afiSafi: string, afi: AfiSummary): BgpSession[] {
  return Object.entries(afi.peers).map(([key, p]) => {
    const state = p.state ?? 'Unknown';
    const session: BgpSession = {
      device,
      vrf,
      afiSafi,
      peer: key,
      peerType: peerType(key, p),
      remoteAs: p.remoteAs === undefined ? '' : String(p.remoteAs),
      localAs: String(p.localAs ?? afi.as ?? ''),
      state,
      established: state === 'Established',
      // `peerUptime: "never"` comes with peerUptimeMsec 0: no time in any state is known then.
      uptimeMs: p.peerUptime === 'never' ? null : (p.peerUptimeMsec ?? null),
      prefixesReceived: p.pfxRcd ?? null,
      prefixesSent: p.pfxSnt ?? null,
      connectionsEstablished: p.connectionsEstablished ?? 0,
      connectionsDropped: p.connectionsDropped ?? 0,
    };
    if (p.hostname !== undefined) session.hostname = p.hostname;
    if (p.desc !== undefined) session.description = p.desc;
    return session;
  });
}

function parseAfi(value: unknown, where: string): AfiSummary {
  const parsed = AfiSummarySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParseError(
      `unexpected BGP summary at ${[where, ...(issue?.path ?? [])].join('.')}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/**
 * `show bgp vrf all summary json` ({vrf: {afi: summary}}), `show bgp summary json` ({afi: summary})
 * or a single-AFI `show bgp ipv4 summary json` ({peers…}, AFI reported as `unknown`). `{}` means
 * BGP is not running: no sessions, not an error.
 */
export function parseBgpSummary(text: string, device: string): BgpSession[] {
  const doc = parseJsonWith(ObjectMap.or(z.looseObject({ peers: z.unknown() })), text, 'BGP summary');
  if (isAfiSummary(doc)) {
    const afi = parseAfi(doc, '(root)');
    return sessionsOf(device, afi.vrfName ?? 'default', 'unknown', afi);
  }
  const entries = Object.entries(doc as Record<string, Record<string, unknown>>);
  const perAfi = entries.some(([, v]) => isAfiSummary(v));
  const out: BgpSession[] = [];
  for (const [key, value] of entries) {
    if (perAfi) {
      const afi = parseAfi(value, key);
      out.push(...sessionsOf(device, afi.vrfName ?? 'default', key, afi));
      continue;
    }
    // A VRF with BGP but no peers prints `{}`.
    for (const [afiName, afiValue] of Object.entries(value)) {
      out.push(...sessionsOf(device, key, afiName, parseAfi(afiValue, `${key}.${afiName}`)));
    }
  }
  return out;
}
