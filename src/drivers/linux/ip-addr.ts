import { z } from 'zod';
import type { InterfaceAddress, NetInterface, VrfInfo } from '../../model/interface.ts';
import { parseJsonChecked, shape } from '../json.ts';

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
  linkinfo: z
    .looseObject({
      info_kind: z.string().optional(),
      info_data: z.looseObject({ table: z.number().optional() }).optional(),
    })
    .optional(),
  addr_info: z.array(AddrInfoSchema).optional(),
});
type Link = z.infer<typeof LinkSchema>;

export const LinksSchema = z.array(LinkSchema);

const opt = shape.optional;
/** What LinksSchema says, as plain checks (the hot path; zod describes what these refuse). */
export const isLinks = shape.array(
  shape.object({
    ifindex: shape.number,
    ifname: shape.string,
    flags: opt(shape.array(shape.string)),
    mtu: opt(shape.number),
    operstate: opt(shape.string),
    master: opt(shape.string),
    linkinfo: opt(
      shape.object({
        info_kind: opt(shape.string),
        info_data: opt(shape.object({ table: opt(shape.number) })),
      }),
    ),
    addr_info: opt(
      shape.array(
        shape.object({
          family: opt(shape.string),
          local: opt(shape.string),
          prefixlen: opt(shape.number),
          scope: opt(shape.string),
        }),
      ),
    ),
  }),
);

function parseLinks(text: string): Link[] {
  return parseJsonChecked(LinksSchema, isLinks, text, 'ip link/addr listing');
}

/**
 * Addresses are interned, frozen (never changed once parsed): every TAP of a routed host carries the
 * same 169.254.0.1/32 and fe80::1/64 (the gateway addresses its guest sees), so 1,000 hosts' 50k TAPs
 * held 100k equal address objects, each with its own copy of the text. The table stops growing at
 * MAX_INTERNED (its first entries are the ones every host shares: each TAP's own EUI-64 link-local
 * is not worth an entry); past it an address is looked up, not added.
 */
const internedAddresses = new Map<string, InterfaceAddress>();
const MAX_INTERNED = 4096;

const addressKey = (a: InterfaceAddress): string => `${a.family}|${a.address}|${a.prefixLength}|${a.scope}`;

function internAddress(a: InterfaceAddress, key: string): InterfaceAddress {
  const known = internedAddresses.get(key);
  if (known) return known;
  const frozen = Object.freeze(a);
  if (internedAddresses.size < MAX_INTERNED) internedAddresses.set(key, frozen);
  return frozen;
}

/**
 * Address lists are interned too, frozen: every TAP carries the same two gateway addresses, and most
 * of a router's VLAN interfaces none — one array each instead of one an interface (~10 MB at 1,000
 * hosts). Lists of interned addresses only (a list holding an address past MAX_INTERNED is its own).
 */
const internedLists = new Map<string, readonly InterfaceAddress[]>();
const NO_ADDRESSES: readonly InterfaceAddress[] = Object.freeze([]);

function addressesOf(link: Link): readonly InterfaceAddress[] {
  const out: InterfaceAddress[] = [];
  let key = '';
  let shared = true;
  // Filtered listings (`ip -j addr show dev X`) leave `{}` entries behind; they carry no address.
  for (const a of link.addr_info ?? []) {
    if (a.local === undefined || a.prefixlen === undefined) continue;
    if (a.family !== 'inet' && a.family !== 'inet6') continue;
    const parsed: InterfaceAddress = {
      family: a.family === 'inet' ? 4 : 6,
      address: a.local,
      prefixLength: a.prefixlen,
      scope: a.scope ?? 'global',
    };
    const addrKey = addressKey(parsed);
    const address = internAddress(parsed, addrKey);
    out.push(address);
    if (internedAddresses.get(addrKey) === address) key += `${addrKey} `;
    else shared = false;
  }
  if (out.length === 0) return NO_ADDRESSES;
  if (!shared) return Object.freeze(out.slice());
  const known = internedLists.get(key);
  if (known) return known;
  // At its length: an array grown by push holds 17 slots for an interface's one or two addresses.
  const list = Object.freeze(out.slice());
  if (internedLists.size < MAX_INTERNED) internedLists.set(key, list);
  return list;
}

function toInterface(link: Link): NetInterface {
  // Every field in the literal (absent ones undefined): fields added afterwards live in a separate
  // array, 40 bytes more an interface (a router with 19k VLAN interfaces, 1,000 hosts with 150 each).
  // Not the MAC address: nothing reads it, and each was its own string (~9 MB at 1,000 hosts).
  return {
    name: link.ifname,
    index: link.ifindex,
    mtu: link.mtu ?? 0,
    operState: link.operstate ?? 'UNKNOWN',
    up: link.flags?.includes('UP') ?? false,
    addresses: addressesOf(link),
    master: link.master,
    kind: link.linkinfo?.info_kind,
  };
}

/** `ip -j [-d] addr show` or `ip -j [-d] link show` → interfaces (kind and master need `-d`). */
export function parseIpJsonAddr(text: string): NetInterface[] {
  return parseLinks(text).map(toInterface);
}

/** Interfaces and VRFs of one `ip -j -d addr show` listing, parsed once. */
export function parseIpLinks(text: string): { interfaces: NetInterface[]; vrfs: VrfInfo[] } {
  const links = parseLinks(text);
  return { interfaces: links.map(toInterface), vrfs: vrfsOf(links) };
}

/**
 * VRFs of a Linux host from `ip -j -d link show type vrf` or `ip -j -d addr show` (FRR has no
 * `show vrf json`). The default VRF is implicit and not listed, as in VyOS's configuration.
 */
export function vrfsFromIpLinks(text: string): VrfInfo[] {
  return vrfsOf(parseLinks(text));
}

function vrfsOf(links: readonly Link[]): VrfInfo[] {
  return links
    .filter((l) => l.linkinfo?.info_kind === 'vrf')
    .map((l) => ({ name: l.ifname, table: l.linkinfo?.info_data?.table ?? null }));
}
