/** `ip` (iproute2 6.1): options, object abbreviations, listings and changes. */
import type { Family } from '../../../model/route.ts';
import { ToolError } from '../model/errors.ts';
import { LOCAL_TABLE, MAIN_TABLE } from '../model/kernel.ts';
import type { SimNode } from '../model/node.ts';
import type { Prng } from '../model/prng.ts';
import { briefLinks, linksJson, listLinks } from '../render/ip-link.ts';
import { ipRoutesJson, ipRoutesText } from '../render/ip-route.ts';
import { addrChange, linkChange, routeChange, tuntapChange } from './ip-change.ts';

export interface IpContext {
  node: SimNode;
  root: boolean;
  prng: Prng;
}

interface Opts {
  json: boolean;
  details: boolean;
  brief: boolean;
  family?: Family;
}

const OBJECTS: [string, string][] = [
  ['address', 'a'],
  ['link', 'l'],
  ['route', 'r'],
  ['tuntap', 'tuntap'],
  ['neighbour', 'n'],
  ['rule', 'ru'],
  ['vrf', 'vrf'],
];

function object(word: string): string | undefined {
  if (word === 'addr') return 'address';
  if (word === 'neigh' || word === 'neighbor') return 'neighbour';
  return OBJECTS.find(([full, min]) => full.startsWith(word) && word.startsWith(min))?.[0];
}

const denied = (): ToolError => new ToolError('RTNETLINK answers: Operation not permitted\n', 2);

const ROUTE_TYPES = new Set([
  'unicast',
  'local',
  'broadcast',
  'multicast',
  'throw',
  'unreachable',
  'prohibit',
  'blackhole',
  'nat',
  'anycast',
]);

function showRoutes(ctx: IpContext, o: Opts, args: string[]): string {
  let table: number | 'all' = MAIN_TABLE;
  let type: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === 'type') {
      // iproute2 6.1's words for a bad route type.
      const t = args[++i] ?? '';
      if (!ROUTE_TYPES.has(t))
        throw new ToolError(`Error: argument "${t}" is wrong: node type value is invalid\n`, 255);
      type = t;
    } else if (a === 'table') {
      const t = args[++i] ?? '';
      table = t === 'all' ? 'all' : t === 'main' ? MAIN_TABLE : t === 'local' ? LOCAL_TABLE : Number(t);
      if (table !== 'all' && !Number.isInteger(table))
        throw new ToolError(`Error: argument "${t}" is wrong: table id value is invalid\n\n`, 255);
    } else if (a === 'vrf') {
      const name = args[++i] ?? '';
      const vrf = ctx.node.kernel.links.get(name);
      if (vrf?.kind !== 'vrf' || vrf.table === undefined)
        throw new ToolError(`Error: argument "${name}" is wrong: Not a valid VRF name\n\n`, 255);
      table = vrf.table;
    } else if (a !== 'show' && a !== 'list' && a !== 'ls')
      throw new ToolError(
        `Error: argument "${a ?? ''}" is wrong: the lab supports table, vrf and type filters only\n`,
        255,
      );
  }
  // `table all` lists every family unless one was asked for; a plain listing defaults to IPv4.
  const families: Family[] = o.family ? [o.family] : table === 'all' ? [4, 6] : [4];
  if (o.json)
    return ctx.node.memo(
      `ip-route-json|${families.join(',')}|${table}|${type ?? ''}`,
      ctx.node.routeStamp(),
      () => ipRoutesJson(ctx.node, families, table, type),
    );
  return families.map((f) => ipRoutesText(ctx.node, f, table === 'all' ? MAIN_TABLE : table, type)).join('');
}

function showLinks(ctx: IpContext, o: Opts, args: string[], addresses: boolean): string {
  let dev: string | undefined;
  let type: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === 'show' || a === 'list' || a === 'ls') continue;
    if (a === 'dev') dev = args[++i];
    else if (a === 'type') type = args[++i];
    else if (a === 'up') continue;
    else dev = a;
  }
  const listing = {
    details: o.details,
    addresses,
    linkmode: !addresses,
    ...(dev !== undefined ? { dev } : {}),
    ...(type !== undefined ? { type } : {}),
    ...(o.family ? { family: o.family } : {}),
  };
  if (listLinks(ctx.node.kernel, listing) === null)
    throw new ToolError(`Device "${dev ?? ''}" does not exist.\n`, 1);
  if (o.brief) return briefLinks(ctx.node.kernel, listing);
  if (o.json)
    return ctx.node.memo(`ip-link-json|${JSON.stringify(listing)}`, String(ctx.node.kernel.version), () =>
      linksJson(ctx.node.kernel, listing),
    );
  throw new ToolError('the lab prints `ip addr`/`ip link` as JSON (-j) or brief (-br)\n', 1);
}

export function ip(ctx: IpContext, argv: string[]): string {
  const o: Opts = { json: false, details: false, brief: false };
  let i = 0;
  for (; i < argv.length && (argv[i] ?? '').startsWith('-'); i++) {
    const a = (argv[i] as string).replace(/^--?/, '');
    if (a === 'j' || a === 'json') o.json = true;
    else if (a === 'd' || a === 'details') o.details = true;
    else if (a === 'br' || a === 'brief') o.brief = true;
    else if (a === '4') o.family = 4;
    else if (a === '6') o.family = 6;
    else if (
      a === 'p' ||
      a === 'pretty' ||
      a === 's' ||
      a === 'stats' ||
      a === 'o' ||
      a === 'oneline' ||
      a === 'c' ||
      a === 'color'
    )
      continue;
    else if (a === 'jd' || a === 'dj') o.json = o.details = true;
    else throw new ToolError(`Option "-${a}" is unknown, try "ip -help".\n`, 255);
  }
  const objWord = argv[i++];
  if (objWord === undefined) throw new ToolError('Usage: ip [ OPTIONS ] OBJECT { COMMAND | help }\n', 255);
  const obj = object(objWord);
  if (!obj) throw new ToolError(`Object "${objWord}" is unknown, try "ip help".\n`, 255);
  const rest = argv.slice(i);
  const verb = rest[0] ?? 'show';
  const changing = ['add', 'del', 'delete', 'replace', 'change', 'set', 'append', 'flush'].includes(verb);
  if (changing && !ctx.root) throw denied();
  const n = ctx.node;
  switch (obj) {
    case 'route':
      if (changing) {
        routeChange(n, o.family, verb, rest.slice(1));
        return '';
      }
      return showRoutes(ctx, o, rest);
    case 'address':
      if (changing) {
        addrChange(n, o.family, verb, rest.slice(1));
        return '';
      }
      return showLinks(ctx, o, rest, true);
    case 'link':
      if (changing) {
        linkChange(n, verb, rest.slice(1), ctx.prng);
        return '';
      }
      return showLinks(ctx, o, rest, false);
    case 'tuntap':
      if (!ctx.root) throw new ToolError('ioctl(TUNSETIFF): Operation not permitted\n', 1);
      tuntapChange(n, verb, rest.slice(1), ctx.prng);
      return '';
    default:
      return o.json ? '[]\n' : '';
  }
}
