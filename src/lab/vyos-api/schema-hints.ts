/**
 * A tiny stand-in for the VyOS interface-definition XML.
 *
 * Real VyOS knows from its schema whether a word is a tag value, a leaf value or a node name;
 * the API joins `path + [value]` and lets the schema decide ([V1x] `_configure_op`:
 * `cfg_path = ' '.join(path + [value])`). The emulator has no schema, so it classifies a path
 * by the longest matching *suffix* pattern below (`*` matches any one word). Unknown paths are
 * plain nodes. Good enough for the paths routedeck writes; callers that send `value`
 * explicitly never depend on the leaf guesses.
 */
export type HintKind = 'leaf' | 'multi' | 'node';

const HINTS: ReadonlyArray<readonly [string, HintKind]> = [
  // Single-valued leaves, wherever they appear.
  ...[
    'host-name',
    'domain-name',
    'time-zone',
    'system-as',
    'local-as',
    'remote-as',
    'peer-group',
    'router-id',
    'description',
    'mtu',
    'vni',
    'port',
    'table',
    'hw-id',
    'mac',
    'source-address',
    'source-interface',
    'public-key',
    'private-key',
    'preshared-key',
    'persistent-keepalive',
    'priority',
    'vrid',
    'default-action',
    'action',
    'jump-target',
    'metric',
    'distance',
    'route-map',
    'protocol',
    'prefix',
    'le',
    'ge',
    'key',
  ].map((w) => [w, 'leaf'] as const),
  // Multi-valued leaves (`multi` in the XML): several `set`s accumulate values.
  ...['address', 'remote', 'allowed-ips', 'state', 'name-server', 'member'].map((w) => [w, 'multi'] as const),
  ...['import', 'export', 'both'].flatMap((w) => [
    [`route-target ${w}`, 'multi'] as const,
    [`route-target vpn ${w}`, 'multi'] as const,
    [`route-map ${w}`, 'leaf'] as const,
    [`prefix-list ${w}`, 'leaf'] as const,
  ]),
  // Tag nodes and containers: an explicit `value` after them is a tag value, not a leaf value.
  ...[
    'interfaces *',
    'vif',
    'neighbor',
    'route',
    'route6',
    'next-hop',
    'static route * interface',
    'rule',
    'peer',
    'group',
    'sync-group',
    'vrf name',
    'ipv4 name',
    'ipv6 name',
    'keys id',
    'address-family',
    'redistribute',
    'parameters',
  ].map((w) => [w, 'node'] as const),
  // Context-dependent words: a longer suffix overrides the single-word guess above.
  ['source address', 'leaf'],
  ['destination address', 'leaf'],
  ['translation address', 'leaf'],
  ['wireguard * peer * address', 'leaf'],
  ['vrrp group * address', 'node'], // 1.4: `address` is a tagNode under a VRRP group
  ['vrrp group * interface', 'leaf'],
  ['outbound-interface name', 'leaf'],
  ['inbound-interface name', 'leaf'],
  ['interfaces * * vrf', 'leaf'],
  ['policy route-map', 'node'],
  ['policy prefix-list', 'node'],
  ['l2vpn-evpn vni', 'node'],
];

const PATTERNS = HINTS.map(([text, kind]) => ({ words: text.split(' '), kind }));

/** Classifies the node at `path` (a leaf's own path, without its value); undefined when no hint matches. */
export function classifyPath(path: readonly string[]): HintKind | undefined {
  let best: { len: number; kind: HintKind } | undefined;
  for (const { words, kind } of PATTERNS) {
    if (words.length > path.length || (best && words.length <= best.len)) continue;
    const offset = path.length - words.length;
    if (words.every((w, i) => w === '*' || w === path[offset + i])) best = { len: words.length, kind };
  }
  return best?.kind;
}
