/**
 * Captures real FRR and iproute2 output from the namespace lab into fixtures/frr-8.4/.
 * Run as root: `node --import tsx src/lab/netns/capture-fixtures.ts`. Brings the lab up if it is
 * not (and takes it down again afterwards), and leaves a running lab as it found it.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { capture, FIXTURE_DIR, renderReadme, type Capture, type DeviceCommand } from './capture-lib.ts';
import { sessionStates, waitForConvergence } from './converge.ts';
import { BIN, run, runInNamespace, sleep } from './exec.ts';
import { startFrrDaemon, stopFrrDaemon, vtysh } from './frr.ts';
import { readRecord } from './record.ts';
import { labDir } from './paths.ts';
import { netnsDown, netnsStatus, netnsUp } from './index.ts';
import { labNamespace, WORKLOADS } from './topology.ts';

const DEVICES_CAPTURED = ['rtr1', 'hv1', 'hv2'];

function workload(name: string) {
  const w = WORKLOADS.find((x) => x.name === name);
  if (!w) throw new Error(`no workload ${name}`);
  return w;
}
/** Remote for rtr1 and hv1, local (a kernel route) for hv2. */
const PROBE = workload('acme-2');
/** The workload whose "migration overlap" (elevated route on a second host) is captured. */
const MOVING = workload('acme-1');

const COMMANDS: DeviceCommand[] = [
  { vtysh: 'show bgp vrf all summary json' },
  { vtysh: 'show bgp summary json' },
  { vtysh: 'show bgp vrf all neighbors json' },
  { vtysh: 'show ip route vrf all json' },
  { vtysh: 'show ipv6 route vrf all json' },
  { vtysh: 'show ip route json' },
  { vtysh: 'show ipv6 route json' },
  { vtysh: 'show bgp ipv4 unicast json' },
  { vtysh: 'show bgp ipv6 unicast json' },
  { vtysh: `show bgp ipv4 unicast ${PROBE.ipv4}/32 json` },
  { vtysh: `show bgp ipv6 unicast ${PROBE.ipv6Prefix} json` },
  { vtysh: 'show evpn vni json' },
  { vtysh: 'show interface json' },
  { argv: ['ip', '-j', 'addr'] },
  { argv: ['ip', '-j', '-d', 'link'] },
  { argv: ['ip', '-j', 'route', 'show', 'table', 'all'] },
  { argv: ['ip', '-j', '-6', 'route', 'show', 'table', 'all'] },
  { argv: ['nft', '-j', 'list', 'ruleset'] },
];

const STATES: Record<string, string> = {
  'hv3-bgpd-stopped': "hv3's bgpd stopped (SIGTERM); rtr1's and rtr2's sessions to hv3 not Established",
  'bgpd-not-running': 'bgpd not running on this device (zebra and staticd are)',
  'elevated-overlap':
    'migration overlap: acme-1 still on hv1 (MED 100) and also routed on hv2 at kernel metric 512 (MED 0)',
};

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function pathCount(device: string, prefix: string): Promise<number> {
  const af = prefix.includes(':') ? 'ipv6' : 'ipv4';
  const out = JSON.parse(await vtysh(device, `show bgp ${af} unicast ${prefix} json`)) as {
    paths?: unknown[];
  };
  return out.paths?.length ?? 0;
}

/** Make-before-break as a migration would: the target announces an elevated route before the source withdraws. */
async function captureElevatedOverlap(): Promise<Capture[]> {
  const hvNs = labNamespace('hv2');
  const tap = workload('acme-2').tap;
  const routes = [`${MOVING.ipv4}/32`, MOVING.ipv6Prefix];
  for (const r of routes)
    await runInNamespace(hvNs, [BIN.ip, 'route', 'add', r, 'dev', tap, 'metric', '512']);
  const out: Capture[] = [];
  try {
    for (const r of routes)
      await until(`two paths to ${r} on rtr1`, async () => (await pathCount('rtr1', r)) === 2);
    for (const device of ['rtr1', 'hv2']) {
      for (const vtyshCmd of [
        `show bgp ipv4 unicast ${MOVING.ipv4}/32 json`,
        `show bgp ipv6 unicast ${MOVING.ipv6Prefix} json`,
        `show ip route ${MOVING.ipv4}/32 json`,
      ]) {
        out.push(await capture(device, { vtysh: vtyshCmd }, 'elevated-overlap'));
      }
    }
  } finally {
    for (const r of routes)
      await runInNamespace(hvNs, [BIN.ip, 'route', 'del', r, 'dev', tap, 'metric', '512']);
  }
  for (const r of routes)
    await until(`one path to ${r} on rtr1`, async () => (await pathCount('rtr1', r)) === 1);
  return out;
}

async function captureBgpdDown(): Promise<Capture[]> {
  const rec = await readRecord(labDir());
  if (!rec) throw new Error('lab.json missing');
  await stopFrrDaemon('hv3', 'bgpd');
  const out: Capture[] = [];
  try {
    await until('rtr1 to lose hv3', async () =>
      (await sessionStates()).some(
        (s) => s.device === 'rtr1' && s.peer === 'dn-hv3' && s.state !== 'Established',
      ),
    );
    for (const cmd of ['show bgp vrf all summary json', 'show bgp summary json']) {
      out.push(await capture('rtr1', { vtysh: cmd }, 'hv3-bgpd-stopped'));
      out.push(await capture('hv3', { vtysh: cmd }, 'bgpd-not-running'));
    }
    out.push(await capture('hv3', { vtysh: 'show bgp vrf all neighbors json' }, 'bgpd-not-running'));
  } finally {
    await startFrrDaemon(rec, 'hv3', 'bgpd');
  }
  await waitForConvergence(60_000);
  return out;
}

async function provenance() {
  const version = await vtysh('rtr1', 'show version');
  const frrLine = version.split('\n').find((l) => /^FRRouting /.test(l)) ?? version.split('\n')[0] ?? '';
  return {
    frrVersion: frrLine.trim(),
    iproute2: (await run([BIN.ip, '-V'])).trim(),
    nftables: (await run([BIN.nft, '--version'])).trim(),
    kernel: (await run(['/usr/bin/uname', '-sr'])).trim(),
    date: new Date().toISOString(),
  };
}

async function main(): Promise<void> {
  const wasUp = (await netnsStatus()).up;
  await netnsUp();
  try {
    for (const d of ['rtr1', 'hv1', 'hv2', 'hv3'])
      await rm(path.join(FIXTURE_DIR, d), { recursive: true, force: true });
    const captures: Capture[] = [];
    for (const device of DEVICES_CAPTURED) {
      for (const cmd of COMMANDS) captures.push(await capture(device, cmd));
    }
    captures.push(...(await captureElevatedOverlap()));
    captures.push(...(await captureBgpdDown()));
    captures.push(await capture('rtr1', { vtysh: 'show version' }, undefined, 'txt'));

    await writeFile(path.join(FIXTURE_DIR, 'manifest.json'), JSON.stringify(captures, null, 2) + '\n');
    await writeFile(path.join(FIXTURE_DIR, 'README.md'), renderReadme(await provenance(), captures, STATES));
    console.log(`wrote ${captures.length} fixtures to ${FIXTURE_DIR}`);
  } finally {
    if (!wasUp) await netnsDown();
  }
}

await main();
