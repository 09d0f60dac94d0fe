/**
 * The BGP probes' signature (bgp-probe.ts) on FRR 8.4's real output: its versions part is exactly what
 * route-check compares (so a version-only change re-reads the tables that moved), and its sessions
 * part moves when a session fails, recovers, is added or removed — never when only routes changed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { probeSignature, sessionsOf, versionsOf } from '../../src/drivers/bgp-probe.ts';
import { bgpTableVersions } from '../../src/drivers/route-check.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/frr-8.4-prefix/${name}`, import.meta.url), 'utf8');
const probe = fixture('show-bgp-vrf-all-summary-remote-as-4294967295-json.json');
const later = fixture('show-bgp-vrf-all-summary-remote-as-4294967295-json--hv3-bgpd-stopped.json');
const failed = (count: number) =>
  JSON.stringify({
    default: {
      ipv4Unicast: { failedPeersCount: count, dynamicPeers: 0, totalPeers: 3 },
      ipv6Unicast: { failedPeersCount: count, dynamicPeers: 0, totalPeers: 3 },
    },
  });
const withTotal = (text: string, total: number) =>
  JSON.stringify(
    JSON.parse(text, (key, value: unknown) => (key === 'totalPeers' || key === 'peerCount' ? total : value)),
  );

describe('BGP probe signature', () => {
  it("its versions are route-check's, read from the probe instead of the full summary", () => {
    const signature = probeSignature(probe, failed(0))!;
    expect(signature).not.toBeNull();
    expect(versionsOf(signature)).toBe(bgpTableVersions(probe));
    expect(versionsOf(signature)).toBe('default/ipv4Unicast:6/11 default/ipv6Unicast:6/11');
  });

  it('routes changing (table version and RIB count moved) leave the sessions part alone', () => {
    const a = probeSignature(probe, failed(0))!;
    const b = probeSignature(later, failed(0))!;
    expect(versionsOf(a)).not.toBe(versionsOf(b));
    expect(sessionsOf(a)).toBe(sessionsOf(b));
  });

  it('a session failing, or a peer added, moves the sessions part', () => {
    const base = sessionsOf(probeSignature(probe, failed(0))!);
    expect(sessionsOf(probeSignature(later, failed(1))!)).not.toBe(base);
    expect(sessionsOf(probeSignature(withTotal(later, 4), failed(0))!)).not.toBe(base);
  });

  it('a probe of a shape we do not know gives no signature (then the summary is read in full)', () => {
    expect(probeSignature('% BGP instance not found', failed(0))).toBeNull();
    expect(probeSignature(probe.replaceAll('"tableVersion"', '"tableVer"'), failed(0))).toBeNull();
  });
});
