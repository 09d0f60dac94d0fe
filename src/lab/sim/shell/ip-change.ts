/** `ip route|addr|link|tuntap` changes, validated like iproute2 6.1 does, with its error texts. */
import type { Family } from '../../../model/route.ts';
import { parseCidr } from '../model/addr.ts';
import { ToolError } from '../model/errors.ts';
import { defaultMetric, LOCAL_TABLE, MAIN_TABLE } from '../model/kernel.ts';
import type { SimNode } from '../model/node.ts';
import type { Prng } from '../model/prng.ts';

const usage = (what: string): ToolError =>
  new ToolError(`Command line is not complete. Try option "help"\n${what}`, 255);

function need(args: string[], i: number, what: string): string {
  const v = args[i];
  if (v === undefined) throw usage('');
  void what;
  return v;
}

function tableId(node: SimNode, text: string): number {
  if (text === 'main') return MAIN_TABLE;
  if (text === 'local') return LOCAL_TABLE;
  if (!/^\d+$/.test(text))
    throw new ToolError(`Error: argument "${text}" is wrong: "table" value is invalid\n\n`, 255);
  void node;
  return Number(text);
}

/**
 * Like the kernel, a route goes to the table it names (`table N`, `vrf V`) or main — never to the
 * VRF of its device on its own: a VRF TAP's route needs `table 100` or `vrf blue`.
 */
export function routeChange(node: SimNode, family: Family | undefined, verb: string, args: string[]): void {
  const dstText = need(args, 0, 'prefix');
  const prefix =
    dstText === 'default' ? parseCidr(family === 6 ? '::/0' : '0.0.0.0/0') : parseCidr(dstText, family);
  if (!prefix) {
    const kind = family === 4 ? 'inet prefix' : family === 6 ? 'inet6 prefix' : 'any valid prefix';
    throw new ToolError(`Error: ${kind} is expected rather than "${dstText}".\n`, 1);
  }
  let dev: string | undefined;
  let gateway: string | undefined;
  let metric: number | undefined;
  let table: number | undefined;
  let protocol = 'boot';
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    const v = (): string => need(args, ++i, a);
    if (a === 'dev' || a === 'oif') dev = v();
    else if (a === 'via') {
      const g = v() === 'inet6' ? v() : (args[i] as string);
      gateway = g;
    } else if (a === 'metric' || a === 'priority' || a === 'preference') {
      const m = v();
      if (!/^\d+$/.test(m))
        throw new ToolError(`Error: argument "${m}" is wrong: "metric" value is invalid\n\n`, 255);
      metric = Number(m);
    } else if (a === 'table') table = tableId(node, v());
    else if (a === 'vrf') {
      const name = v();
      const vrf = node.kernel.links.get(name);
      if (!vrf || vrf.kind !== 'vrf')
        throw new ToolError(`Error: argument "${name}" is wrong: Not a valid VRF name\n\n`, 255);
      table = vrf.table;
    } else if (a === 'proto' || a === 'protocol') protocol = v();
    else if (a === 'onlink' || a === 'scope') {
      if (a === 'scope') v();
    } else throw new ToolError(`Error: either "to" is duplicate, or "${a}" is a garbage.\n`, 255);
  }
  const fam = prefix.family;
  if (verb === 'del' || verb === 'delete') {
    node.kernel.deleteRoute(prefix, table ?? MAIN_TABLE, dev, metric);
    return;
  }
  if (dev === undefined) {
    if (gateway === undefined) throw new ToolError('Error: Device for nexthop is not specified.\n', 2);
    throw new ToolError('Error: Nexthop has invalid gateway.\n', 2);
  }
  node.kernel.link(dev);
  const route = {
    prefix,
    table: table ?? MAIN_TABLE,
    dev,
    metric: metric ?? defaultMetric(fam),
    protocol,
    ...(gateway !== undefined ? { gateway } : {}),
  };
  node.kernel.addRoute(route, verb === 'replace' || verb === 'change');
}

export function addrChange(node: SimNode, family: Family | undefined, verb: string, args: string[]): void {
  const text = need(args, 0, 'address');
  const p = parseCidr(text, family);
  if (!p)
    throw new ToolError(
      `Error: ${family === 6 ? 'inet6' : family === 4 ? 'inet' : 'any valid'} prefix is expected rather than "${text}".\n`,
      1,
    );
  let dev: string | undefined;
  let nodad = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'dev') dev = need(args, ++i, a);
    else if (a === 'nodad') nodad = true;
    else if (['scope', 'label', 'valid_lft', 'preferred_lft', 'metric'].includes(a)) i++;
    else if (a === 'noprefixroute') continue;
    else throw new ToolError(`Error: either "local" is duplicate, or "${a}" is a garbage.\n`, 255);
  }
  if (dev === undefined) throw new ToolError('Not enough information: "dev" argument is required.\n', 1);
  const local = text.split('/')[0] ?? '';
  const canonical = parseCidr(local)?.text.split('/')[0] ?? local;
  const prefixlen = p.length;
  if (verb === 'del' || verb === 'delete') {
    node.kernel.deleteAddress(dev, p.family, canonical, prefixlen);
    return;
  }
  const scope = p.family === 6 && canonical.startsWith('fe80:') ? 'link' : 'global';
  node.kernel.addAddress(dev, {
    family: p.family,
    local: canonical,
    prefixlen,
    scope,
    ...(nodad ? { nodad } : {}),
  });
}

/** `ip link add NAME type vrf table N|veth [peer name X]|dummy`, `ip link add link E name E.N type vlan id N`, `set`, `del`. */
export function linkChange(node: SimNode, verb: string, args: string[], prng: Prng): void {
  const k = node.kernel;
  if (verb === 'add') {
    let name: string | undefined;
    let type: string | undefined;
    let table: number | undefined;
    let peer: string | undefined;
    let parent: string | undefined;
    let vlanId: number | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i] as string;
      if (a === 'name' || a === 'dev') name = need(args, ++i, a);
      else if (a === 'link') parent = need(args, ++i, a);
      else if (a === 'id' && type === 'vlan') vlanId = Number(need(args, ++i, a));
      else if (a === 'type') type = need(args, ++i, a);
      else if (a === 'table' && type === 'vrf') table = Number(need(args, ++i, a));
      else if (a === 'peer') {
        if (args[i + 1] === 'name') i++;
        peer = need(args, ++i, a);
      } else if (name === undefined) name = a;
      else throw new ToolError(`Error: argument "${a}" is wrong: Unknown device type\n`, 255);
    }
    if (name === undefined) throw new ToolError('Not enough information: "dev" argument is required.\n', 255);
    if (name.length > 15)
      throw new ToolError(`Error: argument "${name}" is wrong: "name" not a valid ifname\n`, 255);
    if (type === undefined) throw new ToolError('Not enough information: "type" argument is required\n', 255);
    if (type === 'vrf') {
      if (table === undefined || !Number.isInteger(table))
        throw new ToolError('Error: VRF table id is missing.\n', 2);
      k.addLink(name, 'vrf', prng.mac(), { table });
    } else if (type === 'veth') {
      k.addLink(name, 'veth', prng.mac());
      k.addLink(peer ?? `veth${k.links.size}`, 'veth', prng.mac());
    } else if (type === 'vlan') {
      if (parent === undefined)
        throw new ToolError('Not enough information: "link" argument is required\n', 255);
      if (vlanId === undefined || !Number.isInteger(vlanId) || vlanId < 0 || vlanId > 4094)
        throw new ToolError('Error: argument is wrong: "id" is invalid\n', 255);
      const lower = k.link(parent);
      if ([...k.links.values()].some((l) => l.parent === parent && l.vlanId === vlanId))
        throw new ToolError('RTNETLINK answers: File exists\n', 2);
      k.addLink(name, 'vlan', lower.mac, { parent, vlanId });
    } else if (type === 'dummy') k.addLink(name, 'dummy', prng.mac());
    else throw new ToolError(`Error: Unknown device type.\n`, 2);
    return;
  }
  if (verb === 'del' || verb === 'delete') {
    const name = args[0] === 'dev' ? args[1] : args[0];
    if (name === undefined) throw new ToolError('Not enough information: "dev" argument is required.\n', 255);
    k.deleteLink(name);
    return;
  }
  // set [dev] NAME up|down|master V|nomaster|mtu N
  let i = args[0] === 'dev' ? 1 : 0;
  const name = args[i++];
  if (name === undefined) throw new ToolError('Not enough information: "dev" argument is required.\n', 255);
  k.link(name);
  for (; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'up' || a === 'down') k.setUp(name, a === 'up');
    else if (a === 'master') k.setMaster(name, need(args, ++i, a));
    else if (a === 'nomaster') k.setMaster(name, undefined);
    else if (a === 'mtu') {
      k.link(name).mtu = Number(need(args, ++i, a));
      k.version++;
    } else throw new ToolError(`Error: either "dev" is duplicate, or "${a}" is a garbage.\n`, 255);
  }
}

/** `ip tuntap add [dev] NAME mode tap`. */
export function tuntapChange(node: SimNode, verb: string, args: string[], prng: Prng): void {
  let name: string | undefined;
  let mode: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'dev' || a === 'name') name = need(args, ++i, a);
    else if (a === 'mode') mode = need(args, ++i, a);
    else if (['user', 'group'].includes(a)) i++;
    else if (['one_queue', 'pi', 'vnet_hdr', 'multi_queue'].includes(a)) continue;
    else if (name === undefined) name = a;
  }
  if (verb === 'del' || verb === 'delete') {
    if (name === undefined) throw new ToolError('Not enough information: "dev" argument is required.\n', 1);
    node.kernel.deleteLink(name);
    return;
  }
  if (mode !== 'tap' && mode !== 'tun') throw new ToolError('You failed to specify a tunnel mode\n', 1);
  if (name === undefined) throw new ToolError('Not enough information: "dev" argument is required.\n', 1);
  if (node.kernel.links.has(name)) throw new ToolError('ioctl(TUNSETIFF): Device or resource busy\n', 1);
  node.kernel.addLink(name, 'tun', prng.mac());
}
