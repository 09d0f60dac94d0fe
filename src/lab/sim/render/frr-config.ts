/**
 * `show running-config`: what the lab provisioned (datacenter defaults, the tenant prefix-lists and
 * route-maps of the reference, unnumbered eBGP per VRF) followed by what was typed into vtysh.
 */
import type { SimNode } from '../model/node.ts';

function provisioned(node: SimNode): string[] {
  const out: string[] = [];
  const hv = node.spec.role === 'hypervisor';
  if (hv) {
    let seq = 10;
    for (const [vrf, pools] of node.spec.pools) {
      const tag = vrf === 'default' ? 'DEFAULT' : vrf.toUpperCase();
      for (const p of pools) {
        out.push(
          p.family === 4
            ? `ip prefix-list TENANT4-${tag} seq ${seq} permit ${p.text} ge 32`
            : `ipv6 prefix-list TENANT6-${tag} seq ${seq} permit ${p.text} ge 64`,
        );
        seq += 10;
      }
    }
    out.push('!');
    for (const [vrf] of node.spec.pools) {
      const tag = vrf === 'default' ? 'DEFAULT' : vrf.toUpperCase();
      for (const [v, pl] of [
        ['4', 'ip'],
        ['6', 'ipv6'],
      ] as const) {
        out.push(
          `route-map TENANT-OUT${v}-${tag} permit 5`,
          ` match ${pl} address prefix-list TENANT${v}-${tag}`,
          ' match metric 512',
          ' set metric 0',
          'exit',
          '!',
        );
        out.push(
          `route-map TENANT-OUT${v}-${tag} permit 10`,
          ` match ${pl} address prefix-list TENANT${v}-${tag}`,
          ' set metric 100',
          'exit',
          '!',
        );
      }
    }
  }
  // Large labs: hypervisors get `default-originate` and nothing else (see fullTablesToHosts).
  const defaultOnly = [...node.bgp.instances.values()].some((i) =>
    i.sessions.some((s) => s.exportDefaultOnly),
  );
  if (defaultOnly)
    out.push(
      `ip prefix-list ${HOSTS_DEFAULT_ONLY} seq 5 deny any`,
      '!',
      `ipv6 prefix-list ${HOSTS_DEFAULT_ONLY} seq 5 deny any`,
      '!',
    );
  for (const [vrf, inst] of node.bgp.instances) {
    out.push(
      `router bgp ${inst.as}${vrf === 'default' ? '' : ` vrf ${vrf}`}`,
      ` bgp router-id ${inst.routerId}`,
    );
    if (node.spec.alwaysCompareMed) out.push(' bgp always-compare-med');
    for (const s of inst.sessions) out.push(` neighbor ${s.iface} interface remote-as external`);
    const tag = vrf === 'default' ? 'DEFAULT' : vrf.toUpperCase();
    for (const [family, afi] of [
      [4, 'ipv4'],
      [6, 'ipv6'],
    ] as const) {
      out.push(' !', ` address-family ${afi} unicast`);
      for (const proto of ['kernel', 'static'])
        if (node.redistribute.has(`${vrf}|${family}|${proto}`))
          out.push(`  redistribute ${proto}${hv ? ` route-map TENANT-OUT${family}-${tag}` : ''}`);
      if (family === 6) for (const s of inst.sessions) out.push(`  neighbor ${s.iface} activate`);
      for (const s of inst.sessions)
        if (s.exportDefaultOnly)
          out.push(
            `  neighbor ${s.iface} default-originate`,
            `  neighbor ${s.iface} prefix-list ${HOSTS_DEFAULT_ONLY} out`,
          );
      out.push(' exit-address-family');
    }
    out.push('exit', '!');
  }
  return out;
}

/** The routers' outbound filter towards hypervisors in a large lab: everything but the default. */
export const HOSTS_DEFAULT_ONLY = 'HOSTS-DEFAULT-ONLY';

export function runningConfig(node: SimNode): string {
  const head = [
    'Building configuration...',
    '',
    'Current configuration:',
    '!',
    'frr version 8.4.4',
    'frr defaults datacenter',
    `hostname ${node.name}`,
    'service integrated-vtysh-config',
    '!',
  ];
  const statics = node.statics
    .filter((s) => s.source === 'vtysh')
    .map(
      (s) =>
        `${s.prefix.family === 4 ? 'ip' : 'ipv6'} route ${s.prefix.text} ${s.blackhole ? 'blackhole' : (s.nexthop ?? s.iface ?? '')}${s.vrf === 'default' ? '' : ` vrf ${s.vrf}`}`,
    );
  return `${[...head, ...statics, ...(statics.length ? ['!'] : []), ...provisioned(node), ...node.frrConfig, 'end'].join('\n')}\n`;
}
