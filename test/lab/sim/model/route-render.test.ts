/**
 * `show ip[v6] route vrf all json` is printed from each table's cached document with the uptimes
 * written in per call (frr-routes.ts): it must print exactly what json-c prints for the table at that
 * moment — after time passed, after the table changed, and past 100 weeks (a longer uptime).
 */
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildFabric } from '../../../../src/lab/sim/model/build.ts';
import { DEFAULT_SIM_OPTIONS } from '../../../../src/lab/sim/fabric.ts';
import {
  entryJson,
  prepareRouteDocs,
  routesJson,
  routesVrfAllJson,
} from '../../../../src/lab/sim/render/frr-routes.ts';
import { jsonC, type Json } from '../../../../src/lab/sim/render/json.ts';
import type { SimNode } from '../../../../src/lab/sim/model/node.ts';
import { Prng } from '../../../../src/lab/sim/model/prng.ts';
import { runShell } from '../../../../src/lab/sim/shell/shell.ts';
import type { Family } from '../../../../src/model/route.ts';

/** The reference: the whole document built as objects and printed by json-c's layout, per VRF. */
function reference(node: SimNode, family: Family, vrfs = node.vrfNames()): string {
  const now = Date.now();
  return vrfs
    .map((vrf) => {
      const doc: Record<string, Json[]> = {};
      for (const e of node.rib(vrf, family)) (doc[e.prefix.text] ??= []).push(entryJson(node, e, now));
      return `${jsonC(doc)}\n`;
    })
    .join('');
}

describe('route tables printed from cached documents', () => {
  afterEach(() => vi.useRealTimers());

  it('print what json-c prints, with uptimes of the moment, as time passes and tables change', () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z'), toFake: ['Date'] });
    const built = buildFabric({ ...DEFAULT_SIM_OPTIONS, hosts: 6, routers: 2, workloads: 40, tenants: 3 });
    const spine = built.network.node(built.routers[0]!)!;
    for (const family of [4, 6] as const) {
      const first = routesVrfAllJson(spine, family);
      expect(first).toBe(reference(spine, family));
      expect(first).not.toContain('\u0000');
      // Time passes: the same cached documents, every uptime rewritten.
      vi.setSystemTime(new Date('2026-12-06T03:25:07Z'));
      const later = routesVrfAllJson(spine, family);
      expect(later).toBe(reference(spine, family));
      const uptimes = (text: string) => text.match(/"uptime":"[^"]*"/g) ?? [];
      expect(uptimes(later)).toHaveLength(uptimes(first).length);
      expect(uptimes(later).some((u, i) => u !== uptimes(first)[i])).toBe(true);
      // One VRF alone, and a query (not cached), agree with the reference too.
      expect(routesJson(spine, 'default', family)).toBe(reference(spine, family, ['default']));
      vi.setSystemTime(new Date('2026-12-06T00:00:00Z'));
    }
    // Past 100 weeks the uptime (`101w0d03h`) no longer fits the blank it was printed with.
    vi.setSystemTime(new Date(Date.parse('2026-12-06T00:00:00Z') + 707 * 86_400_000));
    const old = routesVrfAllJson(spine, 4);
    expect(old).toBe(reference(spine, 4));
    expect(old).toMatch(/"uptime":"\d{3}w\dd\d\dh"/);
  });

  it("a host's tables — connected, kernel, BGP, tenant VRFs — and odd entries print what json-c prints", () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z'), toFake: ['Date'] });
    const built = buildFabric({ ...DEFAULT_SIM_OPTIONS, hosts: 4, routers: 2, workloads: 24, tenants: 3 });
    const host = built.network.node(built.hosts[0]!)!;
    const sh = (line: string) => {
      const r = runShell({ node: host, prng: new Prng(7), kernelRelease: '6.1.0-28-amd64' }, line);
      expect(r.code, `${line}: ${r.stderr}${r.stdout}`).toBe(0);
    };
    // A link whose name needs escaping in JSON, with addresses of both families; blackhole statics of
    // both families; a static via an address on that link, and one via an address no link reaches.
    sh("sudo ip link add 'we\"ird' type dummy");
    sh("sudo ip link set 'we\"ird' up");
    sh("sudo ip addr add 192.0.2.9/24 dev 'we\"ird'");
    sh("sudo ip -6 addr add 2001:db8:ffff::9/64 dev 'we\"ird'");
    sh(
      "vtysh -c 'configure terminal' -c 'ip route 198.18.0.0/15 blackhole' -c 'ipv6 route 2001:db8:dead::/48 Null0' -c 'ip route 203.0.113.0/24 192.0.2.77' -c 'ip route 100.64.0.0/24 10.255.255.1'",
    );
    for (const family of [4, 6] as const) {
      const text = routesVrfAllJson(host, family);
      expect(text).toBe(reference(host, family));
      expect(text).toContain('"protocol":"kernel"');
      expect(text).toContain('"protocol":"connected"');
      expect(text).toContain('"blackhole":true');
    }
    expect(routesVrfAllJson(host, 4)).toContain('"interfaceName":"we\\"ird"');
    expect(host.vrfNames().length).toBeGreaterThan(1);
  });

  it('vtysh sends the cached documents as bytes; a pipe or a second command reads them as text', () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z'), toFake: ['Date'] });
    const built = buildFabric({ ...DEFAULT_SIM_OPTIONS, hosts: 4, routers: 1, workloads: 12, tenants: 2 });
    const spine = built.network.node(built.routers[0]!)!;
    const sh = (line: string) =>
      runShell({ node: spine, prng: new Prng(7), kernelRelease: '6.1.0-28-amd64' }, line);
    const alone = sh("vtysh -c 'show ip route vrf all json'");
    expect(alone.code).toBe(0);
    expect(alone.chunks?.length).toBe(spine.vrfNames().length);
    expect(Buffer.concat(alone.chunks!).toString()).toBe(reference(spine, 4));
    expect(alone.stdout).toBe(reference(spine, 4));
    const sha = createHash('sha256').update(reference(spine, 4)).digest('hex');
    const piped = sh("vtysh -c 'show ip route vrf all json' | sha256sum");
    expect(piped.chunks).toBeUndefined();
    expect(piped.stdout).toBe(`${sha}  -\n`);
    const two = sh("vtysh -c 'show ip route vrf all json' -c 'show ip route vrf all json'");
    expect(two.stdout).toBe(reference(spine, 4).repeat(2));
    // A copy that changes the output (a fault, a hostile device in a test) is text only: what is sent
    // is what its stdout says, never the cached bytes behind it.
    const copy = { ...alone, stdout: 'changed\n' };
    expect(copy.chunks).toBeUndefined();
    expect({ ...alone }.stdout).toBe(reference(spine, 4));
    // A command that fails still fails with its text, not bytes.
    const missing = sh("vtysh -c 'show ip route vrf nosuch json'");
    expect(missing.stdout).toBe('% VRF nosuch not found\n');
    expect(missing.chunks).toBeUndefined();
  });

  it('a table that changed is printed afresh, not from the old document', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z'), toFake: ['Date'] });
    const built = buildFabric({ ...DEFAULT_SIM_OPTIONS, hosts: 4, routers: 1, workloads: 12, tenants: 2 });
    const spine = built.network.node(built.routers[0]!)!;
    const before = routesVrfAllJson(spine, 4);
    const w = built.workloads[0]!;
    // The workload's host withdraws it: the router's table loses the /32.
    const host = built.network.node(w.host)!;
    const at = host.kernel.routes.findIndex((r) => r.prefix.text === `${w.ipv4}/32`);
    expect(at).toBeGreaterThanOrEqual(0);
    host.kernel.routes.splice(at, 1);
    host.kernel.version++;
    host.sync();
    expect(before).toContain(`"${w.ipv4}/32"`);
    // The withdrawal reaches the router after the simulated hop delay.
    await vi.waitFor(() => expect(routesVrfAllJson(spine, 4)).not.toContain(`"${w.ipv4}/32"`), {
      timeout: 10_000,
    });
    expect(routesVrfAllJson(spine, 4)).toBe(reference(spine, 4));
  });

  it('tables printed ahead (the lab start) answer with uptimes of the reading, and afresh once changed', async () => {
    vi.useFakeTimers({ now: new Date('2026-12-06T00:00:00Z'), toFake: ['Date'] });
    const built = buildFabric({ ...DEFAULT_SIM_OPTIONS, hosts: 4, routers: 1, workloads: 12, tenants: 2 });
    const spine = built.network.node(built.routers[0]!)!;
    await prepareRouteDocs(spine);
    // An hour later the first reader comes: every uptime is the hour's, not the printing's.
    vi.setSystemTime(new Date('2026-12-06T01:00:00Z'));
    for (const family of [4, 6] as const)
      expect(routesVrfAllJson(spine, family)).toBe(reference(spine, family));
    const w = built.workloads[0]!;
    const host = built.network.node(w.host)!;
    host.kernel.routes.splice(
      host.kernel.routes.findIndex((r) => r.prefix.text === `${w.ipv6Prefix}`),
      1,
    );
    host.kernel.version++;
    host.sync();
    await vi.waitFor(() => expect(routesVrfAllJson(spine, 6)).not.toContain(`"${w.ipv6Prefix}"`), {
      timeout: 10_000,
    });
    expect(routesVrfAllJson(spine, 6)).toBe(reference(spine, 6));
  });
});
