import type { Nexthop } from '../model/route.ts';
import type { DeviceSnapshot } from '../model/snapshot.ts';

/** Which BGP peer (by its hostname) a router's next hop belongs to. */
export interface NextHopOwners {
  resolve(hop: Nexthop): string | undefined;
  /** Equal for two owners that resolve every hop the same way. */
  readonly signature: string;
}

const isLinkLocal = (ip: string) => /^fe[89ab][0-9a-f]?:/i.test(ip);

/**
 * Maps a router's next hops to the peers they lead to, from its own BGP sessions and routes:
 * - unnumbered peers are keyed by their interface, so a hop on that interface is theirs;
 * - numbered peers own their address; and with extended next hop (RFC 8950) their IPv6 routes carry
 *   the peer's *link-local* address on the interface whose connected route covers the peer's address.
 *   That interface is theirs only when no other peer sits on it (ambiguous ⇒ unresolved, never guessed).
 */
export function nextHopOwners(snapshot: DeviceSnapshot): NextHopOwners {
  // A router's sessions are the same list while its probes hold them; unnumbered peers (the routed-host
  // design's) need no route lookup, so a delta-read table (a migration) does not cost a pass over its
  // thousands of sessions again.
  const known = ownersBySessions.get(snapshot.bgp);
  if (known && (known.routes === null || known.routes === snapshot.routes)) return known.owners;
  const owners = computeOwners(snapshot);
  ownersBySessions.set(snapshot.bgp, {
    owners,
    routes: snapshot.bgp.every((s) => s.peerType === 'interface') ? null : snapshot.routes,
  });
  return owners;
}

/** Per sessions list: its owners, and the route table they were resolved against (null: none needed). */
const ownersBySessions = new WeakMap<readonly object[], { owners: NextHopOwners; routes: object | null }>();

function computeOwners(snapshot: DeviceSnapshot): NextHopOwners {
  const byIp = new Map<string, string>();
  const unnumbered = new Map<string, string>();
  const onInterface = new Map<string, Set<string>>();
  const connectedCache = new Map<string, string | null>();
  const connectedInterface = (peer: string, vrf: string): string | null => {
    const key = `${vrf}|${peer}`;
    let found = connectedCache.get(key);
    if (found === undefined) {
      const route = snapshot.routes.lookup(peer, vrf);
      const hops = route && route.protocol === 'connected' ? route.nexthops : [];
      const names = new Set(hops.flatMap((hop) => (hop.interface ? [hop.interface] : [])));
      found = names.size === 1 ? [...names][0]! : null;
      connectedCache.set(key, found);
    }
    return found;
  };
  for (const session of snapshot.bgp) {
    const name = session.hostname;
    if (session.peerType === 'interface') {
      if (name) unnumbered.set(session.peer, name);
      continue;
    }
    if (name) byIp.set(session.peer, name);
    const iface = connectedInterface(session.peer, session.vrf);
    if (!iface) continue;
    // A peer without a hostname still counts: it makes its interface ambiguous for the others.
    const peers = onInterface.get(iface) ?? new Set<string>();
    peers.add(name ?? `?${session.peer}`);
    onInterface.set(iface, peers);
  }
  const numberedOnly = new Map<string, string>();
  for (const [iface, peers] of onInterface) {
    const [only] = peers;
    if (peers.size === 1 && only && !only.startsWith('?') && !unnumbered.has(iface))
      numberedOnly.set(iface, only);
  }
  const listed = (map: Map<string, string>) =>
    [...map]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join(',');
  return {
    signature: `${listed(unnumbered)}|${listed(byIp)}|${listed(numberedOnly)}`,
    resolve(hop) {
      if (hop.interface) {
        const peer = unnumbered.get(hop.interface);
        if (peer) return peer;
      }
      if (hop.ip) {
        const peer = byIp.get(hop.ip);
        if (peer) return peer;
      }
      if (hop.interface && (!hop.ip || isLinkLocal(hop.ip))) return numberedOnly.get(hop.interface);
      return undefined;
    },
  };
}
