import { IPv4, IPv4CidrRange, IPv6, IPv6CidrRange, Validator } from 'ip-num';

export type Cidr = IPv4CidrRange | IPv6CidrRange;

export class AddressError extends Error {}

/** RFC 5952 text for an IPv6 address (ip-num prints every hextet; FRR and iproute2 print compressed). */
export function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]`).hostname.slice(1, -1);
}

export function familyOf(text: string): 4 | 6 | null {
  const address = text.split('/')[0] ?? '';
  if (Validator.isValidIPv4String(address)[0]) return 4;
  if (Validator.isValidIPv6String(address)[0]) return 6;
  return null;
}

/**
 * Parses a network in CIDR notation, refusing host bits (`10.0.0.1/24`): a pool or a route written
 * that way is almost always a typo, and silently masking it would allocate from the wrong range.
 */
export function parseCidr(text: string): Cidr {
  if (typeof text !== 'string' || !/^[0-9a-fA-F.:]+\/\d{1,3}$/.test(text)) {
    throw new AddressError(
      `"${String(text)}" is not a CIDR prefix (expected e.g. 198.51.100.0/24 or 2001:db8::/48)`,
    );
  }
  const family = familyOf(text);
  const length = Number(text.split('/')[1]);
  if (family === 4) {
    if (length > 32) throw new AddressError(`"${text}": an IPv4 prefix length is 0–32`);
    const range = IPv4CidrRange.fromCidr(text);
    const network = range.getFirst().toString();
    if (network !== text.split('/')[0]) {
      throw new AddressError(`"${text}" has host bits set; did you mean ${network}/${length}?`);
    }
    return range;
  }
  if (family === 6) {
    if (length > 128) throw new AddressError(`"${text}": an IPv6 prefix length is 0–128`);
    const range = IPv6CidrRange.fromCidr(text);
    const network = canonicalIpv6(range.getFirst().toString());
    if (network !== canonicalIpv6(text.split('/')[0] ?? '')) {
      throw new AddressError(`"${text}" has host bits set; did you mean ${network}/${length}?`);
    }
    return range;
  }
  throw new AddressError(`"${text}" is not a valid IPv4 or IPv6 prefix`);
}

export function cidrText(cidr: Cidr): string {
  if (cidr instanceof IPv4CidrRange) return cidr.toCidrString();
  return `${canonicalIpv6(cidr.getFirst().toString())}/${cidr.getPrefix().getValue()}`;
}

export function cidrFamily(cidr: Cidr): 4 | 6 {
  return cidr instanceof IPv4CidrRange ? 4 : 6;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a instanceof IPv4CidrRange && b instanceof IPv4CidrRange) return a.isOverlapping(b);
  if (a instanceof IPv6CidrRange && b instanceof IPv6CidrRange) return a.isOverlapping(b);
  return false;
}

/** True when `inner` (a prefix or an address) lies within `outer`. */
export function cidrContains(outer: Cidr, inner: string): boolean {
  const family = familyOf(inner);
  if (family !== cidrFamily(outer)) return false;
  if (inner.includes('/')) {
    const innerRange = parseLoose(inner);
    if (outer instanceof IPv4CidrRange && innerRange instanceof IPv4CidrRange)
      return outer.contains(innerRange);
    if (outer instanceof IPv6CidrRange && innerRange instanceof IPv6CidrRange)
      return outer.contains(innerRange);
    return false;
  }
  return family === 4
    ? (outer as IPv4CidrRange).contains(IPv4.fromString(inner))
    : (outer as IPv6CidrRange).contains(IPv6.fromString(inner));
}

/** Like parseCidr but masks host bits (for routes read from devices, which are already canonical). */
function parseLoose(text: string): Cidr {
  return familyOf(text) === 4 ? IPv4CidrRange.fromCidr(text) : IPv6CidrRange.fromCidr(text);
}

export function isValidIp(text: string): boolean {
  return familyOf(text) !== null && !text.includes('/');
}
