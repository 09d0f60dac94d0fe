import { describe, expect, it } from 'vitest';
import { ParseError } from '../../src/drivers/errors.ts';
import { parseBgpSummary } from '../../src/drivers/frr/bgp-summary.ts';
import { fixtureFiles, readFixture } from './fixtures.ts';

type Peer = { state?: string; pfxRcd?: number; pfxSnt?: number; idType?: string };
type Afi = { peers: Record<string, Peer> };

/** What each fixture says, read straight from its JSON: [vrf, afi, peer key, peer] for every peer. */
function peersIn(doc: Record<string, unknown>): [string, string, string, Peer][] {
  const out: [string, string, string, Peer][] = [];
  const afis = (vrf: string, m: Record<string, Afi>): void => {
    for (const [afi, v] of Object.entries(m))
      for (const [k, p] of Object.entries(v.peers)) out.push([vrf, afi, k, p]);
  };
  if ('peers' in doc) afis('default', { unknown: doc as unknown as Afi });
  else if (Object.values(doc).some((v) => typeof v === 'object' && v !== null && 'peers' in v))
    afis('default', doc as Record<string, Afi>);
  else for (const [vrf, m] of Object.entries(doc)) afis(vrf, m as Record<string, Afi>);
  return out;
}

const SUMMARY_FILES = fixtureFiles(/summ(ary)?[-.]json/);

describe('parseBgpSummary on every captured and variant summary', () => {
  it('finds them', () => {
    expect(SUMMARY_FILES.filter((f) => f.startsWith('frr-8.4/')).length).toBeGreaterThanOrEqual(8);
    expect(SUMMARY_FILES.filter((f) => f.startsWith('frr-variants/')).length).toBeGreaterThanOrEqual(5);
  });

  for (const file of SUMMARY_FILES) {
    it(`${file}: one session per peer and AFI, with state and prefix counts as printed`, () => {
      const text = readFixture(file);
      const peers = peersIn(JSON.parse(text) as Record<string, unknown>);
      const sessions = parseBgpSummary(text, 'dev1');
      expect(sessions).toHaveLength(peers.length);
      expect(sessions.filter((s) => s.established)).toHaveLength(
        peers.filter(([, , , p]) => p.state === 'Established').length,
      );
      peers.forEach(([vrf, afi, key, p], i) => {
        const s = sessions[i]!;
        expect([s.device, s.vrf, s.afiSafi, s.peer]).toEqual(['dev1', vrf, afi, key]);
        expect(s.prefixesReceived).toBe(p.pfxRcd ?? null);
        expect(s.prefixesSent).toBe(p.pfxSnt ?? null);
        if (p.idType) expect(s.peerType).toBe(p.idType);
      });
    });
  }
});

describe('parseBgpSummary details', () => {
  it('keys unnumbered peers by interface name (real 8.4 capture)', () => {
    const sessions = parseBgpSummary(readFixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json'), 'rtr1');
    expect(sessions.map((s) => s.peer)).toContain('dn-hv1');
    const s = sessions.find((x) => x.peer === 'dn-hv1' && x.afiSafi === 'ipv4Unicast')!;
    expect(s).toMatchObject({ peerType: 'interface', hostname: 'hv1', remoteAs: '65101', localAs: '65000' });
    expect(s.state).toBe('Established');
    expect(s.uptimeMs).toBeGreaterThan(0);
  });

  it('reports a stopped peer as not established (real capture with hv3 bgpd stopped)', () => {
    const text = readFixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json--hv3-bgpd-stopped.json');
    const hv3 = parseBgpSummary(text, 'rtr1').filter((s) => s.peer === 'dn-hv3');
    expect(hv3.length).toBeGreaterThan(0);
    for (const s of hv3)
      expect(s).toMatchObject({ established: false, state: 'Idle', connectionsDropped: 2 });
  });

  it('gives the same sessions for `show bgp summary json` and the default VRF of `vrf all`', () => {
    const plain = parseBgpSummary(readFixture('frr-8.4/hv1/show-bgp-summary-json.json'), 'hv1');
    const all = parseBgpSummary(readFixture('frr-8.4/hv1/show-bgp-vrf-all-summary-json.json'), 'hv1');
    const strip = (xs: typeof plain) => xs.map((s) => ({ ...s, uptimeMs: 0 }));
    expect(strip(plain)).toEqual(strip(all.filter((s) => s.vrf === 'default')));
  });

  it('keeps dotted AS numbers as text (FRR 9+ as-notation dot)', () => {
    const s = parseBgpSummary(
      readFixture('frr-variants/show-bgp-vrf-all-summary-json--asdot.json'),
      'rtr1',
    )[0]!;
    expect(s.remoteAs).toMatch(/^\d+\.1$/);
    expect(s.localAs).toBe('65000.1');
  });

  it('falls back to the instance AS when FRR 7.5 prints no localAs', () => {
    const sessions = parseBgpSummary(
      readFixture('frr-variants/show-bgp-vrf-all-summary-json--frr7.5-fields.json'),
      'rtr1',
    );
    expect(sessions.every((s) => s.localAs === '65000' && s.description === undefined)).toBe(true);
  });

  it('reads non-default VRFs, EVPN, descriptions and never-established peers', () => {
    const sessions = parseBgpSummary(
      readFixture('frr-variants/show-bgp-vrf-all-summary-json--vrf-red-evpn.json'),
      'rtr1',
    );
    expect(new Set(sessions.map((s) => s.afiSafi))).toEqual(
      new Set(['ipv4Unicast', 'ipv6Unicast', 'l2VpnEvpn']),
    );
    const red = sessions.filter((s) => s.vrf === 'RED');
    expect(red).toEqual([
      expect.objectContaining({
        peer: '192.0.2.2',
        peerType: 'ipv4',
        description: 'tenant red CE',
        state: 'Active',
        established: false,
        uptimeMs: null,
      }),
    ]);
    expect(sessions.some((s) => s.vrf === 'BLUE')).toBe(false);
  });

  it('infers the peer type when idType is missing (topotest subsets)', () => {
    const text = readFixture('frr-variants/topotest-bgp_l3vpn_hidden-pe1-show-bgp-vrf-all-summary-json.json');
    const types = parseBgpSummary(text, 'pe1').map((s) => [s.vrf, s.peer, s.peerType]);
    expect(types).toContainEqual(['RED', '3fff:1::ff', 'ipv6']);
    expect(types).toContainEqual(['default', '192.168.0.101', 'ipv4']);
  });

  // Issue 12 item 6: FRR ≤ 7.3 prints `prefixReceivedCount` (≤ 6.0: only that name).
  it('reads the received count from prefixReceivedCount when pfxRcd is absent', () => {
    const text = readFixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json').replaceAll(
      '"pfxRcd":',
      '"prefixReceivedCount":',
    );
    const sessions = parseBgpSummary(text, 'rtr1');
    expect(sessions.length).toBeGreaterThan(0);
    expect(sessions.every((s) => typeof s.prefixesReceived === 'number')).toBe(true);
    expect(sessions.map((s) => s.prefixesReceived)).toEqual(
      parseBgpSummary(readFixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json'), 'rtr1').map(
        (s) => s.prefixesReceived,
      ),
    );
  });

  // Issue 12 item 6: `show bgp vrf all ipv4 unicast summary json` is {vrf: summary}, not {afi: summary}.
  it('reads the per-AFI `vrf all <afi> summary` form by VRF, never VRF names as AFIs', () => {
    const afi = (
      JSON.parse(readFixture('frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json')) as {
        default: { ipv4Unicast: Record<string, unknown> };
      }
    ).default.ipv4Unicast;
    const text = JSON.stringify({ default: afi, RED: { ...afi, vrfName: 'RED', vrfId: 5 } });
    const sessions = parseBgpSummary(text, 'rtr1', { afiSafi: 'ipv4Unicast' });
    expect(new Set(sessions.map((s) => s.vrf))).toEqual(new Set(['default', 'RED']));
    expect(new Set(sessions.map((s) => s.afiSafi))).toEqual(new Set(['ipv4Unicast']));
    const unknown = parseBgpSummary(text, 'rtr1');
    expect(new Set(unknown.map((s) => s.afiSafi))).toEqual(new Set(['unknown']));
    expect(new Set(unknown.map((s) => s.vrf))).toEqual(new Set(['default', 'RED']));
  });

  it('refuses summaries of a shape it does not know, naming what is wrong', () => {
    const afi = { vrfName: 'default', peers: {} };
    const cases: [string, RegExp][] = [
      ['', /output is empty/],
      [JSON.stringify({ ipv4Unicast: afi, RED: { ipv4Unicast: afi } }), /mixes address families/],
      [JSON.stringify({ default: { ipv4Unicast: afi, bogus: afi } }), /"default"\.bogus/],
      [JSON.stringify({ default: afi, RED: { ipv4Unicast: afi } }), /"RED"/],
      [JSON.stringify({ RED: { ...afi, vrfName: 'BLUE' } }), /vrfName "BLUE"/],
      [JSON.stringify({ ipv4Unicast: { peers: [] } }), /"ipv4Unicast"\.peers/],
    ];
    for (const [text, message] of cases) {
      expect(() => parseBgpSummary(text, 'x'), text).toThrow(message);
    }
  });

  it('returns no sessions for {} (BGP not running) and ParseError for anything unreadable', () => {
    expect(parseBgpSummary('{}\n', 'x')).toEqual([]);
    expect(parseBgpSummary('{\n"default":{}\n}\n', 'x')).toEqual([]);
    for (const bad of [
      '',
      'bgpd is not running',
      '% Unknown command: show bgp',
      '[]',
      '{"default":{"ipv4Unicast":{"peers":3}}}',
    ]) {
      expect(() => parseBgpSummary(bad, 'x')).toThrow(ParseError);
    }
  });
});
