/**
 * One prefix read from a router (what a migration's verification asks instead of the whole table),
 * on FRR 8.4.4's own answers (fixtures/frr-8.4-prefix/): found, absent, unknown VRF, and shapes we
 * do not know, which must be errors naming device and command, never "absent".
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parsePrefixRoutes, prefixRouteCommand, readPrefixRoutes } from '../../src/drivers/prefix-route.ts';
import type { CommandRunner } from '../../src/transport/types.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/frr-8.4-prefix/${name}`, import.meta.url), 'utf8');
const RTR1 = { name: 'rtr1', vtysh: 'vtysh -N rtr1' };

/** A router that answers one command with the given stdout and exit code, and records what it was sent. */
function answering(stdout: string, code = 0) {
  const sent: string[] = [];
  const runner: CommandRunner = {
    exec: async (command) => {
      sent.push(command);
      return { code, stdout, stderr: '' };
    },
    execStream: async () => ({ code: 0, stderr: '' }),
  };
  return { runner, sent };
}

describe('reading one prefix from a router', () => {
  it('asks for that prefix alone, in the VRF, as one vtysh argument', () => {
    expect(prefixRouteCommand(RTR1, 'default', '198.51.100.11/32')).toBe(
      "vtysh -N rtr1 -c 'show ip route 198.51.100.11/32 json'",
    );
    expect(prefixRouteCommand(RTR1, 'blue', '2001:db8:a:11::/64')).toBe(
      "vtysh -N rtr1 -c 'show ipv6 route vrf blue 2001:db8:a:11::/64 json'",
    );
  });

  it("reads FRR's entry: selected BGP route and its next hop", async () => {
    const { runner } = answering(fixture('show-ip-route-198-51-100-11-32-json.json'));
    const routes = await readPrefixRoutes(runner, RTR1, 'default', '198.51.100.11/32');
    expect(routes).toHaveLength(1);
    expect(routes[0]).toMatchObject({ protocol: 'bgp', selected: true });
    expect(routes[0]!.nexthops[0]).toMatchObject({ interface: 'dn-hv2', active: true });
    const six = await readPrefixRoutes(
      answering(fixture('show-ipv6-route-2001-db8-a-11-64-json.json')).runner,
      RTR1,
      'default',
      '2001:db8:a:11::/64',
    );
    expect(six[0]).toMatchObject({ protocol: 'bgp', selected: true });
    // The whole row, so the answer can stand in the router's held table (model/route-answer.ts).
    expect(routes[0]).toMatchObject({
      vrf: 'default',
      family: 4,
      prefix: '198.51.100.11/32',
      installed: true,
    });
    expect(typeof routes[0]!.uptime).toBe('string');
  });

  it('an entry of another VRF than the one asked is an error, never taken as its answer', () => {
    const command = "vtysh -N rtr1 -c 'show ip route vrf blue 198.51.100.11/32 json'";
    const found = fixture('show-ip-route-198-51-100-11-32-json.json');
    expect(() => parsePrefixRoutes(found, '198.51.100.11/32', command, 'rtr1', 'blue')).toThrow(
      /is in VRF "default", not "blue"/,
    );
  });

  it('takes `{}` and `% Network not in table` as absent', async () => {
    const empty = answering(fixture('show-ip-route-192-0-2-77-32-json.json'));
    expect(await readPrefixRoutes(empty.runner, RTR1, 'default', '192.0.2.77/32')).toEqual([]);
    const text = answering('% Network not in table\n');
    expect(await readPrefixRoutes(text.runner, RTR1, 'default', '192.0.2.77/32')).toEqual([]);
  });

  it('an unknown VRF is an error naming device, command and FRR\'s words, never "absent"', async () => {
    const { runner } = answering(fixture('show-ip-route-vrf-nosuch-198-51-100-11-32-json.json'));
    await expect(readPrefixRoutes(runner, RTR1, 'nosuch', '198.51.100.11/32')).rejects.toThrow(
      "vtysh -N rtr1 -c 'show ip route vrf nosuch 198.51.100.11/32 json': failed: % VRF nosuch not found",
    );
  });

  it('a shape it does not know is an error naming device and command', async () => {
    const command = "vtysh -N rtr1 -c 'show ip route 198.51.100.11/32 json'";
    const found = fixture('show-ip-route-198-51-100-11-32-json.json');
    const other = found.replaceAll('198.51.100.11/32', '198.51.100.0/24');
    const cases = [
      '[]',
      'not json',
      other, // another prefix than asked: never taken as this one's answer
      JSON.stringify({ '198.51.100.11/32': [{ protocol: 7 }] }),
    ];
    for (const text of cases) {
      expect(() => parsePrefixRoutes(text, '198.51.100.11/32', command, 'rtr1')).toThrow(
        `rtr1: ${command}: `,
      );
    }
  });

  it('a failing command is an error with its exit status', async () => {
    const { runner } = answering('', 1);
    await expect(readPrefixRoutes(runner, RTR1, 'default', '198.51.100.11/32')).rejects.toThrow(/exit 1/);
  });

  it('a VRF or prefix that could smuggle words into vtysh is refused before anything is sent', async () => {
    const { runner, sent } = answering('{}');
    await expect(readPrefixRoutes(runner, RTR1, "blue' ; reload", '198.51.100.11/32')).rejects.toThrow(
      /VRF name .* is not valid/,
    );
    await expect(readPrefixRoutes(runner, RTR1, 'default', '198.51.100.11/32 json; x')).rejects.toThrow(
      /prefix .* is not valid/,
    );
    expect(sent).toEqual([]);
  });
});
