/**
 * Field-for-field comparison with the real FRR 8.4 / iproute2 captures in fixtures/frr-8.4: the
 * same keys, in the same order, for the same kind of entry.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import { ipRoutesSelected } from '../../../drivers/fixtures.ts';

const FIXTURES = path.join(import.meta.dirname, '../../../../fixtures/frr-8.4');
const fixture = (file: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, file), 'utf8'));
type Obj = Record<string, unknown>;
const keys = (o: unknown): string[] => Object.keys(o as Obj);

describe('rendering matches the FRR 8.4 captures field for field', () => {
  const fabric = createSimFabric();
  afterAll(() => fabric.close());
  const hv = fabric.device('hv1')!;
  const spine = fabric.device('spine1')!;
  const json = async (d: typeof hv, c: string): Promise<unknown> => JSON.parse((await d.exec(c)).stdout);

  it('show ip route json: kernel, BGP (ECMP on hypervisors) and connected entries', async () => {
    const real = fixture('hv1/show-ip-route-json.json') as Record<string, Obj[]>;
    const sim = (await json(hv, "vtysh -c 'show ip route json'")) as Record<string, Obj[]>;
    const pick = (doc: Record<string, Obj[]>, protocol: string) =>
      Object.values(doc)
        .flat()
        .find((e) => e['protocol'] === protocol && e['selected'])!;
    for (const protocol of ['kernel', 'bgp', 'connected']) {
      const [r, s] = [pick(real, protocol), pick(sim, protocol)];
      expect(keys(s), protocol).toEqual(keys(r));
      expect(keys((s['nexthops'] as Obj[])[0]), protocol).toEqual(keys((r['nexthops'] as Obj[])[0]));
      expect((s['nexthops'] as Obj[]).length, protocol).toBe((r['nexthops'] as Obj[]).length);
    }
    expect(pick(sim, 'bgp')['metric']).toBe(0); // MED is not passed on to the other hypervisors
    expect(pick(real, 'bgp')['metric']).toBe(0);
  });

  it('show bgp summary json / vrf all: the same AFI and peer fields', async () => {
    const real = fixture('rtr1/show-bgp-vrf-all-summary-json.json') as Record<string, Record<string, Obj>>;
    const sim = (await json(spine, "vtysh -c 'show bgp vrf all summary json'")) as Record<
      string,
      Record<string, Obj>
    >;
    expect(Object.keys(sim)).toEqual(['default', 'blue', 'red']);
    const [r, s] = [real['default']!['ipv4Unicast']!, sim['default']!['ipv4Unicast']!];
    expect(keys(s)).toEqual(keys(r));
    expect(keys(Object.values(s['peers'] as Obj)[0])).toEqual(keys(Object.values(r['peers'] as Obj)[0]));
    const raw = (await spine.exec("vtysh -c 'show bgp summary json'")).stdout;
    expect(raw.startsWith('{\n"ipv4Unicast":{\n  "routerId":')).toBe(true);
    expect(raw.endsWith('  "bestPath":{\n    "multiPathRelax":"false"\n  }\n}\n}\n')).toBe(true);
  });

  it('show ip route vrf all json: one document per VRF, no outer object', async () => {
    const raw = (await spine.exec("vtysh -c 'show ip route vrf all json'")).stdout;
    const docs = raw.split(/\n(?=\{\n)/).map((d) => JSON.parse(d) as Record<string, Obj[]>);
    expect(docs.map((d) => Object.values(d)[0]?.[0]?.['vrfName'])).toEqual(['blue', 'default', 'red']);
  });

  it('show bgp ipv4 unicast json: header and path fields, local and learned', async () => {
    const real = fixture('hv1/show-bgp-ipv4-unicast-json.json') as Obj;
    const sim = (await json(hv, "vtysh -c 'show bgp ipv4 unicast json'")) as Obj;
    expect(keys(sim)).toEqual(keys(real));
    const paths = (doc: Obj) => Object.values(doc['routes'] as Record<string, Obj[]>).flat();
    const local = (doc: Obj) => paths(doc).find((p) => p['peerId'] === '(unspec)')!;
    const learned = (doc: Obj) => paths(doc).find((p) => p['peerId'] !== '(unspec)' && p['bestpath'])!;
    expect(keys(local(sim))).toEqual(keys(local(real)));
    expect(keys(learned(sim))).toEqual(keys(learned(real)));
  });

  it('ip -j addr / -d link and ip -j route show table all: the same keys for links and routes', async () => {
    const real = fixture('hv1/ip-j-addr.json') as Obj[];
    const sim = (await json(hv, 'ip -j addr')) as Obj[];
    const tap = (list: Obj[]) =>
      list.find((l) => String(l['ifname']).startsWith('tap-') && !('master' in l))!;
    const noNetns = (k: string[]) => k.filter((x) => x !== 'link_index' && x !== 'link_netnsid');
    expect(keys(tap(sim))).toEqual(noNetns(keys(tap(real))));
    expect((tap(sim)['addr_info'] as Obj[]).map(keys)).toEqual((tap(real)['addr_info'] as Obj[]).map(keys));
    const realRoutes = fixture('hv1/ip-j-route-show-table-all.json') as Obj[];
    const simRoutes = (await json(hv, 'ip -j route show table all')) as Obj[];
    const workload = (list: Obj[]) =>
      list.find(
        (r) =>
          String(r['dev']).startsWith('tap-') &&
          !('table' in r) &&
          !('type' in r) &&
          !String(r['dst']).includes(':'),
      )!;
    expect(keys(workload(simRoutes))).toEqual(keys(workload(realRoutes)));
    const ecmp = (list: Obj[]) =>
      list.find((r) => r['protocol'] === 'bgp' && !('table' in r) && !String(r['dst']).includes(':'))!;
    expect(keys(ecmp(simRoutes))).toEqual(keys(ecmp(realRoutes)));
    const v6 = (list: Obj[]) =>
      list.find(
        (r) =>
          String(r['dev']).startsWith('tap-') &&
          String(r['dst']).includes('::/64') &&
          !('table' in r) &&
          r['protocol'] === undefined,
      )!;
    expect(keys(v6(simRoutes))).toEqual(keys(v6(realRoutes)));
  });

  it('ip -j -4|-6 route show table all type unicast: what iproute2 selects from the full listing', async () => {
    const all = (await json(hv, 'ip -j route show table all')) as Obj[];
    const v4u = (await json(hv, 'ip -j -4 route show table all type unicast')) as Obj[];
    const v6u = (await json(hv, 'ip -j -6 route show table all type unicast')) as Obj[];
    // iproute2's rules (the same the driver replays use on the real captures).
    expect(v4u).toEqual(JSON.parse(ipRoutesSelected(JSON.stringify(all), 4)));
    expect(v6u).toEqual(JSON.parse(ipRoutesSelected(JSON.stringify(all), 6)));
    // Smaller than the full listing: each TAP's local, broadcast and multicast routes are left out.
    expect(v4u.length + v6u.length).toBeLessThan(all.length);
    expect(v4u.some((r) => String(r['dev']).startsWith('tap-'))).toBe(true);
    const local = (await json(hv, 'ip -j route show table all type local')) as Obj[];
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((r) => r['type'] === 'local')).toBe(true);
    // A type iproute2 does not know: its error and exit code, no listing.
    const bad = await hv.exec('ip -j route show table all type foo');
    expect(bad.code).toBe(255);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('argument "foo" is wrong: node type value is invalid');
  });
});
