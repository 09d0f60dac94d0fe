/**
 * Names VyOS itself accepts, checked at plan time so a plan never fails at commit. Rules from
 * vyos-1x `src/validators/vrf-name` (the `vrf-name` validator of `vrf name <X>`) and the reserved
 * list in `src/conf_mode/vrf.py` `verify()`.
 */

// Interface-type prefixes: a VRF is a Linux netdev, so it may not look like an interface. Upstream's
// regex rejects any name that *starts* with one of these (or a digit). Its `vtun` alternative sits
// after a backslash-newline inside a raw string, so it never matches: it is left out here too.
const INTERFACE_PREFIXES = [
  'bond',
  'br',
  'dum',
  'eth',
  'lan',
  'eno',
  'ens',
  'enp',
  'enx',
  'gnv',
  'ipoe',
  'l2tp',
  'ppp',
  'pppoe',
  'peth',
  'tun',
  'vti',
  'vxlan',
  'wg',
  'wlan',
  'wwan',
] as const;

/** `ip` keywords a VRF may not be called ([V1x] conf_mode/vrf.py `reserved_names`). */
const RESERVED = new Set([
  'add',
  'all',
  'broadcast',
  'default',
  'delete',
  'dev',
  'get',
  'inet',
  'mtu',
  'link',
  'type',
  'vrf',
]);

/** Why VyOS would refuse `vrf name <name>`, or null when it accepts it. */
export function vyosVrfNameProblem(name: string): string | null {
  if (name.length < 1 || name.length > 15) return 'VyOS VRF names are 1 to 15 characters';
  if (name === 'lo') return 'VyOS refuses "lo" (the loopback interface) as a VRF name';
  if (/^\d/.test(name)) return 'VyOS VRF names must start with a letter';
  const prefix = INTERFACE_PREFIXES.find((p) => name.startsWith(p));
  if (prefix)
    return `VyOS refuses VRF names that begin with an interface prefix ("${prefix}…" looks like an interface)`;
  if (RESERVED.has(name)) return `"${name}" is a reserved word in VyOS and cannot name a VRF`;
  return null;
}
