import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createSimFabric } from '../../../../src/lab/sim/fabric.ts';
import { tokenize } from '../../../../src/lab/sim/shell/tokenize.ts';
import { until } from './helpers.ts';

describe('device shell', () => {
  const fabric = createSimFabric({ hopDelayMs: 5, jitterMs: 1 });
  afterAll(() => fabric.close());
  const hv = fabric.device('hv1')!;
  const spine = fabric.device('spine1')!;

  it('splits words like sh: quotes, backslashes, ; && ||', () => {
    expect(tokenize(`vtysh -c 'show ip route' -c "a \\"b\\"" x\\ y`)).toEqual([
      { argv: ['vtysh', '-c', 'show ip route', '-c', 'a "b"', 'x y'] },
    ]);
    expect(tokenize("true; false && echo no || echo 'yes'").map((c) => [c.after, c.argv[0]])).toEqual([
      [undefined, 'true'],
      [';', 'false'],
      ['&&', 'echo'],
      ['||', 'echo'],
    ]);
  });

  it('answers unknown programs like sh, and sequences with && and ||', async () => {
    expect(await hv.exec('frobnicate --now')).toEqual({
      stdout: '',
      stderr: 'sh: 1: frobnicate: not found\n',
      code: 127,
    });
    expect(await hv.exec('false && echo no || echo yes')).toEqual({ stdout: 'yes\n', stderr: '', code: 0 });
    expect((await hv.exec("echo 'unterminated")).code).toBe(2);
  });

  it('pipes a program into the next like sh: only the last of a pipeline prints, a skipped one skips it whole', async () => {
    const sha = (text: string) => createHash('sha256').update(text).digest('hex');
    expect(await hv.exec('echo a | sha256sum; echo b | sha256sum')).toEqual({
      stdout: `${sha('a\n')}  -\n${sha('b\n')}  -\n`,
      stderr: '',
      code: 0,
    });
    // What a poll's batched digests ask (drivers/digest.ts): nothing of the listing itself comes back.
    const digests = await hv.exec('ip -j -d addr show | sha256sum; echo done');
    expect(digests.stdout).toMatch(/^[0-9a-f]{64} {2}-\ndone\n$/);
    expect(await hv.exec('false && echo a | sha256sum; echo b')).toEqual({
      stdout: 'b\n',
      stderr: '',
      code: 0,
    });
    expect(await hv.exec('true || echo a | sha256sum')).toEqual({ stdout: '', stderr: '', code: 0 });
  });

  it('validates ip arguments with iproute2’s messages and exit codes', async () => {
    expect(await hv.exec('ip route add 10.0.0.1/32 dev tap-x')).toEqual({
      stdout: '',
      stderr: 'RTNETLINK answers: Operation not permitted\n',
      code: 2,
    });
    expect(await hv.exec('sudo -n ip route add 10.0.0.1/32 dev tap-x')).toEqual({
      stdout: '',
      stderr: 'Cannot find device "tap-x"\n',
      code: 1,
    });
    expect(await hv.exec('sudo -n ip route add 10.0.0.300/32 dev eth0')).toMatchObject({
      stderr: 'Error: any valid prefix is expected rather than "10.0.0.300/32".\n',
      code: 1,
    });
    expect(await hv.exec('ip frob')).toMatchObject({
      stderr: 'Object "frob" is unknown, try "ip help".\n',
      code: 255,
    });
    const tap = (await hv.exec("vtysh -c 'show interface'")).code; // not rendered: unknown to the lab's vtysh
    expect(tap).toBe(1);
    expect((await hv.exec('sudo -n ip tuntap add dev tap-new mode tap')).code).toBe(0);
    expect(await hv.exec('sudo -n ip tuntap add dev tap-new mode tap')).toMatchObject({
      stderr: 'ioctl(TUNSETIFF): Device or resource busy\n',
      code: 1,
    });
    expect(await hv.exec('sudo -n ip route add 198.51.100.200/32 dev tap-new')).toEqual({
      stdout: '',
      stderr: 'Error: Nexthop device is not up.\n',
      code: 2,
    });
    expect(
      (await hv.exec('sudo -n ip link set tap-new up && sudo -n ip route add 198.51.100.200/32 dev tap-new'))
        .code,
    ).toBe(0);
    expect(await hv.exec('sudo -n ip route add 198.51.100.200/32 dev tap-new')).toEqual({
      stdout: '',
      stderr: 'RTNETLINK answers: File exists\n',
      code: 2,
    });
    expect(await hv.exec('sudo -n ip route del 198.51.100.201/32 dev tap-new')).toEqual({
      stdout: '',
      stderr: 'RTNETLINK answers: No such process\n',
      code: 2,
    });
    expect(await hv.exec('sudo -n ip link set tap-new master nosuchvrf')).toMatchObject({
      stderr: 'Device "nosuchvrf" does not exist.\n',
      code: 1,
    });
    expect(
      (
        await hv.exec(
          'sudo -n ip link add green type vrf table 102 && sudo -n ip link set green up && sudo -n ip link set tap-new master green',
        )
      ).code,
    ).toBe(0);
    const links = JSON.parse((await hv.exec('ip -j -d link show type vrf')).stdout) as {
      ifname: string;
      linkinfo: { info_data: { table: number } };
    }[];
    expect(links.map((l) => `${l.ifname}:${l.linkinfo.info_data.table}`)).toEqual([
      'blue:100',
      'red:101',
      'green:102',
    ]);
    expect((await hv.exec('sudo -n ip link del tap-new')).code).toBe(0);
    expect(await hv.exec('sudo -n ip link del tap-new')).toMatchObject({
      stderr: 'Cannot find device "tap-new"\n',
      code: 1,
    });
  });

  it('vtysh: unknown commands, abbreviations, config that changes routing', async () => {
    expect(await spine.exec("vtysh -c 'show frobs'")).toEqual({
      stdout: '% Unknown command: show frobs\n',
      stderr: '',
      code: 1,
    });
    expect(JSON.parse((await spine.exec("vtysh -c 'sh ip ro json'")).stdout)).toEqual(
      JSON.parse((await spine.exec("vtysh -c 'show ip route json'")).stdout),
    );
    expect(await spine.exec("vtysh -c 'ip route 10.9.0.0/24 Null0'")).toMatchObject({
      stdout: '% Unknown command: ip route 10.9.0.0/24 Null0\n',
      code: 1,
    });
    expect(await spine.exec("vtysh -N hv7 -c 'show version'")).toMatchObject({
      stderr: 'Exiting: failed to connect to any daemons.\n',
      code: 1,
    });
    const r = await spine.exec(
      "vtysh -c 'conf t' -c 'ip route 192.0.2.0/24 blackhole' -c 'ipv6 route 2001:db8:ff::/48 blackhole' -c 'end' -c 'write memory'",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[OK]');
    const shown = async () => (await hv.exec("vtysh -c 'show ip route 192.0.2.0/24 json'")).stdout;
    await until('hv to learn 192.0.2.0/24', async () => (await shown()) !== '{\n}\n');
    const onHv = JSON.parse((await hv.exec("vtysh -c 'show ip route 192.0.2.0/24 json'")).stdout) as Record<
      string,
      { protocol: string }[]
    >;
    expect(onHv['192.0.2.0/24']?.[0]?.protocol).toBe('bgp');
    expect((await spine.exec("vtysh -c 'show running-config'")).stdout).toContain(
      'ip route 192.0.2.0/24 blackhole',
    );
    expect((await spine.exec("vtysh -c 'configure terminal' -c 'router bgp 65001'")).stdout).toBe(
      'BGP is already running; AS is 65000\n',
    );
    expect(
      (await spine.exec("vtysh -c 'configure terminal' -c 'no ip route 192.0.2.0/24 blackhole'")).code,
    ).toBe(0);
    await until('hv to lose 192.0.2.0/24', async () => (await shown()) === '{\n}\n');
  });

  it('nft: anti-spoofing set elements, checked like nft', async () => {
    const w = fabric.workloads().find((x) => x.host === 'hv1')!;
    expect(
      (await hv.exec(`sudo -n nft add element inet vmguard allow4 '{ "${w.tap}" . 198.51.100.77/32 }'`)).code,
    ).toBe(0);
    const doc = JSON.parse((await hv.exec('sudo -n nft -j list ruleset')).stdout) as {
      nftables: { set?: { name: string; elem?: { concat: unknown[] }[] } }[];
    };
    const allow4 = doc.nftables.find((x) => x.set?.name === 'allow4')?.set;
    expect(allow4?.elem).toContainEqual({ concat: [w.tap, '198.51.100.77'] });
    expect(
      (await hv.exec(`sudo -n nft delete element inet vmguard allow4 '{ "${w.tap}" . 198.51.100.77/32 }'`))
        .code,
    ).toBe(0);
    expect(
      (await hv.exec(`sudo -n nft delete element inet vmguard allow4 '{ "${w.tap}" . 198.51.100.77/32 }'`))
        .stderr,
    ).toMatch(/^Error: Could not process rule: No such file or directory/);
    expect((await hv.exec('nft -j list ruleset')).code).toBe(1);
  });
});

describe('ip route del of two routes to one prefix deletes the lowest metric, as the kernel does', () => {
  const fabric = createSimFabric({ hopDelayMs: 5, jitterMs: 1 });
  afterAll(() => fabric.close());

  // Checked in a network namespace on Linux 6.x: added 512 first, then the normal route; a delete
  // without a metric removed the IPv4 metric-0 route and the IPv6 metric-512 route (the lowest each).
  it('whichever was added first', async () => {
    const w = fabric.workloads().find((x) => x.vrf === 'default')!;
    const hv = fabric.device(w.host)!;
    const v4 = `${w.ipv4}/32`;
    const v6 = w.ipv6Prefix;
    const metrics = async (family: 4 | 6, prefix: string) => {
      const doc = JSON.parse((await hv.exec(`ip -${family} -j route show`)).stdout) as {
        dst: string;
        metric?: number;
      }[];
      return doc
        .filter((r) => r.dst === prefix || `${r.dst}/32` === prefix)
        .map((r) => r.metric ?? 0)
        .sort((a, b) => a - b);
    };
    for (const cmd of [
      `sudo -n ip route del ${v4} dev ${w.tap}`,
      `sudo -n ip -6 route del ${v6} dev ${w.tap} metric 1024`,
      `sudo -n ip route add ${v4} dev ${w.tap} metric 512`,
      `sudo -n ip route add ${v4} dev ${w.tap}`,
      `sudo -n ip -6 route add ${v6} dev ${w.tap} metric 512`,
      `sudo -n ip -6 route add ${v6} dev ${w.tap}`,
    ])
      expect((await hv.exec(cmd)).code, cmd).toBe(0);
    expect(await metrics(4, v4)).toEqual([0, 512]);
    expect(await metrics(6, v6)).toEqual([512, 1024]);
    expect((await hv.exec(`sudo -n ip route del ${v4} dev ${w.tap}`)).code).toBe(0);
    expect((await hv.exec(`sudo -n ip -6 route del ${v6} dev ${w.tap}`)).code).toBe(0);
    expect(await metrics(4, v4)).toEqual([512]);
    expect(await metrics(6, v6)).toEqual([1024]);
    // IPv4's metric 0 means "any": with only the 512 route left, it is the one deleted.
    expect((await hv.exec(`sudo -n ip route del ${v4} dev ${w.tap} metric 0`)).code).toBe(0);
    expect(await metrics(4, v4)).toEqual([]);
  });
});

describe('VRF routes need their table, as in the kernel', () => {
  const fabric = createSimFabric({ hopDelayMs: 5, jitterMs: 1 });
  afterAll(() => fabric.close());

  it('deletes and re-adds a blue workload route only with table/vrf', async () => {
    const w = fabric.workloads().find((x) => x.vrf === 'blue')!;
    const hv = fabric.device(w.host)!;
    expect(await hv.exec(`sudo -n ip route del ${w.ipv4}/32 dev ${w.tap}`)).toMatchObject({
      stderr: 'RTNETLINK answers: No such process\n',
      code: 2,
    });
    expect((await hv.exec(`sudo -n ip route del ${w.ipv4}/32 dev ${w.tap} table 100`)).code).toBe(0);
    expect((await hv.exec(`sudo -n ip route add ${w.ipv4}/32 dev ${w.tap} vrf blue`)).code).toBe(0);
    const routes = JSON.parse((await hv.exec('ip -j route show table 100')).stdout) as {
      dst: string;
      dev?: string;
    }[];
    expect(routes).toContainEqual({ dst: w.ipv4, dev: w.tap, scope: 'link', flags: [] });
  });
});

describe('a router printing its whole route tables', () => {
  it('lets the other devices answer while its tables are made, and prints the same listing', async () => {
    const fabric = createSimFabric({ hopDelayMs: 5, jitterMs: 1 });
    try {
      const spine = fabric.device('spine1')!;
      const hv = fabric.device('hv1')!;
      const order: string[] = [];
      const listing = spine
        .exec("vtysh -c 'show ip route vrf all json'")
        .then((r) => (order.push('spine1'), r));
      const other = hv.exec('hostname').then((r) => (order.push('hv1'), r));
      const [first] = await Promise.all([listing, other]);
      // The host answered while the router's tables were being made (one process for every device).
      expect(order).toEqual(['hv1', 'spine1']);
      expect(first.code).toBe(0);
      // zebra ≤ 9.1 prints one document per VRF: several tables were made.
      expect(first.stdout.split(/\n(?=\{)/).length).toBeGreaterThan(1);
      // Made once: the next listing is the same document (uptimes aside).
      const again = await spine.exec("vtysh -c 'show ip route vrf all json'");
      const blank = (t: string) => t.replace(/"uptime":"[^"]*"/g, '"uptime":""');
      expect(blank(again.stdout)).toBe(blank(first.stdout));
    } finally {
      fabric.close();
    }
  });
});
