/**
 * `show bgp [vrf NAME] ipv4|ipv6 unicast [version N] json`: FRR 8.4 writes the header by hand and one
 * compact JSON array of paths per prefix on its own line (`bgp_show_table`).
 */
import type { Family } from '../../../model/route.ts';
import type { Dest, Path } from '../model/bgp-types.ts';
import type { SimNode } from '../model/node.ts';
import { formatAddress } from '../model/addr.ts';
import { vrfId } from './frr-routes.ts';

function pathJson(node: SimNode, d: Dest, p: Path): Record<string, unknown> {
  const best = d.best === p;
  const multipath = !best && d.multipath.includes(p);
  const local = p.from === null;
  const addr = formatAddress(d.family, d.prefix.value);
  const peerLL = p.from?.remote.linkLocal ?? '';
  const peerName = p.from?.remote.device ?? node.name;
  const nexthops = local
    ? [
        {
          ip: d.family === 4 ? '0.0.0.0' : '::',
          hostname: node.name,
          afi: d.family === 4 ? 'ipv4' : 'ipv6',
          ...(d.family === 6 ? { scope: 'global' } : {}),
          used: true,
        },
      ]
    : [
        { ip: peerLL, hostname: peerName, afi: 'ipv6', scope: 'global', used: true },
        { ip: peerLL, hostname: peerName, afi: 'ipv6', scope: 'link-local' },
      ];
  return {
    valid: true,
    ...(multipath ? { multipath: true } : {}),
    ...(best ? { bestpath: true, selectionReason: d.selectionReason } : {}),
    pathFrom: 'external',
    prefix: addr,
    prefixLen: d.prefix.length,
    network: d.prefix.text,
    version: d.version,
    ...(p.med !== null ? { metric: p.med } : {}),
    weight: local ? 32768 : 0,
    peerId: local ? '(unspec)' : peerLL,
    path: p.asPath.join(' '),
    origin: p.origin,
    nexthops,
  };
}

/** The table, or with `fromVersion` only its prefixes whose version is that or later (`version N`). */
export function bgpTableJson(node: SimNode, vrf: string, family: Family, fromVersion = 0): string {
  const inst = node.bgp.instances.get(vrf);
  if (!inst) return '{}\n';
  const dests = [...inst.dests.values()]
    .filter((d) => d.family === family && d.paths.length > 0 && d.version >= fromVersion)
    .sort((a, b) =>
      a.prefix.value < b.prefix.value
        ? -1
        : a.prefix.value > b.prefix.value
          ? 1
          : a.prefix.length - b.prefix.length,
    );
  const head =
    `{\n "vrfId": ${vrfId(node, vrf)},\n "vrfName": "${vrf}",\n "tableVersion": ${inst.tableVersion[family]},\n` +
    ` "routerId": "${inst.routerId}",\n "defaultLocPrf": 100,\n "localAS": ${inst.as},\n "routes": { `;
  // Best path last, as FRR lists paths newest-first with the selected one at the end here.
  const rows = dests.map(
    (d, i) =>
      `${i === 0 ? '' : ','}"${d.prefix.text}": ${JSON.stringify(d.paths.map((p) => pathJson(node, d, p)))}\n`,
  );
  return `${head}${rows.join('')} }  } \n`;
}
