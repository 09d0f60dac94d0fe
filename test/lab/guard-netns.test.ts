/**
 * Anti-spoofing on real nftables and FRR: a lab workload that sends from a foreign source is
 * dropped at its TAP, and `routedeck get guard` (the driver's collection over SSH) counts the drops
 * on that TAP only; the registry (adopted from the live fabric) matches the sets: no drift.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireNetnsLock,
  guestIface,
  netnsCanRun,
  netnsDown,
  netnsUp,
  runInNamespace,
  tryRunInNamespace,
  type NetnsLabInfo,
} from '../../src/lab/netns/index.ts';
import type { GuardReport } from '../../src/workflows/service/index.ts';
import { cli } from '../helpers/cli.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('anti-spoofing on the netns lab', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

let releaseLock: (() => void) | undefined;

describe.skipIf(!can.ok)('anti-spoofing on the netns lab (real nftables, real FRR over SSH)', () => {
  let parent = '';
  let lab: NetnsLabInfo;

  beforeAll(async () => {
    releaseLock = await acquireNetnsLock();
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-guard-'));
    lab = await netnsUp({ dir: path.join(parent, 'lab') });
  }, 900_000);

  afterAll(async () => {
    await netnsDown({ dir: path.join(parent, 'lab') });
    await rm(parent, { recursive: true, force: true });
    releaseLock?.();
  }, 180_000);

  const guard = async (): Promise<GuardReport[]> => {
    const out = await cli(
      [
        'get',
        'guard',
        '--json',
        '--inventory',
        lab.inventoryPath,
        '--registry',
        path.join(parent, 'reg.sqlite'),
      ],
      { HOME: parent, USER: 'noc' },
    );
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    return JSON.parse(out.stdout) as GuardReport[];
  };

  it('drops a foreign source at the TAP and counts it on that TAP alone', async () => {
    const before = await guard();
    expect(before.map((r) => `${r.device} ${r.state}`)).toEqual(['hv1 clean', 'hv2 clean', 'hv3 clean']);
    expect(before.map((r) => ({ device: r.device, perTap: r.perTap, spoofed: r.spoofed }))).toEqual(
      ['hv1', 'hv2', 'hv3'].map((device) => ({ device, perTap: true, spoofed: [] })),
    );

    const from = lab.workloads.find((w) => w.tenant === 'acme' && w.host === 'hv2')!;
    const to = lab.workloads.find((w) => w.tenant === 'acme' && w.host !== 'hv2')!;
    // The guest's own address passes; the foreign one gets no reply.
    const ok = await tryRunInNamespace(from.namespace, ['ping', '-c', '2', '-i', '0.2', '-W', '2', to.ipv4]);
    expect(ok.stdout).toMatch(/2 received/);
    const foreign = '198.51.100.222';
    await runInNamespace(from.namespace, [
      'ip',
      'addr',
      'add',
      `${foreign}/32`,
      'dev',
      guestIface(from.host),
    ]);
    try {
      const r = await tryRunInNamespace(from.namespace, [
        'ping',
        '-c',
        '4',
        '-i',
        '0.2',
        '-W',
        '1',
        '-I',
        foreign,
        to.ipv4,
      ]);
      expect(r.stdout).toMatch(/4 packets transmitted, 0 received/);
    } finally {
      await runInNamespace(from.namespace, [
        'ip',
        'addr',
        'del',
        `${foreign}/32`,
        'dev',
        guestIface(from.host),
      ]);
    }

    const after = await guard();
    const hv2 = after.find((r) => r.device === 'hv2')!;
    const spoofer = hv2.spoofed.find((s) => s.tap === from.tap);
    expect(spoofer?.packets).toBeGreaterThanOrEqual(4);
    // No other TAP, on this host or another, counted anything.
    const others = after.flatMap((r) => r.spoofed.filter((s) => s.tap !== from.tap || r.device !== 'hv2'));
    expect(others).toEqual([]);
    expect(after.map((r) => r.state)).toEqual(['clean', 'clean', 'clean']);
  });
});
