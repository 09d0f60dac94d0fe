import { bgpInterfaces, TENANTS, type LabDevice } from './topology.ts';

/**
 * Renders one device's integrated frr.conf. Hypervisors follow the reference config
 * (shared/reference/routed-host-model.md §3): kernel routes to TAPs are redistributed through
 * route-maps that only match tenant pools, and a kernel metric of 512 (the "elevated" route a
 * migration target installs) becomes MED 0 against the default MED 100. Routers compare MED across
 * hypervisor ASes (`bgp always-compare-med`) so that elevated route wins during the overlap.
 */
/** In every rendered frr.conf; tells our files from anyone else's. */
export const FRR_CONF_MARK = 'rendered by routedeck (lab netns up)';

export function renderFrrConf(dev: LabDevice, logFile: string): string {
  const ifs = bgpInterfaces(dev.name);
  const lines: string[] = [
    `! ${dev.name}: ${FRR_CONF_MARK}; edits are lost on the next up`,
    'frr defaults datacenter',
    `hostname ${dev.name}`,
    `log file ${logFile} informational`,
    'service integrated-vtysh-config',
    'ip forwarding',
    'ipv6 forwarding',
    '!',
  ];
  if (dev.role === 'hypervisor') lines.push(...tenantPolicy());
  lines.push(`router bgp ${dev.asn}`, ` bgp router-id ${dev.routerId}`);
  if (dev.role === 'router') lines.push(' bgp always-compare-med');
  // Unnumbered eBGP: the session runs over the IPv6 link-local address learnt from router
  // advertisements, and IPv4 NLRI carry an IPv6 next hop (RFC 8950).
  for (const ifname of ifs) lines.push(` neighbor ${ifname} interface remote-as external`);
  for (const af of ['ipv4', 'ipv6'] as const) {
    lines.push(' !', ` address-family ${af} unicast`);
    if (dev.role === 'hypervisor') {
      lines.push(`  redistribute kernel route-map TENANT-OUT${af === 'ipv4' ? '4' : '6'}`);
    }
    for (const ifname of ifs) lines.push(`  neighbor ${ifname} activate`);
    lines.push(' exit-address-family');
  }
  lines.push('exit', '!', 'end', '');
  return lines.join('\n');
}

function tenantPolicy(): string[] {
  const out: string[] = [];
  let seq = 10;
  for (const t of TENANTS) {
    for (const p of t.pools4) out.push(`ip prefix-list TENANT4 seq ${seq} permit ${p} ge 32`);
    for (const p of t.pools6) out.push(`ipv6 prefix-list TENANT6 seq ${seq} permit ${p} ge 64`);
    seq += 10;
  }
  out.push('!');
  for (const [af, match] of [
    ['4', 'ip address prefix-list TENANT4'],
    ['6', 'ipv6 address prefix-list TENANT6'],
  ] as const) {
    out.push(
      `route-map TENANT-OUT${af} permit 5`,
      ` match ${match}`,
      ' match metric 512',
      ' set metric 0',
      'exit',
      `route-map TENANT-OUT${af} permit 10`,
      ` match ${match}`,
      ' set metric 100',
      'exit',
      '!',
    );
  }
  return out;
}

/**
 * vtysh -N <device> reads /etc/frr/<device>/vtysh.conf and complains on stderr when it is missing.
 * Its hostname matters: vtysh adds its own `hostname` line to `show running-config`, taken from the
 * UTS hostname (shared by every namespace) unless set here.
 */
export function renderVtyshConf(device: string): string {
  return `service integrated-vtysh-config\nhostname ${device}\n`;
}
