import { describe, expect, it } from 'vitest';
import { frrLinuxDriver } from '../../src/drivers/index.ts';
import { isNoSuchTable, parseNftGuard } from '../../src/drivers/linux/nft-guard.ts';
import type { DeviceSpec } from '../../src/model/device.ts';
import { readFixture, ReplayRunner } from './fixtures.ts';

const hv1: DeviceSpec = {
  name: 'hv1',
  role: 'hypervisor',
  kind: 'frr-linux',
  host: '198.18.0.21',
  port: 22,
  user: 'noc',
  auth: { type: 'agent' },
  vtysh: 'vtysh -N hv1',
  privilege: 'sudo -n',
};
const NFT = 'sudo -n nft -j list table inet vmguard';
const capture = (name: string): string => readFixture(`nftables-1.0.6/${name}`);

describe('nft -j list table inet vmguard (real nftables 1.0.6 captures)', () => {
  it('reads allowed elements with canonical prefixes and per-TAP spoof counters', () => {
    const g = parseNftGuard(capture('nft-j-list-table-inet-vmguard.json'));
    if (!g.present) throw new Error('expected a table');
    expect(g.elements).toEqual([
      { set: 'allow4', tap: 'tap1', cidr: '203.0.113.10/32' },
      { set: 'allow4', tap: 'tapb', cidr: '198.51.100.0/24' },
      { set: 'allow6', tap: 'tap1', cidr: '2001:db8:10:20::/64' },
      { set: 'allow6', tap: 'tap1', cidr: 'fe80::/64' },
    ]);
    expect(g.perTap).toBe(true);
    expect(g.spoofed.map((s) => s.tap)).toEqual(['tapa', 'tapb']);
    expect(g.spoofed.every((s) => s.packets > 0 && s.bytes > s.packets)).toBe(true);
    // The final rule's counter is the sum of every TAP's.
    expect(g.droppedTotal).toBe(g.spoofed.reduce((n, s) => n + s.packets, 0));
  });

  it('knows the reference ruleset counts all TAPs together', () => {
    const g = parseNftGuard(capture('nft-j-list-table-inet-vmguard--reference.json'));
    expect(g).toMatchObject({ present: true, perTap: false, spoofed: [], droppedTotal: 0 });
  });

  it('recognises the absent table from nft’s own error', () => {
    expect(isNoSuchTable(capture('nft-j-list-table-inet-vmguard--absent.stderr'))).toBe(true);
    expect(isNoSuchTable('Error: Could not process rule: Operation not permitted\n')).toBe(false);
  });

  it('refuses output that is not a vmguard listing', () => {
    expect(() => parseNftGuard('Error: syntax error')).toThrow(/not JSON/);
    expect(() =>
      parseNftGuard('{"nftables":[{"metainfo":{}},{"table":{"family":"inet","name":"vmguard"}}]}'),
    ).toThrow(/no set allow4/);
  });
});

describe('frr-linux driver: the guard part', () => {
  it('adds the table to a hypervisor snapshot', async () => {
    const runner = ReplayRunner.forDevice('hv1', {
      [NFT]: { stdout: capture('nft-j-list-table-inet-vmguard.json') },
    });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner });
    expect(snap.partialErrors).toEqual([]);
    expect(snap.guard).toMatchObject({ present: true, perTap: true });
  });

  it('a host without the table is a state, not an error', async () => {
    const runner = ReplayRunner.forDevice('hv1', {
      [NFT]: { stdout: '', stderr: capture('nft-j-list-table-inet-vmguard--absent.stderr'), code: 1 },
    });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner });
    expect(snap.partialErrors).toEqual([]);
    expect(snap.guard).toEqual({ present: false });
  });

  it('a refused nft is a partial error naming the command; the rest is kept', async () => {
    const runner = ReplayRunner.forDevice('hv1', {
      [NFT]: { stdout: '', stderr: 'sudo: a password is required\n', code: 1 },
    });
    const snap = await frrLinuxDriver.collect({ device: hv1, runner });
    expect(snap.partialErrors).toEqual([`guard: ${NFT}: exit 1: sudo: a password is required`]);
    expect(snap.guard).toBeUndefined();
    expect(snap.bgp.length).toBeGreaterThan(0);
  });
});
