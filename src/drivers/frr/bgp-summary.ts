import { z } from 'zod';
import type { BgpSession } from '../../model/bgp.ts';
import { ParseError } from '../errors.ts';
import { parseJsonWith, shape, validated } from '../json.ts';

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
  // FRR ≤ 7.3 (bgp_vty.c bgp_show_summary): the older name, alone up to 6.0, removed in 7.4.
  prefixReceivedCount: z.number().optional(),
  pfxSnt: z.number().optional(),
  connectionsEstablished: z.number().optional(),
  connectionsDropped: z.number().optional(),
  idType: z.string().optional(),
});

export const AfiSummarySchema = z.looseObject({
  as: Asn.optional(),
  vrfName: z.string().optional(),
  peers: z.record(z.string(), PeerSchema),
  failedPeers: z.number().optional(),
});
type AfiSummary = z.infer<typeof AfiSummarySchema>;

const opt = shape.optional;
const asn = shape.either(shape.number, shape.string);
/** What AfiSummarySchema says, as plain checks (a router's summary holds a peer a host; zod explains refusals). */
export const isAfiSummaryShape = shape.object({
  as: opt(asn),
  vrfName: opt(shape.string),
  peers: shape.record(
    shape.object({
      hostname: opt(shape.string),
      desc: opt(shape.string),
      remoteAs: opt(asn),
      localAs: opt(asn),
      state: opt(shape.string),
      peerUptime: opt(shape.string),
      peerUptimeMsec: opt(shape.number),
      pfxRcd: opt(shape.number),
      prefixReceivedCount: opt(shape.number),
      pfxSnt: opt(shape.number),
      connectionsEstablished: opt(shape.number),
      connectionsDropped: opt(shape.number),
      idType: opt(shape.string),
    }),
  ),
  failedPeers: opt(shape.number),
});
type Peer = z.infer<typeof PeerSchema>;

/** Every name `get_afi_safi_json_str` (bgp_vty.c, 7.5 … HEAD) prints as an AFI/SAFI key. */
export const AFI_SAFI_KEYS: ReadonlySet<string> = new Set([
  ...['ipv4', 'ipv6'].flatMap((afi) =>
    ['Unicast', 'Multicast', 'LabeledUnicast', 'Vpn', 'Encap', 'Flowspec', 'Unreachability'].map(
      (safi) => afi + safi,
    ),
  ),
  'l2VpnEvpn',
  'linkState',
  'Unknown',
]);

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);
const isAfiSummary = (v: unknown): boolean => isObject(v) && 'peers' in v;
const isEmpty = (v: unknown): boolean => isObject(v) && Object.keys(v).length === 0;

/** `idType` is missing from some captures: an address has `.` or `:`, an interface name has neither. */
function peerType(key: string, peer: Peer): BgpSession['peerType'] {
  if (peer.idType === 'ipv4' || peer.idType === 'ipv6' || peer.idType === 'interface') return peer.idType;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(key)) return 'ipv4';
  return key.includes(':') ? 'ipv6' : 'interface';
}

/**
 * FRR's state texts, one string each: JSON.parse makes a new "Established" per session (a router with
 * 80k sessions held 80k copies, 2.5 MB).
 */
const states = new Map<string, string>();
function stateText(state: string): string {
  const known = states.get(state);
  if (known !== undefined) return known;
  if (states.size < 64) states.set(state, state);
  return state;
}

function sessionsOf(device: string, vrf: string, afiSafi: string, afi: AfiSummary): BgpSession[] {
  return Object.entries(afi.peers).map(([key, p]) => {
    const state = stateText(p.state ?? 'Unknown');
    // Every field in the literal, the optional ones too: a field added afterwards moves the session's
    // fields out of the object into a separate array (40 bytes more a session, 80k sessions a router).
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
      prefixesReceived: p.pfxRcd ?? p.prefixReceivedCount ?? null,
      prefixesSent: p.pfxSnt ?? null,
      connectionsEstablished: p.connectionsEstablished ?? 0,
      connectionsDropped: p.connectionsDropped ?? 0,
      hostname: p.hostname,
      description: p.desc,
    };
    return session;
  });
}

const where = (path: readonly PropertyKey[]): string =>
  path.map((p, i) => (i === 0 && typeof p === 'string' ? JSON.stringify(p) : String(p))).join('.');

/** One AFI's summary; `vrf` (when the key said which VRF) must agree with the `vrfName` FRR prints. */
function parseAfi(value: unknown, path: string[], vrf?: string): AfiSummary {
  const parsed = isAfiSummaryShape(value)
    ? { success: true as const, data: value as AfiSummary }
    : AfiSummarySchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ParseError(
      `unexpected BGP summary at ${where([...path, ...(issue?.path ?? [])])}: ${issue?.message}`,
    );
  }
  const name = parsed.data.vrfName;
  if (vrf !== undefined && name !== undefined && name !== vrf) {
    throw new ParseError(
      `unexpected BGP summary: VRF ${JSON.stringify(vrf)} holds vrfName ${JSON.stringify(name)}`,
    );
  }
  return parsed.data;
}

export interface BgpSummaryOptions {
  /** The AFI/SAFI the command asked for, for the single-AFI forms whose JSON does not say it. */
  afiSafi?: string;
  /**
   * `text` already parsed by the caller (JSON.parse of exactly that text): a router's summary at 1,000
   * hosts is ~20 MB, and its poll also reads the table versions and signature from it.
   */
  parsed?: unknown;
}

const shapeError = (what: string): ParseError => new ParseError(`unexpected BGP summary shape: ${what}`);

/**
 * The shapes FRR prints (bgp_vty.c bgp_show_summary_afi_safi / bgp_show_all_instances_summary_vty):
 *   {}                                  no BGP, or no peers: no sessions
 *   {peers…}                            `show bgp [vrf V] <afi> summary json`
 *   {<afi>: {peers…}}                   `show bgp [vrf V] summary json`
 *   {<vrf>: {<afi>: {peers…}} | {}}     `show bgp vrf all summary json`
 *   {<vrf>: {peers…} | {}}              `show bgp vrf all <afi> summary json`
 * AFI keys are the fixed set FRR prints; anything else is refused rather than guessed at.
 */
export function parseBgpSummary(text: string, device: string, opts: BgpSummaryOptions = {}): BgpSession[] {
  try {
    return readSummary(text, device, opts);
  } catch (err) {
    throw err instanceof ParseError ? err.onDevice(device) : err;
  }
}

function readSummary(text: string, device: string, opts: BgpSummaryOptions): BgpSession[] {
  if (text.trim() === '') throw new ParseError('output is empty (FRR prints {} when there is no BGP)');
  const record = z.record(z.string(), z.unknown());
  const doc =
    opts.parsed === undefined
      ? parseJsonWith(record, text, 'BGP summary')
      : validated(record, opts.parsed, 'BGP summary');
  const single = opts.afiSafi ?? 'unknown';
  if ('peers' in doc) {
    const afi = parseAfi(doc, ['(root)']);
    return sessionsOf(device, afi.vrfName ?? 'default', single, afi);
  }
  const keys = Object.keys(doc);
  const afiKeys = keys.filter((k) => AFI_SAFI_KEYS.has(k));
  if (afiKeys.length > 0 && afiKeys.length < keys.length) {
    const other = keys.find((k) => !AFI_SAFI_KEYS.has(k));
    throw shapeError(`top level mixes address families and other names (${JSON.stringify(other)})`);
  }
  if (afiKeys.length > 0) {
    return Object.entries(doc).flatMap(([key, value]) => {
      const afi = parseAfi(value, [key]);
      return sessionsOf(device, afi.vrfName ?? 'default', key, afi);
    });
  }
  // Keyed by VRF: every VRF holds AFIs, or every VRF is one AFI's summary (a VRF without peers: {}).
  const perAfi = Object.values(doc).some(isAfiSummary);
  const out: BgpSession[] = [];
  for (const [vrf, value] of Object.entries(doc)) {
    if (isEmpty(value)) continue;
    if (perAfi) {
      if (!isAfiSummary(value))
        throw shapeError(`VRF ${JSON.stringify(vrf)} is not one address family's summary like the others`);
      out.push(...sessionsOf(device, vrf, single, parseAfi(value, [vrf], vrf)));
      continue;
    }
    if (!isObject(value)) throw shapeError(`${JSON.stringify(vrf)} is neither a VRF nor an address family`);
    for (const [afiName, afiValue] of Object.entries(value)) {
      if (!AFI_SAFI_KEYS.has(afiName)) {
        throw shapeError(`${where([vrf, afiName])} is not an address family FRR prints`);
      }
      out.push(...sessionsOf(device, vrf, afiName, parseAfi(afiValue, [vrf, afiName], vrf)));
    }
  }
  return out;
}
