/**
 * Issue 17 on real FRR: a guest namespace configured only from cloud-init's renderings of the
 * network-config `plan create` emitted — the eni rendering by ifupdown's real `ifup`, the
 * NetworkManager keyfile by its line-by-line `ip` translation — pings a workload on another
 * hypervisor over IPv4 and IPv6 on its first host and again after a live migration.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireNetnsLock,
  attachGuest,
  guestIpv6Address,
  guestNamespace,
  netnsCanRun,
  netnsDown,
  netnsUp,
  removeGuest,
  runInNamespace,
  tryRunInNamespace,
  WORKLOADS,
} from '../../src/lab/netns/index.ts';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import { executePlan } from '../../src/workflows/execute/index.ts';
import { planCreate } from '../../src/workflows/plan/index.ts';
import { render, verdict } from '../workflows/plan/cloud-init-render.ts';
import { applyTranslation, ifupEni, translateNmKeyfile } from './guest-seed.ts';
import { migrateGuest, newWorkload, openNetnsEnv, type NetnsEnv } from './netns-workflow-env.ts';

const MAC = '52:54:00:17:00:01';
const can = netnsCanRun();
const tools = ['cloud-init', 'ifup'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
const ok = can.ok && tools.length === 0;
const why = !can.ok ? can.reason : `missing ${tools.join(', ')} (apt-get install cloud-init ifupdown)`;
if (!ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('guest from cloud-init renderings on the netns lab', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () => expect.fail(`cannot run: ${why}`));
  });
}

let releaseLock: (() => void) | undefined;

describe.skipIf(!ok)(
  `guest configured from cloud-init renderings on the netns lab${ok ? '' : ` (SKIPPED: ${why})`}`,
  () => {
    let parent = '';
    let dir = '';
    let env: NetnsEnv;
    let w: WorkloadRecord;
    let eni = '';
    let keyfile = '';
    const ns = () => guestNamespace(w.name);

    beforeAll(async () => {
      releaseLock = await acquireNetnsLock();
      parent = await mkdtemp(path.join(tmpdir(), 'routedeck-guest-'));
      dir = path.join(parent, 'lab');
      env = await openNetnsEnv(await netnsUp({ dir }));
    }, 900_000);

    afterAll(async () => {
      await env?.close();
      await netnsDown({ dir });
      await rm(parent, { recursive: true, force: true });
      releaseLock?.();
    }, 180_000);

    /** The NIC the rendering matches: named eth0, the artifact's MAC, nothing configured yet. */
    async function bareNic(iface: string): Promise<void> {
      const cmds = [
        ['link', 'set', 'dev', iface, 'down'],
        ...(iface === 'eth0' ? [] : [['link', 'set', 'dev', iface, 'name', 'eth0']]),
        ['link', 'set', 'dev', 'eth0', 'address', MAC],
        ['addr', 'flush', 'dev', 'eth0'],
        ['route', 'flush', 'dev', 'eth0'],
        ['-6', 'route', 'flush', 'dev', 'eth0'],
      ];
      for (const c of cmds) await runInNamespace(ns(), ['ip', ...c]);
      expect(await runInNamespace(ns(), ['ip', 'route', 'show', 'default'])).toBe('');
      expect(await runInNamespace(ns(), ['ip', '-6', 'route', 'show', 'default'])).toBe('');
    }

    /** The guest's routes as the rendering left them, then a ping to `to`'s /32 and ::1 (another host). */
    async function pingsFrom(to: string): Promise<void> {
      const v4 = await runInNamespace(ns(), ['ip', 'route', 'show', 'default']);
      expect(v4).toMatch(/^default via 169\.254\.0\.1 dev eth0 .*onlink/m);
      expect(await runInNamespace(ns(), ['ip', '-6', 'route', 'show', 'default'])).toMatch(
        /^default via fe80::1 dev eth0/m,
      );
      const link = await runInNamespace(ns(), ['ip', 'link', 'show', 'eth0']);
      expect(link).toContain(`link/ether ${MAC}`);
      const peer = WORKLOADS.find((x) => x.name === to)!;
      for (const addr of [peer.ipv4, peer.ipv6Address]) {
        const r = await tryRunInNamespace(ns(), ['ping', '-c', '3', '-i', '0.2', '-W', '2', addr]);
        expect(r.stdout, `${w.name} → ${to} ${addr}: ${r.stderr}`).toMatch(/3 received/);
      }
    }

    async function viaEni(iface: string, to: string): Promise<void> {
      await bareNic(iface);
      const log = await ifupEni(ns(), eni, 'eth0');
      // ifupdown's static methods add each gateway onlink: the on-link semantics come from ifup itself.
      expect(log).toMatch(/ip route add default via 169\.254\.0\.1 +dev eth0 onlink/);
      expect(log).toMatch(/ip -6 route replace default via fe80::1 +dev eth0 onlink/);
      await pingsFrom(to);
    }

    async function viaNm(to: string): Promise<void> {
      await bareNic('eth0');
      await applyTranslation(ns(), translateNmKeyfile(keyfile, 'eth0'));
      await pingsFrom(to);
    }

    it('plans acme-g17 on hv1 and renders its network-config for eni and NetworkManager', async () => {
      w = newWorkload(env, 'acme', 'acme-g17', 'hv1');
      await attachGuest(
        { name: w.name, host: 'hv1', tap: w.tap, ipv4: w.ipv4, ipv6Prefix: w.ipv6Prefix, iface: 'eth0' },
        { dir },
      );
      await env.fabric.poller.pollNow();
      const plan = planCreate(
        {
          tenant: env.tenant('acme'),
          workload: w,
          host: env.spec('hv1'),
          routers: env.routers,
          live: { announcedBy: () => [] },
          manageTap: env.inventory.workflows.manageTap,
          mac: MAC,
        },
        { id: `guest-${process.pid}`, operator: 'netns-lab', now: new Date() },
      );
      const result = await executePlan(plan, env.deps());
      expect(result.status, JSON.stringify(result.steps)).toBe('applied');
      w = { ...w, state: 'active' };
      const config = plan.artifacts['network-config'] ?? '';
      const eniFiles = render(config, 'eni');
      expect(verdict('eni', eniFiles, MAC).macMatch).toBe(true);
      eni = eniFiles.get('etc/network/interfaces.d/50-cloud-init') ?? '';
      keyfile =
        render(config, 'network-manager').get(
          'etc/NetworkManager/system-connections/cloud-init-eth0.nmconnection',
        ) ?? '';
      expect(eni).toContain(`address ${w.ipv4}/32`);
      expect(keyfile).toContain(`address1=${w.ipv4}/32`);
    }, 180_000);

    it('the NetworkManager keyfile, line by line, as ip commands', () => {
      const six = guestIpv6Address(w.ipv6Prefix);
      const lines = translateNmKeyfile(keyfile, 'eth0').filter((l) => l.note !== 'section');
      const does = (l: { ip: string[][]; note?: string }) =>
        l.ip.length ? l.ip.map((a) => `ip ${a.join(' ')}`).join('; ') : `(${l.note})`;
      expect(lines.map((l) => `${l.line} => ${does(l)}`)).toEqual([
        'id=cloud-init eth0 => (names the connection)',
        expect.stringMatching(/^uuid=[0-9a-f-]{36} => \(names the connection\)$/),
        'type=ethernet => (names the connection)',
        'org.freedesktop.NetworkManager.origin=cloud-init => (names the connection)',
        `mac-address=${MAC} => (match: the NIC whose MAC is ${MAC})`,
        'method=manual => ip link set dev eth0 up',
        'may-fail=false => (activation policy)',
        `address1=${w.ipv4}/32 => ip addr add ${w.ipv4}/32 dev eth0`,
        'gateway=169.254.0.1 => ip route add default via 169.254.0.1 dev eth0 onlink',
        // cloud-init < 23.2 writes `auto` for a static6 subnet (canonical/cloud-init#4126).
        expect.stringMatching(/^method=(auto|manual) => ip link set dev eth0 up$/),
        'may-fail=true => (activation policy)',
        `address1=${six}/64 => ip -6 addr add ${six}/64 dev eth0 nodad`,
        'gateway=fe80::1 => ip -6 route add default via fe80::1 dev eth0',
      ]);
    });

    it('on hv1, configured by ifup from the eni rendering: pings acme-2 (hv2) over IPv4 and IPv6', async () => {
      await viaEni('eth0', 'acme-2');
    }, 120_000);

    it('on hv1, configured from the NetworkManager keyfile: pings acme-2 (hv2) over IPv4 and IPv6', async () => {
      await viaNm('acme-2');
    }, 120_000);

    it('without on-link (networkd’s `Gateway=` of cloud-init < 24.2, netplan’s bare gateway4 < 23.1) the kernel refuses the IPv4 default', async () => {
      await bareNic('eth0');
      await runInNamespace(ns(), ['ip', 'link', 'set', 'dev', 'eth0', 'up']);
      await runInNamespace(ns(), ['ip', 'addr', 'add', `${w.ipv4}/32`, 'dev', 'eth0']);
      const r = await tryRunInNamespace(ns(), [
        'ip',
        'route',
        'add',
        'default',
        'via',
        '169.254.0.1',
        'dev',
        'eth0',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/Nexthop has invalid gateway|Network is unreachable/);
    }, 60_000);

    it('migrates to hv2 (make-before-break) while acme-3 pings it; on hv2 each rendering again pings acme-1 (hv1)', async () => {
      const run = await migrateGuest(env, w, 'hv2', { breakBeforeMake: false, pingFrom: 'acme-3' });
      expect(run.result.status, JSON.stringify(run.result.steps)).toBe('applied');
      console.log(`migration under ping: ${run.ping.transmitted} sent, ${run.ping.lost} lost`);
      expect(run.ping.received).toBeGreaterThan(0);
      w = { ...w, host: 'hv2' };
      // The guest's NIC now faces hv2's TAP (the lab's leg `to-hv2`); the same seed configures it.
      await viaEni('to-hv2', 'acme-1');
      await viaNm('acme-1');
    }, 300_000);

    it('cleans up its guest', async () => {
      await removeGuest(w.name, { dir });
    });
  },
);
