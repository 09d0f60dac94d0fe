/** vtysh `show …` commands the drivers and people send, rendered from the model. */
import type { Family } from '../../../model/route.ts';
import type { SimNode } from '../model/node.ts';
import type { Printed } from '../types.ts';
import { bgpSummaryJson, bgpSummaryText, bgpSummaryVrfAllJson } from '../render/frr-bgp-summary.ts';
import { bgpTableJson } from '../render/frr-bgp-table.ts';
import { neighborsJson, neighborsVrfAllJson } from '../render/frr-neighbors.ts';
import {
  routesJson,
  routesPrinted,
  routesText,
  routesVrfAllPrinted,
  selectEntries,
} from '../render/frr-routes.ts';
import { runningConfig } from '../render/frr-config.ts';
import type { SummaryFilter } from '../render/frr-bgp-summary.ts';
import { NoMatch, V4_ADDR, V4_PREFIX, V6_ADDR, V6_PREFIX, type Words } from './keywords.ts';

export const FRR_VERSION =
  'FRRouting 8.4.4 (%s) on Linux(6.1.0-lab).\nCopyright 1996-2005 Kunihiro Ishiguro, et al.\n';

/** `vrf NAME|all` → the name, 'all', or undefined when the words do not start with vrf. */
function vrfArg(w: Words, allowAll: boolean): string | undefined {
  if (!w.opt('vrf')) return undefined;
  const name = w.arg();
  if (name === 'all' && !allowAll) throw new NoMatch();
  return name;
}

// What FRR 8.4 prints for a VRF it does not have (fixtures/frr-8.4-prefix/): zebra's `show ip route
// vrf X …` a `%` line (exit 0, even with json); bgpd's `show bgp vrf X summary json` an empty object.
function noVrf(node: SimNode, vrf: string, answer: string): string | null {
  return vrf === 'default' || vrf === 'all' || node.vrfNames().includes(vrf) ? null : answer;
}

function showRoute(node: SimNode, w: Words, family: Family): Printed {
  const vrf = vrfArg(w, true) ?? 'default';
  const re = family === 4 ? [V4_PREFIX, V4_ADDR] : [V6_PREFIX, V6_ADDR];
  const next = w.peek();
  const query = next !== undefined && re.some((r) => r.test(next)) ? w.arg() : undefined;
  const json = w.opt('json') !== undefined;
  w.end();
  const missing = noVrf(node, vrf, `% VRF ${vrf} not found\n`);
  if (missing) return missing;
  if (query !== undefined && selectEntries([], query) === null) throw new NoMatch();
  if (!json)
    return vrf === 'all'
      ? node
          .vrfNames()
          .map((v) => routesText(node, v, family))
          .join('\n')
      : routesText(node, vrf, family);
  if (vrf === 'all')
    return query === undefined
      ? routesVrfAllPrinted(node, family)
      : node
          .vrfNames()
          .map((v) => routesJson(node, v, family, query))
          .join('');
  return routesPrinted(node, vrf, family, query);
}

function showBgp(node: SimNode, w: Words): string {
  const vrf = vrfArg(w, true) ?? 'default';
  const afi = w.opt('ipv4', 'ipv6');
  if (afi) w.opt('unicast');
  const families: Family[] = afi === 'ipv4' ? [4] : afi === 'ipv6' ? [6] : [4, 6];
  // `version N`: the table's prefixes whose version is N or later (FRR's bgp_show_type_prefix_version).
  let fromVersion: number | undefined;
  if (afi && w.opt('version')) {
    const n = w.arg();
    if (!/^\d{1,10}$/.test(n) || Number(n) < 1 || Number(n) > 4294967295) throw new NoMatch();
    fromVersion = Number(n);
  }
  const what = fromVersion === undefined ? w.opt('summary', 'neighbors') : undefined;
  // `summary failed` / `summary remote-as ASN`: the filters a poll's cheap probes use (drivers/bgp-probe.ts).
  let filter: SummaryFilter | undefined;
  if (what === 'summary') {
    const by = w.opt('failed', 'remote-as');
    if (by === 'failed') filter = { failed: true };
    else if (by === 'remote-as') filter = { remoteAs: w.arg() };
  }
  const json = w.opt('json') !== undefined;
  w.end();
  const missing = noVrf(
    node,
    vrf,
    what === 'summary' && json
      ? '{}\n'
      : what === undefined && json
        ? '{\n  "warning":"View/Vrf is unknown"\n}\n'
        : `% Specified VRF does not exist\n`,
  );
  if (missing) return missing;
  const vrfs = vrf === 'all' ? [...node.bgp.instances.keys()] : [vrf];
  if (what === undefined) {
    // The table itself: `show bgp [vrf NAME] ipv4|ipv6 [unicast] json` (JSON only in the lab).
    if (!afi || !json || vrf === 'all') throw new NoMatch();
    return bgpTableJson(node, vrf, families[0] ?? 4, fromVersion);
  }
  if (what === 'neighbors') return vrf === 'all' ? neighborsVrfAllJson(node) : neighborsJson(node, vrf);
  if (!json) return vrfs.map((v) => bgpSummaryText(node, v)).join('');
  return vrf === 'all'
    ? bgpSummaryVrfAllJson(node, families, filter)
    : bgpSummaryJson(node, vrf, families, filter);
}

/** Output of a show command, or throws NoMatch for `% Unknown command`. */
export function show(node: SimNode, w: Words): Printed {
  const what = w.kw('bgp', 'ip', 'ipv6', 'version', 'running-config', 'evpn', 'hostname');
  switch (what) {
    case 'version':
      w.end();
      return FRR_VERSION.replace('%s', node.name);
    case 'running-config':
      w.end();
      return runningConfig(node);
    case 'hostname':
      w.end();
      return `${node.name}\n`;
    case 'evpn': {
      const sub = w.kw('vni', 'next-hops');
      if (sub === 'next-hops') {
        w.kw('vni');
        w.kw('all');
      }
      const json = w.opt('json') !== undefined;
      w.end();
      // FRR 8.4 prints nothing at all without EVPN (see the fixtures' README); the routers have it.
      if (!node.overlay || !json) return '';
      return sub === 'vni' ? node.overlay.evpnVniJson(node.name) : node.overlay.evpnNexthopsJson(node.name);
    }
    case 'bgp':
      return showBgp(node, w);
    case 'ip': {
      if (w.opt('bgp')) return showBgp(node, w);
      w.kw('route');
      return showRoute(node, w, 4);
    }
    default:
      w.kw('route');
      return showRoute(node, w, 6);
  }
}
