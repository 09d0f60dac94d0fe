/**
 * A woken poll's one-command prefetch (src/drivers/route-prefetch.ts): which vtysh lines it asks, and
 * that an answer is used only when vtysh printed one JSON document per line — FRR's own captured
 * outputs (fixtures/frr-8.4-delta/), not made-up ones, where the shape matters.
 */
import { describe, expect, it } from 'vitest';
import { BGP_PROBE_QUERIES } from '../../src/drivers/bgp-probe.ts';
import { MAX_PREFETCH_TABLES, prefetched, prefetchQueries } from '../../src/drivers/route-prefetch.ts';
import type { DeviceSnapshot, RouteCheck } from '../../src/model/snapshot.ts';
import type { CommandRunner, ExecResult } from '../../src/transport/types.ts';
import { readFixture } from './fixtures.ts';

const device = { vtysh: 'vtysh -N rtr1' };
const listing5 = readFixture('frr-8.4-delta/show-bgp-ipv4-unicast-version-5-json.json');
const listing7 = readFixture('frr-8.4-delta/show-bgp-ipv4-unicast-version-7-json.json');
const nosuchThenPrefix = readFixture('frr-8.4-delta/nosuch-then-prefix.json');

function recorder(answer: (command: string) => ExecResult) {
  const sent: string[] = [];
  const runner: CommandRunner = {
    exec: async (command) => {
      sent.push(command);
      return answer(command);
    },
    execStream: async () => ({ code: 0, stderr: '' }),
  };
  return { runner, sent };
}

const ok = (stdout: string): ExecResult => ({ stdout, stderr: '', code: 0 });

function withCheck(check: Partial<RouteCheck>): DeviceSnapshot {
  return {
    routeCheck: {
      versions: '',
      interfaces: 'x',
      since: 0,
      readAt: 0,
      fullAt: 0,
      moved: {},
      settled: true,
      ...check,
    },
    partialErrors: [],
  } as unknown as DeviceSnapshot;
}

describe('prefetchQueries', () => {
  it('without a route check to build on: the two probes only', () => {
    expect(prefetchQueries(null)).toEqual([BGP_PROBE_QUERIES.versions, BGP_PROBE_QUERIES.failed]);
  });

  it('each table from the version it was last read whole at; one unsettled without a base: none', () => {
    const q = prefetchQueries(
      withCheck({
        versions:
          'default/ipv4Unicast:9/11 default/ipv6Unicast:6/11 acme/ipv4Unicast:4/3 acme/ipv6Unicast:5/3',
        // ipv4 moved since it was read whole at version 6; acme/ipv6 moved, read whole meanwhile: no base.
        moved: { 'default/ipv4Unicast': 1, 'acme/ipv6Unicast': 1 },
        bases: { 'default/ipv4Unicast': '6/11' },
      }),
    );
    expect(q.slice(2)).toEqual([
      'show bgp ipv4 unicast version 7 json',
      'show bgp ipv6 unicast version 7 json',
      'show bgp vrf acme ipv4 unicast version 5 json',
    ]);
  });

  it('a version no one table stands for (EVPN) is not listed; past MAX_PREFETCH_TABLES tables: the probes only', () => {
    expect(
      prefetchQueries(withCheck({ versions: 'default/l2vpnEvpn:3/2 default/ipv4Unicast:2/1' })).slice(2),
    ).toEqual(['show bgp ipv4 unicast version 3 json']);
    const many = Array.from({ length: MAX_PREFETCH_TABLES + 1 }, (_, i) => `t${i}/ipv4Unicast:1/1`).join(' ');
    expect(prefetchQueries(withCheck({ versions: many }))).toHaveLength(2);
  });
});

describe('prefetched', () => {
  const queries = ['show bgp ipv4 unicast version 5 json', 'show bgp ipv4 unicast version 7 json'];
  const each = (q: string) => `vtysh -N rtr1 -c '${q}'`;

  it('one command for all; each answer taken once in place of its own command; anything else goes to the device', async () => {
    const device1 = recorder((c) =>
      c.includes(' -c ') && c.split(' -c ').length === 3 ? ok(listing5 + listing7) : ok('{"other":1}\n'),
    );
    const r = await prefetched(device1.runner, device, queries);
    expect(device1.sent).toEqual([`vtysh -N rtr1 -c '${queries[0]}' -c '${queries[1]}'`]);
    expect((await r.exec(each(queries[1]!))).stdout.trim()).toBe(listing7.trim());
    expect((await r.exec(each(queries[0]!))).stdout.trim()).toBe(listing5.trim());
    expect(device1.sent).toHaveLength(1);
    // Taken once: asked again, it is asked of the device.
    expect((await r.exec(each(queries[0]!))).stdout).toBe('{"other":1}\n');
    expect(device1.sent).toHaveLength(2);
  });

  it('a line of text among the answers (what vtysh says instead of one): none is used', async () => {
    const d = recorder((c) => (c.split(' -c ').length === 3 ? ok(nosuchThenPrefix) : ok('{"asked":1}\n')));
    const r = await prefetched(d.runner, device, queries);
    expect((await r.exec(each(queries[0]!))).stdout).toBe('{"asked":1}\n');
    expect((await r.exec(each(queries[1]!))).stdout).toBe('{"asked":1}\n');
    expect(d.sent).toHaveLength(3);
  });

  it('an exit status, stderr, or a count that does not match: none is used', async () => {
    for (const bad of [
      { stdout: listing5 + listing7, stderr: '', code: 1 },
      { stdout: listing5 + listing7, stderr: '% Command incomplete\n', code: 0 },
      { stdout: listing5, stderr: '', code: 0 },
    ]) {
      const d = recorder((c) => (c.split(' -c ').length === 3 ? bad : ok('{"asked":1}\n')));
      const r = await prefetched(d.runner, device, queries);
      expect((await r.exec(each(queries[0]!))).stdout).toBe('{"asked":1}\n');
      expect(d.sent).toHaveLength(2);
    }
  });
});
