/**
 * Acceptance of shared-service NAT (issue 8, item 4) in network namespaces: tenants A and B, both
 * at 10.0.0.5, reach one service at 10.0.0.53 through a local address; the service sees two
 * distinct transit addresses. The edges run a real sshd; the plan is made and applied through the
 * production path (`routedeck apply`'s openFabric + openWorkflows on the edges' inventory), so every
 * command goes over SSH with host-key checking.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFabric, openWorkflows, type Fabric } from '../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../src/inventory/load.ts';
import { acquireNetnsLock, netnsCanRun } from '../../src/lab/netns/index.ts';
import { tryRunInNamespace } from '../../src/lab/netns/exec.ts';
import {
  serviceSeen,
  sharedServiceLabDown,
  sharedServiceLabUp,
  sharedServiceSshUp,
  SS_ADDR,
  SS_NAMESPACES,
} from '../../src/lab/netns/shared-service-lab.ts';
import type { Registry } from '../../src/registry/index.ts';
import type { ExecEvent } from '../../src/workflows/execute/index.ts';
import { actionLines } from '../../src/workflows/plan/preview.ts';
import { planSharedService, type SharedServiceInput } from '../../src/workflows/service/shared-service.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('shared-service NAT in namespaces', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

function ping(ns: string, count = 3) {
  return tryRunInNamespace(ns, ['ping', '-n', '-c', String(count), '-i', '0.2', '-W', '2', SS_ADDR.local], {
    timeoutMs: 20_000,
  });
}

const input: SharedServiceInput = {
  name: 'dns',
  service: SS_ADDR.service,
  local: SS_ADDR.local,
  tenants: [
    { tenant: 'ta', edge: 'edge-a', via: SS_ADDR.viaA },
    { tenant: 'tb', edge: 'edge-b', via: SS_ADDR.viaB },
  ],
  provider: { edge: 'prov' },
};

const sentOf = (events: ExecEvent[]) =>
  events.flatMap((e) =>
    e.type === 'command' ? [{ device: e.device, command: e.command, code: e.code }] : [],
  );

let release: (() => void) | undefined;
let dir: string | undefined;

describe.skipIf(!can.ok)(
  'shared-service NAT in namespaces (nftables prefix NAT over SSH, real kernel)',
  () => {
    let service: WorkflowService;
    let registry: Registry;
    let fabric: Fabric | undefined;
    let closeWorkflows: (() => void) | undefined;

    beforeAll(async () => {
      // Global namespace names: one such run per machine, like the FRR lab.
      release = await acquireNetnsLock(15 * 60_000, 'shared-service lab');
      await sharedServiceLabUp();
      dir = await mkdtemp(path.join(tmpdir(), 'routedeck-ss-lab-'));
      const inventory = loadInventoryFile(await sharedServiceSshUp(dir));
      fabric = openFabric(inventory, { kind: 'inventory', label: 'shared-service lab' });
      await fabric.poller.pollNow();
      const wf = await openWorkflows(inventory, fabric, { registryPath: path.join(dir, 'registry.sqlite') });
      ({ service, registry } = wf);
      closeWorkflows = wf.close;
    }, 900_000);

    afterAll(async () => {
      closeWorkflows?.();
      await fabric?.close();
      await sharedServiceLabDown();
      if (dir) await rm(dir, { recursive: true, force: true });
      release?.();
    });

    it('the edges answer over SSH (host keys pinned): polled, not unreachable', () => {
      const devices = fabric!.store.getState().devices;
      for (const name of ['edge-a', 'edge-b', 'prov']) {
        expect(devices[name]?.health, `${name}: ${devices[name]?.lastError ?? ''}`).not.toBe('unreachable');
        expect(devices[name]?.snapshot?.interfaces.map((i) => i.name)).toContain('mgmt0');
      }
    });

    it('without the plan, neither tenant reaches the local service address', async () => {
      expect((await ping(SS_NAMESPACES.clientA, 1)).code).not.toBe(0);
      expect((await ping(SS_NAMESPACES.clientB, 1)).code).not.toBe(0);
    }, 180_000);

    it('applied over SSH, both tenants at 10.0.0.5 reach the service, which sees two distinct transit addresses', async () => {
      const plan = await planSharedService(service, input);
      const events: ExecEvent[] = [];
      const result = await service.apply(plan, { onEvent: (e) => events.push(e) });
      expect(result.status, JSON.stringify(result.steps)).toBe('applied');
      // What went over SSH is exactly what the plan (and so its preview) says, step by step, each exit 0.
      expect(sentOf(events)).toEqual(
        plan.steps.flatMap((s) =>
          actionLines(s.action).map((command) => ({ device: s.device, command, code: 0 })),
        ),
      );

      const [a, b] = [await ping(SS_NAMESPACES.clientA), await ping(SS_NAMESPACES.clientB)];
      expect(a.stdout).toContain('3 received');
      expect(b.stdout).toContain('3 received');
      const slices = Object.fromEntries(registry.transitSlices().map((s) => [s.owner, s.slice]));
      expect(slices).toMatchObject({ ta: '100.64.0.0/24', tb: '100.64.1.0/24' });
      const seen = await serviceSeen();
      // The client's host part (.5) inside each tenant's slice; nothing else reached the service.
      expect(seen).toEqual({ '100.64.0.5': 3, '100.64.1.5': 3 });
      expect(registry.plan(plan.id)?.status).toBe('applied');
    }, 180_000);

    it('a second plan for the same service stops at its first command and undoes nothing: tenants keep working', async () => {
      const again = await planSharedService(service, input);
      // Same slices: a tenant keeps its slice.
      expect(again.summary).toBe(registry.plans().find((p) => p.status === 'applied')!.plan.summary);
      const events: ExecEvent[] = [];
      const result = await service.apply(again, { onEvent: (e) => events.push(e) });
      expect(result.status).toBe('rolled-back');
      expect(result.steps[0]).toMatchObject({ id: 'tenant-ta', outcome: 'failed' });
      expect(result.steps[0]!.error).toMatch(/nft create table ip rd_ss_dns` exited 1.*File exists/s);
      // One command was sent, it failed, and no delete followed anywhere.
      expect(sentOf(events)).toEqual([
        { device: 'edge-a', command: 'nft create table ip rd_ss_dns', code: 1 },
      ]);
      // The table of the applied plan is still there, so traffic still flows.
      expect((await ping(SS_NAMESPACES.clientA)).stdout).toContain('3 received');
      expect((await ping(SS_NAMESPACES.clientB)).stdout).toContain('3 received');
      expect(await serviceSeen()).toEqual({ '100.64.0.5': 6, '100.64.1.5': 6 });
    }, 180_000);
  },
);
