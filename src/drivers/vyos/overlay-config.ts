/**
 * Overlay config as `/retrieve showConfig` returns it, for VyOS 1.3 and 1.4+ (reference §2):
 * WireGuard peers (`pubkey` in 1.3, `public-key` in 1.4), VXLAN interfaces, VRRP groups
 * (`virtual-address` in 1.3, `address` in 1.4). Secrets in the config (private and preshared keys)
 * are never read into the result.
 */
import { z } from 'zod';
import { describeIssues, ParseError } from '../errors.ts';

const OneOrMany = z.union([z.string(), z.array(z.string())]);
const Num = z.union([z.string(), z.number()]);
/** A tag node (`address 192.0.2.1/24 {}`) is an object keyed by value; a multi leaf a string or list. */
const LeafOrTag = z.union([OneOrMany, z.record(z.string(), z.unknown())]);

function values(v: z.infer<typeof LeafOrTag> | undefined): string[] {
  if (v === undefined) return [];
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v;
  return Object.keys(v);
}

function num(v: string | number | undefined): number | null {
  const n = Number(v);
  return v === undefined || !Number.isInteger(n) ? null : n;
}

function parse<T>(schema: z.ZodType<T>, config: unknown, what: string): T | null {
  if (config === null || config === undefined) return null;
  const parsed = schema.safeParse(config);
  if (!parsed.success)
    throw new ParseError(`unexpected VyOS ${what} config: ${describeIssues(parsed.error.issues)}`);
  return parsed.data;
}

const WgPeer = z.looseObject({
  'public-key': z.string().optional(),
  pubkey: z.string().optional(),
  address: z.string().optional(),
  // 1.4+: an endpoint given by name instead of `address` ([V1x] interfaces_wireguard.xml.in).
  'host-name': z.string().optional(),
  port: Num.optional(),
  'allowed-ips': OneOrMany.optional(),
  'persistent-keepalive': Num.optional(),
  disable: z.unknown().optional(),
});
const WgInterface = z.looseObject({
  address: LeafOrTag.optional(),
  port: Num.optional(),
  peer: z.record(z.string(), WgPeer).optional(),
});
const WgConfig = z.record(z.string(), WgInterface);

export interface WireguardPeerConfig {
  interface: string;
  name: string;
  publicKey: string;
  /** `address:port` (or `host-name:port`) as configured, or null when the peer dials in. */
  endpoint: string | null;
  allowedIps: string[];
  disabled: boolean;
}

/** `showConfig(['interfaces','wireguard'])` → configured peers. */
export function wireguardPeersFromConfig(config: unknown): WireguardPeerConfig[] {
  const parsed = parse(WgConfig, config, 'wireguard');
  if (!parsed) return [];
  const out: WireguardPeerConfig[] = [];
  for (const [iface, body] of Object.entries(parsed)) {
    for (const [name, peer] of Object.entries(body.peer ?? {})) {
      const publicKey = peer['public-key'] ?? peer.pubkey;
      if (!publicKey) throw new ParseError(`wireguard ${iface} peer ${name} has no public key`);
      const host = peer.address ?? peer['host-name'];
      const port = num(peer.port);
      out.push({
        interface: iface,
        name,
        publicKey,
        endpoint: host ? `${host.includes(':') ? `[${host}]` : host}:${port ?? 51820}` : null,
        allowedIps: values(peer['allowed-ips']),
        disabled: peer.disable !== undefined,
      });
    }
  }
  return out;
}

const VxlanInterfaceSchema = z.looseObject({
  vni: Num.optional(),
  remote: OneOrMany.optional(),
  'source-address': z.string().optional(),
  port: Num.optional(),
  vrf: z.string().optional(),
  parameters: z.looseObject({ external: z.unknown().optional() }).optional(),
});
const VxlanConfig = z.record(z.string(), VxlanInterfaceSchema);

export interface VxlanConfigEntry {
  name: string;
  vni: number | null;
  remotes: string[];
  sourceAddress: string | null;
  port: number | null;
  vrf: string | null;
  external: boolean;
}

/** `showConfig(['interfaces','vxlan'])`. `port` stays null when unset: its default changed (8472 → 4789 in 1.4). */
export function vxlanFromConfig(config: unknown): VxlanConfigEntry[] {
  const parsed = parse(VxlanConfig, config, 'vxlan');
  if (!parsed) return [];
  return Object.entries(parsed).map(([name, v]) => ({
    name,
    vni: num(v.vni),
    remotes: values(v.remote),
    sourceAddress: v['source-address'] ?? null,
    port: num(v.port),
    vrf: v.vrf ?? null,
    external: v.parameters?.external !== undefined,
  }));
}

const VrrpGroupSchema = z.looseObject({
  interface: z.string().optional(),
  vrid: Num.optional(),
  priority: Num.optional(),
  address: LeafOrTag.optional(),
  'virtual-address': LeafOrTag.optional(),
  disable: z.unknown().optional(),
});
const VrrpConfig = z.looseObject({ group: z.record(z.string(), VrrpGroupSchema).optional() });

export interface VrrpGroupConfig {
  name: string;
  interface: string;
  vrid: number;
  /** VyOS's default is 100. */
  priority: number;
  addresses: string[];
  disabled: boolean;
}

/** `showConfig(['high-availability','vrrp'])`: `address` (1.4+, a tag node) or `virtual-address` (1.3, a leaf). */
export function vrrpGroupsFromConfig(config: unknown): VrrpGroupConfig[] {
  const parsed = parse(VrrpConfig, config, 'vrrp');
  if (!parsed) return [];
  return Object.entries(parsed.group ?? {}).map(([name, g]) => {
    const vrid = num(g.vrid);
    if (!g.interface || vrid === null) throw new ParseError(`vrrp group ${name} has no interface or vrid`);
    return {
      name,
      interface: g.interface,
      vrid,
      priority: num(g.priority) ?? 100,
      addresses: [...values(g.address), ...values(g['virtual-address'])],
      disabled: g.disable !== undefined,
    };
  });
}
