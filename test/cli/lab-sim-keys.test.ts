/**
 * The fault keys of `routedeck lab sim` on a running embedded lab: each overlay key breaks the
 * first router's overlay as the control socket's `overlay-fault` does (the router's own answers
 * show it), `c` clears everything, and the screen's key help lists every key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labKeyHelp, labKeys, pressLabKey } from '../../src/cli/lab-sim.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';

let parent = '';
let lab: SimLab;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-lab-keys-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), writeState: false });
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const first = <T>(items: readonly T[]): T => items[0]!;
const overlayOf = (device: string) => lab.faults.status().find((s) => s.device === device)?.overlay ?? [];
const vtysh = async (device: string, command: string) =>
  (await lab.fabric.device(device)!.exec(`vtysh -c '${command}'`)).stdout;

describe('routedeck lab sim keys', () => {
  it('the key help lists the overlay keys next to the others', () => {
    const help = labKeyHelp(labKeys(lab, first));
    for (const text of [
      'f flap a random BGP session',
      'w WireGuard peer of spine1 down',
      'v VRRP failover (spine1 FAULT',
      'b VRRP split brain (every router MASTER)',
      'e EVPN VTEP down on spine1',
      'c clear every fault',
      'q stop the lab',
    ])
      expect(help).toContain(text);
  });

  it('w v b e set the overlay faults on spine1; c clears them and the others', async () => {
    const keys = labKeys(lab, first);
    expect(overlayOf('spine1')).toEqual([]);
    const before = await vtysh('spine1', 'show evpn next-hops vni all json');
    expect(before).toContain('nexthopIp');
    expect(pressLabKey(keys, 'w')).toBe('fault: WireGuard peer of spine1 down (silent 4 min)');
    expect(pressLabKey(keys, 'v')).toMatch(/^fault: VRRP failover/);
    expect(pressLabKey(keys, 'e')).toBe('fault: EVPN VTEP down on spine1');
    expect(overlayOf('spine1')).toEqual(
      expect.arrayContaining(['wg-peer-down', 'vrrp-failover', 'vtep-down']),
    );
    // The router answers differently now (its VNIs lost their remote VTEPs).
    expect(await vtysh('spine1', 'show evpn next-hops vni all json')).not.toEqual(before);
    expect(pressLabKey(keys, 'b')).toMatch(/^fault: VRRP split brain/);
    expect(overlayOf('spine1')).toContain('vrrp-split-brain');
    expect(pressLabKey(keys, 's')).toMatch(/^fault: make a random hypervisor slow/);
    expect(lab.faults.status().find((s) => s.device === 'hv1')?.slowMs).toBe(2_000);

    expect(pressLabKey(keys, 'c')).toBe('fault: clear every fault');
    for (const s of lab.faults.status()) {
      expect(s.overlay ?? []).toEqual([]);
      expect(s.slowMs).toBe(0);
    }
    expect(await vtysh('spine1', 'show evpn next-hops vni all json')).toEqual(before);
  });

  it('an unknown key does nothing; q is only the help (the screen stops the lab itself)', () => {
    const keys = labKeys(lab, first);
    expect(pressLabKey(keys, 'z')).toBeNull();
    expect(pressLabKey(keys, 'q')).toBeNull();
    expect(lab.faults.status().every((s) => (s.overlay ?? []).length === 0)).toBe(true);
  });
});
