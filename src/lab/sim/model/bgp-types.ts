import type { Family } from '../../../model/route.ts';
import type { Prefix } from './addr.ts';

/** What travels in an UPDATE for one prefix (MED is absent when the sender may not pass it on). */
export interface PathAttrs {
  asPath: number[];
  med: number | null;
  origin: 'IGP' | 'incomplete';
}

export interface Path extends PathAttrs {
  /** The session end it was learned over, or null for a locally originated (redistributed) route. */
  from: SessionEnd | null;
  /** Redistributed routes: what they came from, for `show bgp` and zebra. */
  local?: 'kernel' | 'static';
  receivedAt: number;
}

export interface Dest {
  vrf: string;
  family: Family;
  prefix: Prefix;
  paths: Path[];
  best: Path | null;
  /** Equal-cost paths installed with the best (ECMP), best included. */
  multipath: Path[];
  selectionReason: string;
  version: number;
  changedAt: number;
}

export type SessionState = 'Established' | 'Active' | 'Idle' | 'Connect';

/** One side of an unnumbered eBGP session (both AFIs over the same TCP connection). */
export interface SessionEnd {
  device: string;
  vrf: string;
  /** The interface that names the peer (FRR keys interface peers by it). */
  iface: string;
  /** This side's IPv6 link-local on that interface: the next hop the other side installs. */
  linkLocal: string;
  localAs: number;
  routerId: string;
  remote: SessionEnd;
  state: SessionState;
  /** When the state last changed (peerUptime counts from here). */
  since: number;
  connectionsEstablished: number;
  connectionsDropped: number;
  msgSent: number;
  msgRcvd: number;
  /** Bumped when the session drops: messages queued on the old connection are discarded. */
  generation: number;
  /** Time the last message in flight on this direction arrives (TCP keeps them in order). */
  lastArrival: number;
  /** What this side last advertised to the peer, per destKey. */
  adjOut: Map<string, PathAttrs>;
  /** Prefixes accepted from the peer (after AS-path loop prevention), per destKey. */
  accepted: Set<string>;
  /** Set when the other end no longer exists (its VRF was removed): stays down. */
  orphaned?: boolean;
  /** This side sends the peer only a default route (`default-originate`, everything else filtered). */
  exportDefaultOnly?: boolean;
}

/**
 * A prefix's key in the tables, adj-RIB-out and accepted sets: its canonical text, which already
 * tells the families apart (`:` only in IPv6) — the same string the prefix carries, so keys cost nothing.
 */
export function destKey(family: Family, prefixText: string): string {
  void family;
  return prefixText;
}

/** The family of a destKey. */
export function keyFamily(key: string): Family {
  return key.includes(':') ? 6 : 4;
}
