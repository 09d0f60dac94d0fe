/**
 * One name per lab workload (issue 15, item 4): workloads.json, the guest namespace the compute hook
 * addresses, the TAP, and the name the registry adopts from the live fabric all agree. No root needed.
 */
import { describe, expect, it } from 'vitest';
import {
  GUEST_HOOK_TEMPLATE,
  guestIface,
  labNamespace,
  TENANTS,
  WORKLOADS,
} from '../../src/lab/netns/index.ts';
import { labFiles } from '../../src/lab/netns/paths.ts';
import { renderInventory, workloadInfos } from '../../src/lab/netns/outputs.ts';
import { registryPathFor } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { openRegistry } from '../../src/registry/index.ts';
import type { AppState } from '../../src/state/store.ts';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';
import { adoptLiveWorkloads } from '../../src/workflows/service/adopt.ts';
import { renderHook } from '../../src/workflows/plan/compute-hook.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** What the poller indexes for the lab as `up` leaves it: each prefix announced by its home host's TAP. */
function liveState(): AppState {
  const workloads: WorkloadEntry[] = WORKLOADS.flatMap((w) =>
    [`${w.ipv4}/32`, w.ipv6Prefix].map((prefix) => ({
      vrf: 'default',
      prefix,
      family: prefix.includes(':') ? 6 : 4,
      tenant: w.tenant,
      announcers: [{ host: w.host, interface: w.tap, metric: 0, source: 'host', hostProblem: null }],
      seenBy: [],
      conflicts: [],
    })),
  );
  return { workloads } as unknown as AppState;
}

describe('the netns lab names each workload once', () => {
  it('the registry adopts the lab workloads under the names, hosts and TAPs of workloads.json', () => {
    const registry = openRegistry({ path: ':memory:' });
    try {
      for (const t of TENANTS)
        registry.upsertTenant({ name: t.name, pools4: [...t.pools4], pools6: [...t.pools6] });
      const adopted = adoptLiveWorkloads(liveState(), registry, 'test', () => 0);
      const infos = workloadInfos();
      expect(adopted.sort()).toEqual(infos.map((w) => w.name).sort());
      expect(
        registry
          .workloads()
          .map((w) => ({ name: w.name, host: w.host, tap: w.tap, ipv4: w.ipv4, ipv6Prefix: w.ipv6Prefix }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      ).toEqual(
        infos
          .map((w) => ({ name: w.name, host: w.host, tap: w.tap, ipv4: w.ipv4, ipv6Prefix: w.ipv6Prefix }))
          .sort((a, b) => a.name.localeCompare(b.name)),
      );
      expect(infos.find((w) => w.name === 'acme-1')).toMatchObject({
        namespace: 'rd-acme-1',
        tap: 'tap-acme-1',
        host: 'hv1',
      });
    } finally {
      registry.close();
    }
  });

  it("the inventory's compute hook moves a lab workload's own namespace to its leg on the target", () => {
    const w = WORKLOADS.find((x) => x.name === 'acme-1')!;
    const command = renderHook(GUEST_HOOK_TEMPLATE, {
      workload: w.name,
      tap: w.tap,
      source: 'hv1',
      target: 'hv2',
      targetAddress: '198.18.0.22',
      ipv4: w.ipv4,
      ipv6Prefix: w.ipv6Prefix,
    });
    expect(command).toBe(
      `ip -n ${labNamespace(w.name)} route replace default via 169.254.0.1 dev ${guestIface('hv2')} onlink && ` +
        `ip -n ${labNamespace(w.name)} -6 route replace default via fe80::1 dev ${guestIface('hv2')}`,
    );
    // Linux interface names are at most 15 bytes: every TAP and every guest leg fits.
    for (const x of WORKLOADS) expect(x.tap.length, x.tap).toBeLessThanOrEqual(15);
  });

  it("a lab's registry lives in its dir, among the files `down` removes", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'routedeck-names-'));
    try {
      await writeFile(labFiles(dir).inventory, renderInventory(dir));
      await writeFile(labFiles(dir).clientKey, '');
      await writeFile(labFiles(dir).knownHosts, '');
      const inventory = loadInventoryFile(labFiles(dir).inventory);
      const registry = registryPathFor(inventory, { kind: 'lab-netns', label: 'netns' }, {});
      expect(registry).toBe(labFiles(dir).registry);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
