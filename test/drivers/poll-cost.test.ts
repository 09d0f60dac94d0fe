/**
 * Cost proportional to change (issue 16), on the embedded lab over SSH: once a poll holds a device's
 * interfaces, kernel routes, anti-spoofing table and BGP sessions, the next poll asks for digests and
 * two small BGP probes instead — and a real change (a session down, a TAP added) is read in full again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverFor } from '../../src/drivers/index.ts';
import { parseIpJsonRoutes, type IpRoute } from '../../src/drivers/linux/ip-route.ts';
import { uptimeAsOfPoll } from '../../src/model/bgp.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { CommandRunner, VyosConfigReader } from '../../src/transport/types.ts';
import { startTestLab, type TestLab } from '../lab/sim/server/helpers.ts';

let t: TestLab;
beforeAll(async () => {
  t = await startTestLab({ writeState: false });
});
afterAll(async () => t?.close());

/** One poll of `device` over SSH (and its VyOS API, counted in `sent` as `api showConfig …`). */
async function poll(device: DeviceSpec, previous: DeviceSnapshot | null, withApi = false, now?: number) {
  const ssh = t.ssh(device.name);
  const sent: string[] = [];
  const runner: CommandRunner = {
    exec: (command, options) => (sent.push(command), ssh.exec(command, options)),
    execStream: (command, onStdout, options) => (
      sent.push(command),
      ssh.execStream(command, onStdout, options)
    ),
  };
  let api: VyosConfigReader | undefined;
  if (withApi) {
    const client = await t.api(device.name);
    api = {
      showConfig: (path) => (sent.push(`api showConfig ${path.join(' ')}`), client.showConfig(path)),
    };
  }
  const snap = await driverFor(device.kind).collect({
    device,
    runner,
    previous,
    ...(api ? { api } : {}),
    ...(now !== undefined ? { now: () => now } : {}),
  });
  return { snap, sent };
}

const full = (sent: string[], what: RegExp) => sent.filter((c) => what.test(c) && !c.includes('sha256sum'));
const FULL_BGP = /show bgp vrf all summary json'$/;

describe('a poll reads what changed, not everything', () => {
  it('a router: BGP sessions and interfaces are confirmed by probes and digests while nothing changes; a session down is read in full', async () => {
    const router = t.inventory.devices.find((d) => d.role === 'router')!;
    const first = await poll(router, null);
    expect(full(first.sent, FULL_BGP)).toHaveLength(1);
    expect(full(first.sent, /ip -j -d addr show$/)).toHaveLength(1);
    const second = await poll(router, first.snap);
    expect(full(second.sent, FULL_BGP)).toEqual([]);
    expect(full(second.sent, /ip -j -d addr show$/)).toEqual([]);
    expect(second.sent.some((c) => c.includes('summary remote-as 4294967295 json'))).toBe(true);
    expect(second.snap.interfaces).toEqual(first.snap.interfaces);
    expect(second.snap.bgp.map((s) => [s.peer, s.state])).toEqual(
      first.snap.bgp.map((s) => [s.peer, s.state]),
    );
    // The held sessions stand as they were read (the same list: nothing copied, nothing compared again),
    // and their time in state as of this poll has grown by the time since they were read.
    expect(second.snap.bgp).toBe(first.snap.bgp);
    expect(second.snap.bgpReadAt).toBe(first.snap.collectedAt);
    const session = first.snap.bgp.find((s) => s.uptimeMs !== null)!;
    expect(uptimeAsOfPoll(session, second.snap)).toBe(
      session.uptimeMs! + (second.snap.collectedAt - first.snap.collectedAt),
    );

    // The probes themselves are held from the next poll on: with nothing changing, a router's poll
    // is one digest command for interfaces, both probes and zebra's EVPN listings, plus the dumps whose
    // counters move (WireGuard, keepalived).
    const steady = await poll(router, second.snap);
    expect(full(steady.sent, /summary remote-as 4294967295 json'$/)).toEqual([]);
    expect(full(steady.sent, /summary failed json'$/)).toEqual([]);
    expect(full(steady.sent, /show evpn/)).toEqual([]);
    const digests = steady.sent.filter((c) => c.includes('sha256sum'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.match(/\| sha256sum/g)).toHaveLength(5);
    expect(steady.snap.overlay?.vnis.length).toBeGreaterThan(0);
    expect(steady.snap.overlay?.vnis).toEqual(first.snap.overlay?.vnis);
    expect(steady.snap.bgp.map((s) => [s.peer, s.state])).toEqual(
      first.snap.bgp.map((s) => [s.peer, s.state]),
    );

    // A remote VTEP lost changes zebra's listings: read in full at once, and shown.
    const remote = t.inventory.devices.find((d) => d.role === 'router' && d.name !== router.name)!;
    t.fabric.overlayFault(remote.name, 'vtep-down');
    const vtepLost = await poll(router, steady.snap);
    t.fabric.clearOverlay(remote.name);
    expect(full(vtepLost.sent, /show evpn next-hops vni all json'$/)).toHaveLength(1);
    expect(JSON.stringify(vtepLost.snap.overlay?.vnis)).not.toEqual(
      JSON.stringify(steady.snap.overlay?.vnis),
    );

    const peer = first.snap.bgp.find((s) => s.established)!;
    t.fabric.flapSession(router.name, peer.peer, 60_000);
    const third = await poll(router, steady.snap);
    expect(full(third.sent, FULL_BGP)).toHaveLength(1);
    expect(third.snap.bgp.filter((s) => s.peer === peer.peer).every((s) => !s.established)).toBe(true);
  });

  it("a VyOS router's VRF config (megabytes at a fleet) is read once, then held while interfaces and BGP hold; a new VRF is read at once", async () => {
    const router = t.inventory.devices.find((d) => d.role === 'router' && d.kind === 'vyos' && d.api)!;
    const vrfReads = (sent: string[]) => sent.filter((c) => c === 'api showConfig vrf');
    const first = await poll(router, null, true);
    expect(vrfReads(first.sent)).toHaveLength(1);
    expect(first.snap.vrfs.length).toBeGreaterThan(0);
    const second = await poll(router, first.snap, true);
    expect(vrfReads(second.sent)).toEqual([]);
    expect(second.snap.vrfs).toEqual(first.snap.vrfs);

    await t.ssh(router.name).exec('sudo -n ip link add vrf-cost type vrf table 4242');
    const third = await poll(router, second.snap, true);
    expect(vrfReads(third.sent)).toHaveLength(1);

    // The API failing (a timeout on a loaded router: here the overlay's config reads) is this poll's
    // error; the next poll does not read megabytes of BGP summary and interfaces again because of it.
    const failing: VyosConfigReader = {
      showConfig: async () => {
        throw new Error('VyOS API: no answer within 15 s');
      },
    };
    const fourth = await driverFor(router.kind).collect({
      device: router,
      runner: t.ssh(router.name),
      previous: { ...third.snap, held: { ...third.snap.held } },
      api: failing,
    });
    expect(fourth.partialErrors.join('\n')).toMatch(/no answer within 15 s/);
    const fifth = await poll(router, fourth, true);
    expect(full(fifth.sent, FULL_BGP)).toEqual([]);
    expect(full(fifth.sent, /ip -j -d addr show$/)).toEqual([]);
    expect(vrfReads(fifth.sent)).toEqual([]);
    expect(fifth.snap.vrfs).toEqual(third.snap.vrfs);
    expect(fifth.snap.partialErrors).toEqual([]);
  });

  it("a VyOS router's VRF config is not read again for routes that move (a migration), until a minute has passed", async () => {
    const router = t.inventory.devices.find((d) => d.role === 'router' && d.kind === 'vyos' && d.api)!;
    const vrfReads = (sent: string[]) => sent.filter((c) => c === 'api showConfig vrf');
    const at = Date.now();
    let last = (await poll(router, null, true, at)).snap;
    // A host whose session with the router is up (an earlier test flapped one).
    const host = t.inventory.devices.find(
      (d) =>
        d.role === 'hypervisor' &&
        last.bgp.some((s) => s.vrf === 'default' && s.established && s.hostname === d.name),
    )!;
    const hostExec = async (command: string) => {
      const r = await t.ssh(host.name).exec(`sudo -n ${command}`);
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
    };
    last = (await poll(router, last, true, at + 1_000)).snap;
    await hostExec('ip tuntap add tapvrfcost mode tap');
    await hostExec('ip link set tapvrfcost up');
    await hostExec('ip route add 198.51.100.251/32 dev tapvrfcost');
    try {
      // Polls every 2 s of the router's clock for 40 s: its table shows the new /32 (the lab's BGP takes a
      // few ms), its table versions moved and, once they stood still, its prefix counters were read
      // again (the BGP signature changed); its sessions did not — the config stays held.
      const signature = last.held?.['bgp']?.sha;
      let seen = false;
      for (let k = 1; k <= 20; k++) {
        const next = await poll(router, last, true, at + 1_000 + 2_000 * k);
        expect(vrfReads(next.sent), `poll ${k}`).toEqual([]);
        seen ||= next.snap.routes.lookup('198.51.100.251')?.prefix === '198.51.100.251/32';
        last = next.snap;
      }
      expect(last.held?.['bgp']?.sha).not.toBe(signature);
      expect(seen).toBe(true);
      expect(last.vrfs.length).toBeGreaterThan(0);
      // A minute after it was read, with the versions moved since: read again.
      const later = await poll(router, last, true, at + 61_000);
      expect(vrfReads(later.sent)).toHaveLength(1);
      expect(later.snap.vrfs).toEqual(last.vrfs);
    } finally {
      await hostExec('ip link del tapvrfcost');
      // The withdrawal reaches every host before the next test reads their kernel tables.
      const hosts = t.inventory.devices.filter((d) => d.role === 'hypervisor');
      const listed = async () => {
        for (const h of hosts)
          if ((await t.ssh(h.name).exec('ip -j route show table all')).stdout.includes('198.51.100.251'))
            return true;
        return false;
      };
      for (let i = 0; i < 500 && (await listed()); i++) await new Promise((r) => setTimeout(r, 10));
    }
  });

  it('a hypervisor: a TAP added is read in full at once; then digests again', async () => {
    const host = t.inventory.devices.find((d) => d.role === 'hypervisor')!;
    const first = await poll(host, null);
    // The first poll reads both kernel listings in full: unicast routes, one family each.
    expect(full(first.sent, /ip -j -[46] route show table all type unicast$/)).toHaveLength(2);
    const second = await poll(host, first.snap);
    expect(full(second.sent, /ip -j -d addr show$/)).toEqual([]);
    expect(full(second.sent, /ip -j -[46] route show table all type unicast$/)).toEqual([]);
    expect(full(second.sent, /nft -j list table inet vmguard$/)).toEqual([]);
    // The digests go out together: one command (one SSH channel) for addresses, both kernel tables
    // and the vmguard table.
    const digests = second.sent.filter((c) => c.includes('sha256sum'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.match(/\| sha256sum/g)).toHaveLength(4);
    expect(second.snap.guard).toEqual(first.snap.guard);
    expect(second.snap.workloadRoutes).toEqual(first.snap.workloadRoutes);
    // What is derived from unchanged listings is not rebuilt: the same workload routes stand (and the
    // store, comparing them, sees the same object).
    expect(second.snap.workloadRoutes.length).toBeGreaterThan(0);
    expect(second.snap.workloadRoutes).toBe(first.snap.workloadRoutes);

    await t.ssh(host.name).exec('sudo -n ip tuntap add tapcost1 mode tap');
    const third = await poll(host, second.snap);
    expect(full(third.sent, /ip -j -d addr show$/)).toHaveLength(1);
    expect(third.snap.interfaces.map((i) => i.name)).toContain('tapcost1');
    expect(third.snap.workloadRoutes).not.toBe(second.snap.workloadRoutes);
    const fourth = await poll(host, third.snap);
    expect(full(fourth.sent, /ip -j -d addr show$/)).toEqual([]);
    expect(fourth.snap.interfaces.map((i) => i.name)).toContain('tapcost1');
    await t.ssh(host.name).exec('sudo -n ip tuntap del tapcost1 mode tap');
  });

  it("a hypervisor holds only the kernel routes that may be workloads', and derives from them what a full read does", async () => {
    const host = t.inventory.devices.find((d) => d.role === 'hypervisor')!;
    const first = await poll(host, null);
    const listing = parseIpJsonRoutes((await t.ssh(host.name).exec('ip -j route show table all')).stdout);
    const held = first.snap.held?.['kernel4']?.value as IpRoute[];
    // The listing has each TAP's local and link-local routes; what is held is the workloads' alone.
    expect(listing.some((r) => r.type === 'local')).toBe(true);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(listing.length);
    expect(held.every((r) => r.type === 'unicast' && r.gateway === undefined)).toBe(true);
    // An interface change re-derives the workload routes from the held routes: the same as a full read.
    await t.ssh(host.name).exec('sudo -n ip tuntap add tapcost2 mode tap');
    const next = await poll(host, first.snap);
    expect(full(next.sent, /ip -j -[46] route show table all type unicast$/)).toEqual([]);
    expect(next.snap.workloadRoutes).not.toBe(first.snap.workloadRoutes);
    const fresh = await poll(host, null);
    expect(next.snap.workloadRoutes).toEqual(fresh.snap.workloadRoutes);
    await t.ssh(host.name).exec('sudo -n ip tuntap del tapcost2 mode tap');
  });
});
