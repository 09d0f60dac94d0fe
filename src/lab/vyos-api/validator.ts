/**
 * Path validation for the emulator. Real VyOS checks every `set` against its XML schema and
 * fails with `Configuration path: [<prefix>] is not valid` followed by `Set failed`. The
 * emulator accepts any path except a short list of well-known 1.3 spellings that 1.4+
 * rejects (reference §2: ASN tagNode, `interface-route`, `protocols vrf`, `pubkey`,
 * `virtual-address`, plain `outbound-interface`, the iptables-era firewall). Good enough to
 * make a driver that speaks 1.3 syntax to a 1.4 router fail the way the real router does.
 */

export type ConfigureOp = 'set' | 'delete' | 'comment';

/** Returns the first line of the CLI error for an invalid path, or undefined when the path is fine. */
export type PathValidator = (path: readonly string[], op: ConfigureOp) => string | undefined;

type Word = string | ((word: string) => boolean);

const isNumber = (w: string): boolean => /^\d+$/.test(w);
const notOneOf =
  (...allowed: string[]) =>
  (w: string): boolean =>
    !allowed.includes(w);

const sourceOrDestination = (w: string): boolean => w === 'source' || w === 'destination';

/** Each pattern is matched as a prefix; the invalid prefix is the whole matched part. */
const RULES_14: readonly (readonly Word[])[] = [
  ['protocols', 'bgp', isNumber], // 1.3 `protocols bgp 65001 ...`; 1.4 has `system-as` (bgp/0-to-1, 2-to-3)
  ['protocols', 'bgp', 'local-as'],
  ['protocols', 'static', 'interface-route'], // 1.4: `route X interface Y` (quagga/8-to-9)
  ['protocols', 'static', 'interface-route6'],
  ['protocols', 'vrf'], // 1.4: `vrf name X protocols ...` (vrf/1-to-2)
  ['interfaces', 'wireguard', '*', 'peer', '*', 'pubkey'], // 1.4: `public-key`
  ['high-availability', 'vrrp', 'group', '*', 'virtual-address'], // 1.4: `address` (vrrp/2-to-3)
  ['high-availability', 'vrrp', 'group', '*', 'virtual-address-excluded'],
  ['nat', sourceOrDestination, 'rule', '*', 'outbound-interface', notOneOf('name', 'group')], // nat/5-to-6, 6-to-7
  // `nat static rule N inbound-interface eth0` stays a plain leaf in 1.4 (smoketest test_nat.py).
  ['nat', sourceOrDestination, 'rule', '*', 'inbound-interface', notOneOf('name', 'group')],
  ['firewall', 'name'], // 1.4: `firewall ipv4 name`
  ['firewall', 'ipv6-name'],
  ['zone-policy'],
];

function matchLength(path: readonly string[], pattern: readonly Word[]): number {
  if (path.length < pattern.length) return 0;
  for (const [i, w] of pattern.entries()) {
    const word = path[i] as string;
    if (typeof w === 'function' ? !w(word) : w !== '*' && w !== word) return 0;
  }
  return pattern.length;
}

// [V1x] src/validators/vrf-name: 1–15 characters, not `lo`, not beginning with an interface-type
// prefix or a digit (the `vtun` alternative follows a backslash-newline in a raw string: dead).
const VRF_NAME_REFUSED =
  /^(?:bond|br|dum|eth|lan|eno|ens|enp|enx|gnv|ipoe|l2tp|l2tpeth|ppp|pppoe|peth|tun|vti|vxlan|wg|wlan|wwan|\d)/;
const VRF_CONSTRAINT =
  'VRF instance name must be 15 characters or less and can not be named as a\nregular network interfaces. VRF name must start with a letter.\n\nValue validation failed';

/** The default validator for emulated 1.4 and 1.5 routers. Also checks `vrf name X protocols ...`. */
export const defaultPathValidator: PathValidator = (path, op) => {
  const vrf = path[0] === 'vrf' && path[1] === 'name' ? path[2] : undefined;
  if (op === 'set' && vrf !== undefined && (vrf.length > 15 || vrf === 'lo' || VRF_NAME_REFUSED.test(vrf)))
    return VRF_CONSTRAINT;
  const inVrf = path[0] === 'vrf' && path[1] === 'name' && path.length > 3;
  for (const offset of inVrf ? [0, 3] : [0]) {
    for (const rule of RULES_14) {
      const n = matchLength(path.slice(offset), rule);
      if (n > 0) return `Configuration path: [${path.slice(0, offset + n).join(' ')}] is not valid`;
    }
  }
  if (path.some((w) => w === '')) return `Configuration path: [${path.join(' ')}] is not valid`;
  return undefined;
};
