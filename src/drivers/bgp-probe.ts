/**
 * Cost proportional to change for BGP (issue 16): `show bgp vrf all summary json` is ~700 bytes a
 * peer per AFI — megabytes a poll on a router with a thousand hosts' sessions in each VRF. While the
 * last full read is younger than BGP_FULL_MS, a poll sends two probes of a few hundred bytes a VRF
 * instead, and keeps the sessions it holds when their signature is unchanged:
 *   - `summary remote-as 4294967295`: RFC 7300 reserves that AS, so no peer matches and FRR prints
 *     each VRF/AFI header alone: `tableVersion` (bumped by every best-path change) and `ribCount`;
 *   - `summary failed`: how many sessions are not Established (`failedPeersCount` when none).
 * A session that goes down or comes up moves the failed count, one added or removed `totalPeers`;
 * one that flaps and returns between probes withdraws and re-learns its routes, which moves the table
 * version. Held sessions' uptimes advance by the time since they were read (they stayed in their state).
 * What a poll reads when only table versions moved (the counters' age, per-VRF re-reads) is in
 * bgp-read.ts. Shapes: fixtures/frr-8.4-prefix/.
 */
import type { BgpSession } from '../model/bgp.ts';
import type { DeviceSpec } from '../model/device.ts';
import { jsonOrUndefined } from './json.ts';
import { vtyshCommand } from './shell.ts';

/** Longest held sessions stand in for a full read: their counters (received prefixes, connections) age at most this. */
export const BGP_FULL_MS = 10 * 60_000;
const NO_PEER_AS = '4294967295';

/** The probes as vtysh lines. */
export const BGP_PROBE_QUERIES = {
  versions: `show bgp vrf all summary remote-as ${NO_PEER_AS} json`,
  failed: 'show bgp vrf all summary failed json',
} as const;

export function bgpProbeCommands(device: Pick<DeviceSpec, 'vtysh'>): { versions: string; failed: string } {
  return {
    versions: vtyshCommand(device, BGP_PROBE_QUERIES.versions),
    failed: vtyshCommand(device, BGP_PROBE_QUERIES.failed),
  };
}

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every VRF/AFI summary object (`{"default":{"ipv4Unicast":{…}}}` or a single AFI's), by path. */
function afis(text: string): Map<string, Doc> | null {
  return afisOf(jsonOrUndefined(text));
}

function afisOf(doc: unknown): Map<string, Doc> | null {
  if (doc === undefined) return null;
  const out = new Map<string, Doc>();
  const visit = (value: unknown, path: string, depth: number): void => {
    if (!isObject(value)) return;
    if ('peers' in value || 'failedPeersCount' in value) {
      out.set(path, value);
      return;
    }
    if (depth === 0) return;
    for (const [key, child] of Object.entries(value)) visit(child, path ? `${path}/${key}` : key, depth - 1);
  };
  visit(doc, '', 2);
  return out;
}

const num = (v: unknown): string => (typeof v === 'number' ? String(v) : '?');

function signature(versions: Map<string, Doc>, failed: Map<string, Doc>): string | null {
  const parts: string[] = [];
  for (const [path, v] of versions) {
    const f = failed.get(path);
    if (typeof v.tableVersion !== 'number' || !f) return null;
    // `path:tableVersion/ribCount` (as route-check's versions) `|failed/total` (the sessions).
    parts.push(
      `${path}:${num(v.tableVersion)}/${num(v.ribCount)}|` +
        `${num(f.failedPeersCount ?? f.failedPeers)}/${num(v.totalPeers ?? v.peerCount)}`,
    );
  }
  if (parts.length === 0 || failed.size !== versions.size) return null;
  return parts.sort().join(' ');
}

/** The signature from the two probes; null when either is not a shape we know (then: a full read). */
export function probeSignature(versionsText: string, failedText: string): string | null {
  const v = afis(versionsText);
  const f = afis(failedText);
  return v && f ? signature(v, f) : null;
}

/** A signature's table versions, in route-check's `bgpTableVersions` form. */
export function versionsOf(signature: string): string {
  return signature
    .split(' ')
    .map((part) => part.slice(0, part.lastIndexOf('|')))
    .sort()
    .join(' ');
}

/** A signature's sessions part: per VRF/AFI, how many peers and how many of them are not Established. */
export function sessionsOf(signature: string): string {
  return signature
    .split(' ')
    .map((part) => `${part.slice(0, part.lastIndexOf(':'))}${part.slice(part.lastIndexOf('|'))}`)
    .sort()
    .join(' ');
}

/** The same signature from a full summary (parsed; undefined: not JSON), to compare the next probes with. */
export function fullSignatureOf(doc: unknown): string | null {
  const all = afisOf(doc);
  return all ? signature(all, all) : null;
}

/** Sessions read `elapsedMs` ago and confirmed unchanged since: their time in state has grown by that. */
export function advanceSessions(sessions: readonly BgpSession[], elapsedMs: number): BgpSession[] {
  return sessions.map((s) => (s.uptimeMs === null ? s : { ...s, uptimeMs: s.uptimeMs + elapsedMs }));
}
