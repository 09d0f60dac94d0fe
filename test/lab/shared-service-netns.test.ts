/**
 * Acceptance of shared-service NAT (issue 8, item 4) in network namespaces: tenants A and B, both
 * at 10.0.0.5, reach one service at 10.0.0.53 through a local address; the service sees two
 * distinct transit addresses. The plan is made by the workflow service and applied by the real
 * executor; each command line of a Linux edge goes to `sh -c` inside that edge's namespace
 * (`ip netns exec`), the same text an SSH exec channel would hand to the edge's shell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireNetnsLock, netnsCanRun } from '../../src/lab/netns/index.ts';
import { tryRunInNamespace } from '../../src/lab/netns/exec.ts';
import {
  namespaceRunner,
  serviceSeen,
  sharedServiceLabDown,
  sharedServiceLabUp,
  SS_ADDR,
  SS_NAMESPACES,
} from '../../src/lab/netns/shared-service-lab.ts';
import type { Registry } from '../../src/registry/index.ts';
import { actionLines } from '../../src/workflows/plan/preview.ts';
import { planSharedService, type SharedServiceInput } from '../../src/workflows/service/shared-service.ts';
import type { WorkflowService } from '../../src/workflows/service/index.ts';
import { edgeSpec, makeSharedService } from '../workflows/nat/shared-service-fixture.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('shared-service NAT in namespaces', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

const EDGES = { 'edge-a': SS_NAMESPACES.edgeA, 'edge-b': SS_NAMESPACES.edgeB, prov: SS_NAMESPACES.provider };
const sent: { device: string; command: string }[] = [];

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

let release: (() => void) | undefined;

describe.skipIf(!can.ok)('shared-service NAT in namespaces (nftables prefix NAT, real kernel)', () => {
  let service: WorkflowService;
  let registry: Registry;

  beforeAll(async () => {
    // Global namespace names: one such run per machine, like the FRR lab.
    release = await acquireNetnsLock(15 * 60_000, 'shared-service lab');
    await sharedServiceLabUp();
    ({ service, registry } = makeSharedService(
      Object.keys(EDGES).map((name) => edgeSpec(name, 'frr-linux')),
      (spec) => {
        const runner = namespaceRunner(EDGES[spec.name as keyof typeof EDGES]);
        return {
          exec: (command, options) => {
            sent.push({ device: spec.name, command });
            return runner.exec(command, options);
          },
          execStream: runner.execStream,
        };
      },
    ));
  }, 900_000);

  afterAll(async () => {
    registry?.close();
    await sharedServiceLabDown();
    release?.();
  });

  it('without the plan, neither tenant reaches the local service address', async () => {
    expect((await ping(SS_NAMESPACES.clientA, 1)).code).not.toBe(0);
    expect((await ping(SS_NAMESPACES.clientB, 1)).code).not.toBe(0);
  }, 30_000);

  it('applied, both tenants at 10.0.0.5 reach the service, which sees two distinct transit addresses', async () => {
    const plan = planSharedService(service, input);
    const result = await service.apply(plan);
    expect(result.status).toBe('applied');
    // What was sent is exactly what the plan (and so its preview) says, step by step.
    expect(sent).toEqual(
      plan.steps.flatMap((s) => actionLines(s.action).map((command) => ({ device: s.device, command }))),
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
  }, 60_000);

  it('a second plan for the same service stops at its first command and undoes nothing: tenants keep working', async () => {
    const again = planSharedService(service, input);
    // Same slices: a tenant keeps its slice.
    expect(again.summary).toBe(registry.plans().find((p) => p.status === 'applied')!.plan.summary);
    const result = await service.apply(again);
    expect(result.status).toBe('rolled-back');
    expect(result.steps[0]).toMatchObject({ id: 'tenant-ta', outcome: 'failed' });
    expect(result.steps[0]!.error).toMatch(/nft create table ip rd_ss_dns` exited 1.*File exists/s);
    // The table of the applied plan is still there, so traffic still flows.
    expect((await ping(SS_NAMESPACES.clientA)).stdout).toContain('3 received');
    expect((await ping(SS_NAMESPACES.clientB)).stdout).toContain('3 received');
    expect(await serviceSeen()).toEqual({ '100.64.0.5': 6, '100.64.1.5': 6 });
  }, 60_000);
});
