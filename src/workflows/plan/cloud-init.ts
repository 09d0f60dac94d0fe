/**
 * The guest's NoCloud seed: `meta-data`, `user-data` and a network-config **version 1**, in the
 * reference's shape (shared/reference/lab/network-config-v1.yaml): the /32 with gateway
 * 169.254.0.1 and the /64 with gateway fe80::1, as subnet `gateway` keys.
 *
 * Why this form (fixtures/cloud-init/PROVENANCE.md has the evidence per renderer and version): it is
 * the only one every cloud-init renderer accepts. A gateway-less on-link host route crashes the eni
 * and sysconfig renderers of cloud-init 22.4 (KeyError 'gateway'); v2 `on-link` is kept by netplan
 * alone and turned into a masked `post-up route add … || true` on eni. The subnet gateway gives
 * ifupdown's `onlink`, NetworkManager's route to the gateway, and (cloud-init ≥ 23.1 / ≥ 24.2) the
 * netplan `on-link: true` and networkd `GatewayOnLink=yes` flags.
 */
import { IPv6 } from 'ip-num';
import { stringify } from 'yaml';
import { canonicalIpv6 } from '../../addr/cidr.ts';
import type { WorkloadRecord } from '../../model/plan.ts';
import { GATEWAY4, GATEWAY6 } from './host-ops.ts';

export interface GuestOptions {
  mac: string;
  dnsServers?: string[];
  /** The guest NIC's MTU (e.g. under an overlay); absent: the image's default. */
  mtu?: number;
}

/** The guest's address in its /64: `::1`, as in the reference. */
export function guestIpv6(prefix64: string): string {
  const network = IPv6.fromString(prefix64.split('/')[0] ?? '').getValue();
  return canonicalIpv6(IPv6.fromBigInt(network + 1n).toString());
}

export function networkConfig(w: WorkloadRecord, guest: GuestOptions): string {
  const dns = guest.dnsServers && guest.dnsServers.length > 0 ? { dns_nameservers: guest.dnsServers } : {};
  const doc = {
    version: 1,
    config: [
      {
        type: 'physical',
        name: 'eth0',
        mac_address: guest.mac.toLowerCase(),
        ...(guest.mtu !== undefined ? { mtu: guest.mtu } : {}),
        subnets: [
          { type: 'static', address: `${w.ipv4}/32`, gateway: GATEWAY4, ...dns },
          { type: 'static6', address: `${guestIpv6(w.ipv6Prefix)}/64`, gateway: GATEWAY6 },
        ],
      },
    ],
  };
  // Quote every string: a MAC like 52:54:00:… must never be read back as a YAML sexagesimal number.
  return stringify(doc, { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
}

export function cloudInitArtifacts(w: WorkloadRecord, guest: GuestOptions): Record<string, string> {
  return {
    // instance-id is stable per workload name: changing it would make cloud-init re-run on boot.
    'meta-data': stringify({ 'instance-id': `iid-${w.name}`, 'local-hostname': w.name }),
    'user-data': `#cloud-config\n${stringify({ hostname: w.name, preserve_hostname: false })}`,
    'network-config': networkConfig(w, guest),
  };
}
