import { describe, expect, it } from 'vitest';
import { frrLinuxDriver } from '../../src/drivers/index.ts';
import { IPv6, Validator } from 'ip-num';
import { canonicalIpv6 } from '../../src/addr/cidr.ts';
import { guardAddress, isNoSuchTable, parseNftGuard } from '../../src/drivers/linux/nft-guard.ts';
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

describe('guard element IPv6 addresses: the fast reading agrees with ip-num on every spelling', () => {
  // The reference: ip-num validates, WHATWG URL prints RFC 5952 text (what the guard used alone before,
  // except that a zone — `::1%eth0`, which ip-num accepts — made URL throw out of the whole listing).
  const reference = (text: string) => {
    if (!Validator.isValidIPv6String(text)[0] || text.includes('%')) return null;
    return canonicalIpv6(IPv6.fromString(text).toString());
  };
  let seed = 16;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;

  it('odd and hostile spellings', () => {
    const odd = [
      '::',
      '::1',
      '1::',
      'fe80::1',
      '2001:db8:a:10::',
      '2001:DB8:A:10::',
      '2001:0db8:000a:0010:0000:0000:0000:0000',
      '0:0:0:0:0:0:0:0',
      '1:0:0:2:0:0:0:3',
      '1:0:0:0:2:0:0:3',
      '1:2:3:4:5:6:7:8',
      '1::2:3:4:5:6:7',
      '1:2:3:4:5:6:7::',
      '::ffff:1.2.3.4',
      '::1.2.3.4',
      '64:ff9b::192.0.2.33',
      ':::',
      '1::2::3',
      'g::1',
      '12345::',
      '1:2:3:4:5:6:7:8:9',
      '1:2:3:4:5:6:7',
      '',
      ' ::1',
      '::1 ',
      '::1%eth0',
      '[::1]',
      '::1/64',
      '1.2.3.4',
      '::ffff:1.2.3',
      '::01.2.3.4',
      '2001:db8::1"}; flush ruleset',
      '00000::1',
      ':1::',
      '1:::',
      'fe80::1:',
      ':fe80::1',
    ];
    for (const text of odd) expect(guardAddress(6, text), text).toBe(reference(text));
    expect(guardAddress(6, '::1%eth0')).toBeNull();
  });

  it('an element with a zone is listed as unparsed, the rest of the listing stands', () => {
    const doc = JSON.parse(capture('nft-j-list-table-inet-vmguard.json')) as {
      nftables: { set?: { name: string; elem?: unknown[] } }[];
    };
    const allow6 = doc.nftables.find((i) => i.set?.name === 'allow6')!.set!;
    const before = parseNftGuard(JSON.stringify(doc));
    allow6.elem = [...(allow6.elem ?? []), { concat: ['tap-b', '::1%eth0'] }];
    const listing = JSON.stringify(doc);
    const guard = parseNftGuard(listing);
    if (!guard.present || !before.present) throw new Error('the capture holds the table');
    expect(guard.elements).toEqual(before.elements);
    expect(guard.elements.length).toBeGreaterThan(0);
    expect(guard.unparsed.map((u) => `${u.set} ${u.why}`)).toEqual(['allow6 not an IPv6 address']);
  });

  it('two thousand random addresses, written compressed or not, padded or not, in either case', () => {
    for (let n = 0; n < 2000; n++) {
      // Groups mostly zero or small, so runs of zeros of every length occur.
      const groups = Array.from({ length: 8 }, () =>
        random() < 0.5 ? 0 : Math.floor(random() * (random() < 0.5 ? 16 : 65536)),
      );
      let text = groups.map((g) => g.toString(16).padStart(random() < 0.3 ? 4 : 1, '0')).join(':');
      if (random() < 0.5) text = text.replace(/(^|:)(0{1,4}:){2,}0{1,4}?(?=:|$)/, '::').replace(/:::+/, '::');
      if (random() < 0.3) text = text.toUpperCase();
      expect(guardAddress(6, text), text).toBe(reference(text));
    }
  });
});
