/**
 * Routers' route monitors wake their polls (src/drivers/route-watch.ts, issue 16): through the
 * production wiring and SSH transport on the embedded lab, with every device's poll interval an hour,
 * a workload announced from another host shows its new next hop in each router's table in the store —
 * only a poll the monitor started can have read it. Nothing here is timed: each step waits for what a
 * user would see, bounded by the test's own timeout.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, type Fabric } from '../../../src/cli/wiring.ts';
import { ROUTE_MONITOR_COMMAND } from '../../../src/drivers/route-watch.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { startSimLab, type SimLab } from '../../../src/lab/sim/lab.ts';

const HOUR = 3_600_000;

async function until(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a router’s route monitor polls it when its routes change', () => {
  let parent = '';
  let lab: SimLab;
  let fabric: Fabric;

  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-watch-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    fabric = openFabric(
      loadInventoryFile(lab.inventoryPath),
      { kind: 'lab-sim', label: 'LAB (simulated)' },
      { poller: { intervalMs: { router: HOUR, hypervisor: HOUR } } },
    );
  }, 180_000);

  afterAll(async () => {
    fabric?.poller.stop();
    await fabric?.close();
    await lab?.stop();
    await rm(parent, { recursive: true, force: true });
  });

  it('the lab prints a line on a route change to `ip -o monitor route`, and nothing before it', async () => {
    const spec = fabric.store.getState().devices['spine1']!.spec;
    const session = await fabric.ssh.get(spec).session(ROUTE_MONITOR_COMMAND);
    let text = '';
    session.onData((chunk) => (text += chunk.toString()));
    try {
      const w = lab.fabric.workloads().find((x) => x.vrf === 'default')!;
      const hv = lab.fabric.device(w.host)!;
      // Quiet fabric: nothing printed (the lab has no background churn).
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(text).toBe('');
      expect((await hv.exec(`sudo -n ip route del ${w.ipv4}/32`)).code).toBe(0);
      // iproute2's form: a host route without its length (`Deleted 198.51.100.10 …`).
      await until('a withdrawal line', () => text.includes(`Deleted ${w.ipv4} `));
      expect((await hv.exec(`sudo -n ip route add ${w.ipv4}/32 dev ${w.tap}`)).code).toBe(0);
      await until('an announcement line', () =>
        new RegExp(
          `^${w.ipv4.replace(/\./g, '\\.')} via inet6 fe80:\\S+ dev \\S+ proto bgp metric 20$`,
          'm',
        ).test(text),
      );
    } finally {
      session.close();
    }
  });

  it('with polls an hour apart, a moved workload shows its new next hop in every router’s table', async () => {
    const state = () => fabric.store.getState();
    const routers = state().deviceOrder.filter((n) => state().devices[n]!.spec.role === 'router');
    fabric.poller.start();
    await until('every router polled and watched', () =>
      routers.every((r) => state().devices[r]!.snapshot !== null && state().devices[r]!.changeFeed === true),
    );
    expect(
      state()
        .events.filter((e) => /route monitor open/.test(e.message))
        .map((e) => e.device)
        .sort(),
    ).toEqual([...routers].sort());
    const w = lab.fabric.workloads().find((x) => x.vrf === 'default' && x.host !== 'hv2')!;
    const hop = (router: string) =>
      state()
        .devices[router]!.snapshot!.routes.lookup(w.ipv4, 'default')
        ?.nexthops.map((n) => n.interface ?? n.ip)
        .join(',');
    const before = new Map(routers.map((r) => [r, hop(r)]));
    const polledAt = new Map(routers.map((r) => [r, state().devices[r]!.lastSuccessAt]));
    const target = lab.devices.find((d) => d.role === 'hypervisor' && d.name !== w.host)!.name;
    const dest = lab.fabric.device(target)!;
    for (const command of [
      'sudo -n ip tuntap add dev tap-watch mode tap',
      'sudo -n ip link set tap-watch up',
      'sudo -n ip addr add 169.254.0.1/32 dev tap-watch',
      `sudo -n ip route add ${w.ipv4}/32 dev tap-watch metric 512`,
    ])
      expect((await dest.exec(command)).code, command).toBe(0);
    await until('every router’s table shows the new next hop', () =>
      routers.every((r) => hop(r) !== before.get(r) && hop(r) !== undefined),
    );
    for (const r of routers) expect(state().devices[r]!.lastSuccessAt).not.toBe(polledAt.get(r));
    // The Workloads row's host comes from the hosts' own tables: the routers now route it via a host
    // that does not announce it in the index, so that host is polled at once (hosts-to-confirm.ts) —
    // an hour before its interval — and the row shows it announcing.
    await until('the index shows the target announcing', () =>
      (state().workloads.find((e) => e.prefix === `${w.ipv4}/32`)?.announcers ?? []).some(
        (a) => a.host === target,
      ),
    );
    // Hosts are not watched (their changes come from routedeck's own plans): one poll each, no more.
    const hosts = state().deviceOrder.filter((n) => state().devices[n]!.spec.role === 'hypervisor');
    for (const h of hosts) expect(state().devices[h]!.changeFeed ?? false).toBe(false);
  });
});
