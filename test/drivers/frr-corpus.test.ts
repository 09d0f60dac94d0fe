import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseBgpSummary } from '../../src/drivers/frr/bgp-summary.ts';
import { RouteStreamParser } from '../../src/drivers/frr/route-stream.ts';
import { parseEvpnVnis } from '../../src/drivers/vyos/overlay-runtime.ts';
import { CompactRouteTableBuilder } from '../../src/model/compact-route-builder.ts';
import { chunked } from './fixtures.ts';
import { referenceRoutes } from './route-reference.ts';

// fixtures/frr-corpus: FRR 7.5.1, 8.4, 9.1, 10.2 (and 6.0, 10.7 extras) × topologies, each file with
// its origin and an expectation computed by derive.py in Python, independently of these parsers.
const ROOT = fileURLToPath(new URL('../../fixtures/frr-corpus/', import.meta.url));

interface Entry {
  version: string;
  topology: string;
  file: string;
  command: string;
  origin: 'capture' | 'topotest-subset' | 'derived' | 'constructed';
  expect: {
    sessions?: [string, string, string, string, number | null][];
    routes?: number;
    vrfs?: string[];
    vnis?: [number, string, string | null, string[]][];
  };
}

const MANIFEST = JSON.parse(readFileSync(path.join(ROOT, 'manifest.json'), 'utf8')) as Entry[];
const read = (e: Entry): string => readFileSync(path.join(ROOT, e.file), 'utf8');
const kind = (e: Entry): string =>
  e.command.includes('summary')
    ? 'summary'
    : e.command.startsWith('show ipv6 route')
      ? 'routes6'
      : e.command.startsWith('show ip route')
        ? 'routes4'
        : 'evpn';

describe('FRR corpus coverage', () => {
  it('has at least 4 versions with at least 3 topologies each, and every kind in each of them', () => {
    const versions = new Map<string, Set<string>>();
    for (const e of MANIFEST) versions.set(e.version, (versions.get(e.version) ?? new Set()).add(e.topology));
    const full = [...versions].filter(([, topologies]) => topologies.size >= 3).map(([v]) => v);
    expect(full.length).toBeGreaterThanOrEqual(4);
    for (const v of full) {
      expect(new Set(MANIFEST.filter((e) => e.version === v).map(kind)), v).toEqual(
        new Set(['summary', 'routes4', 'routes6', 'evpn']),
      );
    }
  });

  it('covers unnumbered and numbered peers, the default and other VRFs, both AFIs', () => {
    const sessions = MANIFEST.flatMap((e) => e.expect.sessions ?? []);
    expect(sessions.some(([, , peer]) => /^[a-z]/i.test(peer) && !peer.includes(':'))).toBe(true);
    expect(sessions.some(([, , peer]) => /^\d+\.\d+\.\d+\.\d+$/.test(peer))).toBe(true);
    expect(new Set(sessions.map(([, afi]) => afi))).toEqual(new Set(['ipv4Unicast', 'ipv6Unicast']));
    expect(new Set(sessions.map(([vrf]) => vrf)).size).toBeGreaterThanOrEqual(3);
  });

  it('gives every folder a README naming each of its files and their origin', () => {
    for (const e of MANIFEST) {
      const readme = path.join(ROOT, e.version, e.topology, 'README.md');
      expect(existsSync(readme), readme).toBe(true);
      const text = readFileSync(readme, 'utf8');
      expect(text).toContain(`\`${path.basename(e.file)}\``);
      expect(text).toContain(`| ${e.origin} |`);
    }
  });
});

describe('parsers on every corpus file', () => {
  for (const e of MANIFEST) {
    it(`${e.file} (${e.origin})`, () => {
      const text = read(e);
      switch (kind(e)) {
        case 'summary': {
          const afiSafi = /show bgp vrf all (ipv[46]) unicast summary/.exec(e.command);
          const opts = afiSafi ? { afiSafi: `${afiSafi[1]}Unicast` } : {};
          const sessions = parseBgpSummary(text, 'dev1', opts);
          expect(sessions.map((s) => [s.vrf, s.afiSafi, s.peer, s.state, s.prefixesReceived])).toEqual(
            e.expect.sessions,
          );
          break;
        }
        case 'routes4':
        case 'routes6': {
          const bytes = Buffer.from(text);
          for (const chunks of [[bytes], chunked(bytes, 7, 200)]) {
            const builder = new CompactRouteTableBuilder();
            const parser = new RouteStreamParser(builder);
            for (const c of chunks) parser.write(c);
            parser.end();
            const table = builder.finish();
            expect(table.size).toBe(e.expect.routes);
            expect([...table.vrfs()].sort()).toEqual(e.expect.vrfs);
            expect([...table]).toEqual(referenceRoutes(text));
          }
          break;
        }
        default: {
          const vnis = parseEvpnVnis(text, 'dev1');
          expect(vnis.map((v) => [v.vni, v.type, v.remoteVteps])).toEqual(
            (e.expect.vnis ?? []).map(([vni, type, , vteps]) => [vni, type, vteps]),
          );
          for (const [i, [, , vrf]] of (e.expect.vnis ?? []).entries())
            expect(vnis[i]?.vrf).toBe(vrf ?? 'default');
        }
      }
    });
  }
});
