/**
 * BGP sessions read in proportion to change (bgp-read.ts), on FRR 8.4's summary made two-VRF: the full
 * summary once; a route change moves one VRF's table version and the sessions stand, marked older; once
 * the counters are due, only that VRF's summary is read and merged in the sessions' order; an answer
 * for another VRF is refused, naming device and command.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { readBgp } from '../../src/drivers/bgp-read.ts';
import type { Held } from '../../src/drivers/digest.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import { BGP_COUNTERS_MS } from '../../src/model/snapshot.ts';
import type { CommandRunner } from '../../src/transport/types.ts';

const rtr1 = { name: 'rtr1', role: 'router', vtysh: 'vtysh' } as DeviceSpec;
const FULL = "vtysh -c 'show bgp vrf all summary json'";
const VERSIONS = "vtysh -c 'show bgp vrf all summary remote-as 4294967295 json'";
const FAILED = "vtysh -c 'show bgp vrf all summary failed json'";
const BLUE = "vtysh -c 'show bgp vrf blue summary json'";

type Afis = Record<string, Record<string, unknown> & { peers: Record<string, Record<string, unknown>> }>;
const base = (
  JSON.parse(
    readFileSync(
      new URL('../../fixtures/frr-8.4/rtr1/show-bgp-vrf-all-summary-json.json', import.meta.url),
      'utf8',
    ),
  ) as { default: Afis }
).default;
/** The capture's default VRF, and a copy of it as VRF blue whose tables are at `blueVersion` and whose peers received `pfx`. */
function summary(blueVersion: number, pfx: number): Record<string, Afis> {
  const blue = JSON.parse(JSON.stringify(base)) as Afis;
  for (const afi of Object.values(blue)) {
    afi.vrfName = 'blue';
    afi.tableVersion = blueVersion;
    for (const peer of Object.values(afi.peers)) peer.pfxRcd = pfx;
  }
  return { default: base, blue };
}
const probe = (doc: Record<string, Afis>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(doc).map(([vrf, afis]) => [
        vrf,
        Object.fromEntries(Object.entries(afis).map(([k, afi]) => [k, { ...afi, peers: {} }])),
      ]),
    ),
  );
const failed = (doc: Record<string, Afis>) =>
  JSON.stringify(
    Object.fromEntries(
      Object.entries(doc).map(([vrf, afis]) => [
        vrf,
        Object.fromEntries(
          Object.keys(afis).map((k) => [k, { failedPeersCount: 0, dynamicPeers: 0, totalPeers: 3 }]),
        ),
      ]),
    ),
  );

function runner(outputs: Record<string, string>, sent: string[]): CommandRunner {
  const exec = async (command: string) => {
    sent.push(command);
    const stdout = outputs[command];
    return stdout === undefined
      ? { code: 1, stdout: '', stderr: 'not in this test' }
      : { code: 0, stdout, stderr: '' };
  };
  return { exec, execStream: () => Promise.reject(new Error('no streams here')) } as unknown as CommandRunner;
}

async function poll(
  held: Record<string, Held<unknown>>,
  now: number,
  doc: Record<string, Afis>,
  blueAnswer?: string,
) {
  const sent: string[] = [];
  const kept: Record<string, Held<unknown>> = {};
  const outputs: Record<string, string> = {
    [FULL]: JSON.stringify(doc),
    [VERSIONS]: probe(doc),
    [FAILED]: failed(doc),
  };
  if (blueAnswer !== undefined) outputs[BLUE] = blueAnswer;
  const read = await readBgp({ runner: runner(outputs, sent), device: rtr1, command: FULL, held, kept, now });
  return { read, kept, sent: sent.filter((c) => !c.includes('sha256sum')) };
}

const rcvd = (sessions: { vrf: string; prefixesReceived: number | null }[], vrf: string) =>
  sessions.filter((s) => s.vrf === vrf).map((s) => s.prefixesReceived);

describe('BGP sessions read in proportion to change', () => {
  it('a route change in one VRF: sessions stand marked older, then that VRF’s summary alone', async () => {
    const first = await poll({}, 0, summary(5, 7));
    expect(first.sent).toEqual([FULL]);
    expect(rcvd(first.read.sessions, 'blue')).toEqual([7, 7, 7, 7, 7, 7]);

    // Blue's tables moved (a workload announced there): no summary, the counters marked as of 0.
    const moved = summary(9, 8);
    const second = await poll(first.kept, 1_000, moved);
    expect(second.sent).not.toContain(FULL);
    expect(second.read.countersAt).toBe(0);
    expect(second.read.versions).toContain('blue/ipv4Unicast:9/');
    expect(rcvd(second.read.sessions, 'blue')).toEqual([7, 7, 7, 7, 7, 7]);

    // Due and quiet: blue's summary only, merged in place; default's sessions untouched.
    const blueOnly = JSON.stringify(summary(9, 8)['blue']!);
    const third = await poll(second.kept, BGP_COUNTERS_MS, moved, blueOnly);
    expect(third.sent).toContain(BLUE);
    expect(third.sent).not.toContain(FULL);
    expect(third.read.countersAt).toBeUndefined();
    expect(rcvd(third.read.sessions, 'blue')).toEqual([8, 8, 8, 8, 8, 8]);
    expect(third.read.sessions.map((s) => `${s.vrf} ${s.afiSafi} ${s.peer}`)).toEqual(
      first.read.sessions.map((s) => `${s.vrf} ${s.afiSafi} ${s.peer}`),
    );
    expect(rcvd(third.read.sessions, 'default')).toEqual(rcvd(first.read.sessions, 'default'));

    // Nothing moved since: nothing read but the probes' digests.
    const fourth = await poll(third.kept, BGP_COUNTERS_MS + 1_000, moved);
    expect(
      fourth.sent.filter((c) => c.includes('summary') && !c.includes('remote-as') && !c.includes('failed')),
    ).toEqual([]);
    expect(fourth.read.countersAt).toBeUndefined();
  });

  it('a per-VRF answer naming another VRF is refused with device and command, and nothing is kept', async () => {
    const first = await poll({}, 0, summary(5, 7));
    const moved = summary(9, 8);
    const second = await poll(first.kept, 1_000, moved);
    const red = JSON.stringify(
      Object.fromEntries(
        Object.entries(summary(9, 8)['blue']!).map(([k, afi]) => [k, { ...afi, vrfName: 'red' }]),
      ),
    );
    const kept: Record<string, Held<unknown>> = {};
    const sent: string[] = [];
    const outputs = {
      [FULL]: JSON.stringify(moved),
      [VERSIONS]: probe(moved),
      [FAILED]: failed(moved),
      [BLUE]: red,
    };
    await expect(
      readBgp({
        runner: runner(outputs, sent),
        device: rtr1,
        command: FULL,
        held: second.kept,
        kept,
        now: BGP_COUNTERS_MS,
      }),
    ).rejects.toThrow(`rtr1: ${BLUE}: answered for VRF "red", not blue`);
    expect(kept['bgp']).toBeUndefined();
  });

  it('a full summary is parsed once for its sessions, table versions and signature (a router’s is ~20 MB at 1,000 hosts)', async () => {
    const doc = summary(5, 7);
    const text = JSON.stringify(doc);
    const parse = vi.spyOn(JSON, 'parse');
    try {
      const first = await poll({}, 0, doc);
      expect(parse.mock.calls.filter(([arg]) => arg === text)).toHaveLength(1);
      expect(first.read.sessions).toHaveLength(12);
      expect(first.read.versions).toContain('blue/ipv4Unicast:5/');
      // The signature the next probes are compared with: unchanged probes keep the sessions, no full read.
      parse.mockClear();
      const second = await poll(first.kept, 1_000, doc);
      expect(second.sent).not.toContain(FULL);
      expect(second.read.sessions).toHaveLength(12);
    } finally {
      parse.mockRestore();
    }
  });

  it('a summary cut short (not JSON) is refused naming device and command, and nothing is kept', async () => {
    const kept: Record<string, Held<unknown>> = {};
    const outputs = { [FULL]: JSON.stringify(summary(5, 7)).slice(0, 500) };
    await expect(
      readBgp({ runner: runner(outputs, []), device: rtr1, command: FULL, held: {}, kept, now: 0 }),
    ).rejects.toThrow(/rtr1: .*show bgp vrf all summary json.*BGP summary is not JSON/);
    expect(kept['bgp']).toBeUndefined();
  });
});
