/**
 * The workflow service on the embedded lab (production SSH + store + a registry file): plans with
 * IPAM, apply with registry updates, refusals that send nothing and change nothing.
 */
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventoryFile } from '../../../src/inventory/load.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import { WorkflowError, WorkflowService } from '../../../src/workflows/service/index.ts';
import { applyThrough, settle, startEnv, viaHosts, type Env } from '../execute/lab-fixture.ts';

let env: Env;
let registry: Registry;
let service: WorkflowService;
let registryPath = '';
let apiKey = '';

function makeService(
  reg: Registry,
  overrides: Partial<ConstructorParameters<typeof WorkflowService>[0]> = {},
) {
  return new WorkflowService({
    store: env.fabric.store,
    poller: env.fabric.poller,
    registry: reg,
    runnerFor: (spec) => {
      env.sentTo.push(spec.name);
      return env.fabric.ssh.get(spec);
    },
    settings: loadInventoryFile(env.lab.inventoryPath).workflows,
    operator: 'alice',
    verifyPollMs: 20,
    ...overrides,
  });
}

/** Registry contents that a refused action must leave exactly as they were. */
function registryShape(reg: Registry) {
  return {
    workloads: reg.workloads(),
    plans: reg.plans().map((p) => [p.plan.id, p.status]),
    allocations: reg.tenants().flatMap((t) => reg.allocated({ tenant: t.name }).map((a) => a.address)),
  };
}

beforeAll(async () => {
  env = await startEnv();
  apiKey = (await readFile(path.join(env.lab.dir, 'api-key'), 'utf8').catch(() => '')).trim();
  registryPath = path.join(env.lab.dir, 'service-registry.sqlite');
  registry = openRegistry({ path: registryPath, secrets: apiKey ? [apiKey] : [] });
  service = makeService(registry);
}, 180_000);
afterAll(async () => {
  registry?.close();
  await env?.close();
});

describe('workflow service on the embedded lab', () => {
  it('adopts the lab workloads the registry does not know, with their addresses allocated', () => {
    const adopted = service.adoptLive();
    const lab = env.lab.fabric.workloads();
    expect(adopted.length).toBe(lab.length);
    const first = lab[0]!;
    const record = registry.workloads().find((w) => w.ipv4 === first.ipv4 && w.vrf === first.vrf);
    expect(record).toMatchObject({ host: first.host, tap: first.tap, state: 'active' });
    // Adopting twice adds nothing.
    expect(service.adoptLive()).toEqual([]);
  });

  it('plans a create on free addresses (registry and live), applies it, and records it active', async () => {
    const plan = service.planCreate({ name: 'svc-web1', tenant: 'blue', host: env.hypervisors[1]!.name });
    const w = registry.workload('svc-web1')!;
    expect(w.state).toBe('planned');
    const liveBlue = env.lab.fabric.workloads().filter((x) => x.vrf === 'blue');
    expect(liveBlue.map((x) => x.ipv4)).not.toContain(w.ipv4);
    expect(registry.allocated({ vrf: 'blue' }).map((a) => a.address)).toContain(`${w.ipv4}/32`);
    expect(registry.plan(plan.id)?.status).toBe('planned');

    const result = await service.apply(plan);
    expect(result.status).toBe('applied');
    expect(registry.workload('svc-web1')?.state).toBe('active');
    await settle(env, 'routers via the host', () =>
      viaHosts(env, `${w.ipv4}/32`, 'blue').every((h) => h === w.host),
    );
  }, 180_000);

  it('migrates it: the registry moves the record to the target after the routers switched', async () => {
    const w = registry.workload('svc-web1')!;
    const target = env.hypervisors.find((h) => h.name !== w.host)!.name;
    const plan = service.planMigrate({ name: 'svc-web1', target });
    expect(plan.steps.map((s) => s.id)).toContain('target-announce-preferred');
    const result = await service.apply(plan);
    expect(result.status).toBe('applied');
    expect(registry.workload('svc-web1')).toMatchObject({ host: target, state: 'active' });
    expect(viaHosts(env, `${w.ipv4}/32`, 'blue').every((h) => h === target)).toBe(true);
  }, 180_000);

  it('a migration whose target SSH drops rolls back and leaves the registry as it was', async () => {
    const before = registry.workload('svc-web1')!;
    const target = env.hypervisors.find((h) => h.name !== before.host)!.name;
    const plan = service.planMigrate({ name: 'svc-web1', target });
    const svc = makeService(registry, { rollbackRetry: { attempts: 10, delayMs: 200 } });
    const result = await svc.apply(plan, {
      onEvent: (e) => {
        if (e.type === 'step-start' && e.step === 'target-announce-preferred')
          env.lab.faults.dropSsh(target, 500);
      },
    });
    expect(result.status).toBe('rolled-back');
    expect(registry.workload('svc-web1')).toEqual(before);
    expect(registry.plan(plan.id)?.status).toBe('rolled-back');
  }, 180_000);

  it('two consoles migrating the same workload at once: the second is refused and sends nothing', async () => {
    const w = registry.workload('svc-web1')!;
    const targets = env.hypervisors.filter((h) => h.name !== w.host).map((h) => h.name);
    const sentByB: string[] = [];
    const consoleB = makeService(registry, {
      console: { id: 'console-B', pid: process.pid, host: 'jump2' },
      runnerFor: (spec) => {
        sentByB.push(spec.name);
        return env.fabric.ssh.get(spec);
      },
    });
    const planA = service.planMigrate({ name: 'svc-web1', target: targets[0]! });
    const planB = consoleB.planMigrate({ name: 'svc-web1', target: targets[1]! });
    // B applies once A's target already announces the workload (as when B's poll is the slower):
    // B names A's plan as the reason, not the announcement A made.
    const first = applyThrough(service, planA, 'target-announce-preferred');
    await first.reached;
    await expect(consoleB.apply(planB)).rejects.toThrow(/svc-web1 is migrating .*refusing to apply/);
    expect(sentByB).toEqual([]);
    expect((await first.done).status).toBe('applied');
    expect(registry.workload('svc-web1')).toMatchObject({ host: targets[0], state: 'active' });
    consoleB.discard(planB.id);
  }, 180_000);

  it('decommissions it: gone from every router, addresses released, record retired', async () => {
    const w = registry.workload('svc-web1')!;
    const result = await service.apply(service.planDecommission({ name: 'svc-web1' }));
    expect(result.status).toBe('applied');
    expect(registry.workload('svc-web1')?.state).toBe('retired');
    expect(registry.allocated({ vrf: 'blue' }).map((a) => a.address)).not.toContain(`${w.ipv4}/32`);
    expect(viaHosts(env, `${w.ipv4}/32`, 'blue').every((h) => h === 'none')).toBe(true);
  }, 180_000);

  it('a discarded create releases its reserved addresses', () => {
    const plan = service.planCreate({ name: 'svc-tmp', tenant: 'acme', host: env.hypervisors[0]!.name });
    const addr = `${registry.workload('svc-tmp')!.ipv4}/32`;
    service.discard(plan.id);
    expect(registry.workload('svc-tmp')).toBeUndefined();
    expect(registry.allocated({ tenant: 'acme' }).map((a) => a.address)).not.toContain(addr);
    expect(registry.plan(plan.id)?.status).toBe('discarded');
  });

  describe('refusals: a clear error, nothing sent, registry unchanged', () => {
    const refuse = (what: () => unknown, message: RegExp) => {
      const shape = registryShape(registry);
      const sent = env.sentTo.length;
      expect(what).toThrow(WorkflowError);
      expect(what).toThrow(message);
      expect(env.sentTo.length).toBe(sent);
      expect(registryShape(registry)).toEqual(shape);
    };
    const hv = () => env.hypervisors[0]!.name;

    it('unknown tenant', () =>
      refuse(
        () => service.planCreate({ name: 'x1', tenant: 'nosuch', host: hv() }),
        /unknown tenant "nosuch" \(known: .*acme/,
      ));
    it('a workload name that would break a command', () =>
      refuse(
        () => service.planCreate({ name: 'web;reboot', tenant: 'acme', host: hv() }),
        /workload name "web;reboot" must be a DNS label/,
      ));
    it('unknown host, and a router as host', () => {
      refuse(
        () => service.planCreate({ name: 'x2', tenant: 'acme', host: 'hv99' }),
        /"hv99" is not a hypervisor/,
      );
      refuse(
        () => service.planCreate({ name: 'x2', tenant: 'acme', host: env.routers[0]! }),
        /is not a hypervisor/,
      );
    });
    it('a workload that already exists', () => {
      const existing = registry.workloads({ state: 'active' })[0]!;
      refuse(
        () => service.planCreate({ name: existing.name, tenant: existing.tenant, host: hv() }),
        /already exists/,
      );
    });
    it('migrating to the host it is on, or a workload that does not exist', () => {
      const w = registry.workloads({ state: 'active' })[0]!;
      refuse(() => service.planMigrate({ name: w.name, target: w.host }), /already on/);
      refuse(() => service.planMigrate({ name: 'ghost', target: hv() }), /no workload "ghost"/);
    });
    it('a workload carrying a floating IP is not migrated or decommissioned from under it', () => {
      const w = registry.workloads({ state: 'active' })[0]!;
      registry.putWorkload({ ...w, extraAllowed: ['198.51.100.250'] });
      const target = env.hypervisors.find((h) => h.name !== w.host)!.name;
      try {
        refuse(
          () => service.planMigrate({ name: w.name, target }),
          /carries floating IP\(s\) 198\.51\.100\.250; move or detach them first/,
        );
        refuse(() => service.planDecommission({ name: w.name }), /carries floating IP/);
      } finally {
        registry.putWorkload(w);
      }
    });
    it('pool exhausted', () => {
      const tiny = { name: 'tiny', vrf: 'tiny', pools4: ['192.0.2.8/32'], pools6: ['2001:db8:ff::/64'] };
      env.fabric.store.setState({ tenants: [...env.fabric.store.getState().tenants, tiny] });
      const svc = makeService(registry);
      const first = svc.planCreate({ name: 'tiny-1', tenant: 'tiny', host: hv() });
      refuse(
        () => svc.planCreate({ name: 'tiny-2', tenant: 'tiny', host: hv() }),
        /tenant tiny's IPv4 pool 192\.0\.2\.8\/32 is exhausted/,
      );
      svc.discard(first.id);
    });
    it('target host down (its SSH dropped): refused with the reason', async () => {
      const w = registry.workloads({ state: 'active' }).find((x) => x.host !== 'hv4')!;
      const down = env.hypervisors.find((h) => h.name !== w.host)!.name;
      env.lab.faults.dropSsh(down, 3000);
      await env.fabric.poller.pollNow([down]);
      expect(env.fabric.store.getState().devices[down]?.health).toBe('unreachable');
      refuse(
        () => service.planMigrate({ name: w.name, target: down }),
        new RegExp(`target host ${down} is unreachable`),
      );
      env.lab.faults.clear(down);
      await env.fabric.poller.pollNow([down]);
    }, 180_000);
    it('a compute hook that embeds the API key: the plan is refused, the key never stored', () => {
      expect(apiKey.length).toBeGreaterThan(8);
      const w = registry.workloads({ state: 'active' })[0]!;
      const target = env.hypervisors.find((h) => h.name !== w.host)!.name;
      const svc = makeService(registry, {
        settings: {
          computeHook: { type: 'command', template: `curl -H 'X-Key: ${apiKey}' https://cmdb/{workload}` },
          manageTap: true,
          breakBeforeMake: false,
        },
      });
      refuse(() => svc.planMigrate({ name: w.name, target }), /contains a secret value/);
    });
  });

  it('the audit log has each plan with its per-device diff and outcome, and no secret anywhere in the file', async () => {
    const audit = registry.audit();
    const kinds = new Set(audit.map((a) => a.kind));
    expect(kinds).toEqual(new Set(['adopt', 'plan', 'diff', 'step', 'rollback']));
    const diffs = audit.filter((a) => a.kind === 'diff');
    expect(diffs.length).toBeGreaterThan(0);
    expect(diffs[0]!.diff!.after.length + diffs[0]!.diff!.before.length).toBeGreaterThan(0);
    expect(audit.filter((a) => a.kind === 'plan').map((a) => a.outcome)).toEqual(
      expect.arrayContaining(['applied', 'rolled-back']),
    );
    registry.checkpoint();
    for (const file of await readdir(path.dirname(registryPath))) {
      if (!file.startsWith('service-registry')) continue;
      const bytes = await readFile(path.join(path.dirname(registryPath), file));
      expect(bytes.includes(Buffer.from(apiKey)), file).toBe(false);
    }
  });
});
