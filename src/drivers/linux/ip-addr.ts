import { z } from 'zod';
import type { InterfaceAddress, NetInterface, VrfInfo } from '../../model/interface.ts';
import { parseJsonWith } from '../json.ts';

const AddrInfoSchema = z.looseObject({
  family: z.string().optional(),
  local: z.string().optional(),
  prefixlen: z.number().optional(),
  scope: z.string().optional(),
});

// `ip -j -d addr` is `ip -j -d link` plus addr_info, so one schema reads both.
const LinkSchema = z.looseObject({
  ifindex: z.number(),
  ifname: z.string(),
  flags: z.array(z.string()).optional(),
  mtu: z.number().optional(),
  operstate: z.string().optional(),
  master: z.string().optional(),
  link_type: z.string().optional(),
  address: z.string().optional(),
  linkinfo: z
    .looseObject({
      info_kind: z.string().optional(),
      info_data: z.looseObject({ table: z.number().optional() }).optional(),
    })
    .optional(),
  addr_info: z.array(AddrInfoSchema).optional(),
});
type Link = z.infer<typeof LinkSchema>;

const LinksSchema = z.array(LinkSchema);

function addressesOf(link: Link): InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  // Filtered listings (`ip -j addr show dev X`) leave `{}` entries behind; they carry no address.
  for (const a of link.addr_info ?? []) {
    if (a.local === undefined || a.prefixlen === undefined) continue;
    if (a.family !== 'inet' && a.family !== 'inet6') continue;
    out.push({
      family: a.family === 'inet' ? 4 : 6,
      address: a.local,
      prefixLength: a.prefixlen,
      scope: a.scope ?? 'global',
    });
  }
  return out;
}

function toInterface(link: Link): NetInterface {
  const iface: NetInterface = {
    name: link.ifname,
    index: link.ifindex,
    mtu: link.mtu ?? 0,
    operState: link.operstate ?? 'UNKNOWN',
    up: link.flags?.includes('UP') ?? false,
    addresses: addressesOf(link),
  };
  if (link.master !== undefined) iface.master = link.master;
  if (link.linkinfo?.info_kind !== undefined) iface.kind = link.linkinfo.info_kind;
  if (link.link_type === 'ether' && link.address !== undefined) iface.mac = link.address;
  return iface;
}

/** `ip -j [-d] addr show` or `ip -j [-d] link show` → interfaces (kind and master need `-d`). */
export function parseIpJsonAddr(text: string): NetInterface[] {
  return parseJsonWith(LinksSchema, text, 'ip link/addr listing').map(toInterface);
}

/**
 * VRFs of a Linux host from `ip -j -d link show type vrf` or `ip -j -d addr show` (FRR has no
 * `show vrf json`). The default VRF is implicit and not listed, as in VyOS's configuration.
 */
export function vrfsFromIpLinks(text: string): VrfInfo[] {
  return parseJsonWith(LinksSchema, text, 'ip link/addr listing')
    .filter((l) => l.linkinfo?.info_kind === 'vrf')
    .map((l) => ({ name: l.ifname, table: l.linkinfo?.info_data?.table ?? null }));
}
