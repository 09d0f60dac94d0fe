import { afterAll, describe, expect, it } from 'vitest';
import { parseBgpSummary } from '../../../../src/drivers/frr/bgp-summary.ts';
import { parseIpJsonAddr } from '../../../../src/drivers/linux/ip-addr.ts';
import { parseIpJsonRoutes } from '../../../../src/drivers/linux/ip-route.ts';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import { collect } from './helpers.ts';

describe('every simulated output goes through the real drivers', () => {
  const fabric = createSimFabric();
  afterAll(() => fabric.close());

  it('collects every device with no partial errors, matching the model', async () => {
    const workloads = fabric.workloads();
    for (const device of fabric.devices()) {
      const snap = await collect(device);
      expect(snap.partialErrors, device.name).toEqual([]);
      // hypervisors: 2 routers × (default + blue + red) × 2 AFIs; routers: 4 hosts × 3 × 2.
      expect(snap.bgp.length, device.name).toBe(device.role === 'router' ? 4 * 3 * 2 : 2 * 3 * 2);
      expect(snap.bgp.every((s) => s.established && s.peerType === 'interface')).toBe(true);
      expect(snap.vrfs.map((v) => `${v.name}:${v.table}`).sort()).toEqual(['blue:100', 'red:101']);
      const families = new Set([...snap.routes].map((r) => `${r.vrf}/${r.family}`));
      for (const key of ['default/4', 'default/6', 'blue/4', 'blue/6', 'red/4', 'red/6'])
        expect(families, `${device.name} ${key}`).toContain(key);

      if (device.role === 'hypervisor') {
        const mine = workloads.filter((w) => w.host === device.name);
        const got = snap.workloadRoutes.map((r) => `${r.vrf} ${r.prefix} ${r.interface}`).sort();
        const want = mine
          .flatMap((w) => [`${w.vrf} ${w.ipv4}/32 ${w.tap}`, `${w.vrf} ${w.ipv6Prefix} ${w.tap}`])
          .sort();
        expect(got, device.name).toEqual(want);
      } else {
        // Every workload is reachable from every router, in its own VRF, on both families.
        for (const w of workloads) {
          for (const prefix of [`${w.ipv4}/32`, w.ipv6Prefix]) {
            const r = [...snap.routes].find((x) => x.vrf === w.vrf && x.prefix === prefix && x.selected);
            expect(r?.protocol, `${device.name} ${w.vrf} ${prefix}`).toBe('bgp');
          }
        }
      }
    }
  });

  it('keeps blue and red apart: the same 10.0.x.y/32 in both VRFs, with different hosts allowed', async () => {
    const overlap = fabric
      .workloads()
      .filter(
        (w) => w.tenant === 'blue' && fabric.workloads().some((r) => r.tenant === 'red' && r.ipv4 === w.ipv4),
      );
    expect(overlap.length).toBeGreaterThan(0);
    const snap = await collect(fabric.device('spine1')!);
    for (const w of overlap) {
      const vrfs = [...snap.routes]
        .filter((r) => r.prefix === `${w.ipv4}/32` && r.protocol === 'bgp')
        .map((r) => r.vrf);
      expect(vrfs.sort()).toEqual(['blue', 'red']);
    }
  });

  it('renders the other commands the console and people use, parseable by the real parsers', async () => {
    const hv = fabric.device('hv1')!;
    const spine = fabric.device('spine1')!;
    const run = async (d: typeof hv, c: string): Promise<string> => {
      const r = await d.exec(c);
      expect(r.code, `${c}: ${r.stderr}${r.stdout.slice(0, 200)}`).toBe(0);
      return r.stdout;
    };
    expect(parseBgpSummary(await run(spine, "vtysh -c 'show bgp summary json'"), 'spine1')).toHaveLength(8);
    expect(
      parseIpJsonAddr(await run(hv, 'ip -j addr')).some((i) =>
        i.addresses.some((a) => a.address === '169.254.0.1'),
      ),
    ).toBe(true);
    expect(parseIpJsonAddr(await run(hv, 'ip -j -d link')).find((i) => i.name === 'blue')?.kind).toBe('vrf');
    expect(parseIpJsonRoutes(await run(hv, 'ip -j route'), 4).length).toBeGreaterThan(0);
    expect(
      parseIpJsonRoutes(await run(hv, 'ip -j -6 route show table all'), 6).every((r) => r.family === 6),
    ).toBe(true);
    for (const c of [
      "vtysh -c 'show ip route json'",
      "vtysh -c 'show ipv6 route json'",
      "vtysh -c 'show bgp ipv4 unicast json'",
      "vtysh -c 'show bgp vrf all neighbors json'",
    ]) {
      JSON.parse(await run(spine, c));
    }
    const nft = JSON.parse(await run(hv, 'sudo -n nft -j list ruleset')) as {
      nftables: Record<string, { name?: string }>[];
    };
    expect(nft.nftables.filter((x) => x['set']).map((x) => x['set']?.name)).toEqual([
      'allow4',
      'allow6',
      'spoofed',
    ]);
    expect(await run(spine, "vtysh -c 'show bgp summary'")).toContain('IPv4 Unicast Summary (VRF default):');
    expect(await run(hv, "vtysh -c 'show ip route'")).toMatch(
      /K>\* 198\.51\.100\.\d+\/32 \[0\/0\] is directly connected, tap-/,
    );
    expect(await run(hv, 'ip -br addr')).toMatch(/^tap-\S+\s+UP\s+169\.254\.0\.1\/32/m);
    expect(await run(hv, 'hostname')).toBe('hv1\n');
    expect(await run(hv, 'uname -a')).toMatch(/^Linux hv1 /);
  });

  // How fast is a figure for bench/, not a test assertion: here, a hundred in a row all answer alike
  // (but for the uptimes, which tick).
  it('answers the same small command a hundred times in a row, identically', async () => {
    const hv = fabric.device('hv2')!;
    const ask = async () => {
      const r = await hv.exec("vtysh -c 'show bgp vrf all summary json'");
      // Uptimes and keepalive counters move with the clock (a keepalive is due every few seconds).
      return {
        ...r,
        stdout: r.stdout.replace(/"(peerUptime(Msec)?|msgRcvd|msgSent)":("[^"]*"|\d+),/g, ''),
      };
    };
    const first = await ask();
    expect(first.code).toBe(0);
    for (let i = 0; i < 100; i++) expect(await ask()).toEqual(first);
  });
});
