/**
 * Issue 15, item 4 on real FRR: a user brings the lab up with the CLI, migrates one of the lab's own
 * workloads with `plan migrate` + `apply --yes` under the names workloads.json gives, and the lab's
 * lock, repair and `down` + `up` keep the registry telling the truth about the lab.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  acquireNetnsLock,
  guestIface,
  hypervisorLegs,
  labNamespace,
  netnsCanRun,
  netnsDown,
  NetnsLockBusyError,
  netnsLockDir,
  readLockOwner,
  runInNamespace,
  startPing,
  stopFrrDaemon,
  vtysh,
  type WorkloadInfo,
} from '../../src/lab/netns/index.ts';
import { openRegistry } from '../../src/registry/index.ts';
import { cli } from '../helpers/cli.ts';

const can = netnsCanRun();
if (!can.ok && process.env['ROUTEDECK_REQUIRE_LAB'] === '1') {
  describe('the netns lab from the CLI', () => {
    it('can run here (ROUTEDECK_REQUIRE_LAB=1)', () =>
      expect.fail(`netns lab required but cannot run: ${can.reason}`));
  });
}

const BIN = fileURLToPath(new URL('../../bin/routedeck.mjs', import.meta.url));
let releaseLock: (() => void) | undefined;

type RouteTable = Record<string, { selected?: boolean; nexthops?: { interfaceName?: string }[] }[]>;

/** The interface a router's selected route for a prefix leaves by (`dn-hv2`: towards hv2). */
async function routerVia(router: string, prefix: string): Promise<string | undefined> {
  const cmd = prefix.includes(':') ? `show ipv6 route ${prefix} json` : `show ip route ${prefix} json`;
  const table = JSON.parse(await vtysh(router, cmd)) as RouteTable;
  return table[prefix]?.find((r) => r.selected)?.nexthops?.[0]?.interfaceName;
}

describe.skipIf(!can.ok)('the netns lab driven by a user from the CLI (real FRR)', () => {
  let parent = '';
  let dir = '';
  let env: NodeJS.ProcessEnv = {};
  let workloads: WorkloadInfo[] = [];
  const registryFile = () => path.join(dir, 'registry.sqlite');
  const acme1 = () => workloads.find((w) => w.name === 'acme-1')!;
  /** Workload name → host, as the lab's registry has it. */
  const registered = (): Record<string, string> => {
    const registry = openRegistry({ path: registryFile() });
    try {
      return Object.fromEntries(registry.workloads().map((w) => [w.name, `${w.host} ${w.state}`]));
    } finally {
      registry.close();
    }
  };
  const planId = (stdout: string): string => {
    const id = /Apply with: routedeck apply (\S+) --lab-netns/.exec(stdout)?.[1];
    if (!id) throw new Error(`no plan id in:\n${stdout}`);
    return id;
  };

  beforeAll(async () => {
    releaseLock = await acquireNetnsLock();
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-labcli-'));
    dir = path.join(parent, 'netns');
    env = { ROUTEDECK_LAB_DIR: parent };
  }, 900_000);

  afterAll(async () => {
    await netnsDown({ dir });
    await rm(parent, { recursive: true, force: true });
    releaseLock?.();
  }, 180_000);

  it('`lab netns up` names every workload as workloads.json does and gives it a leg on every hypervisor', async () => {
    const up = await cli(['lab', 'netns', 'up'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^lab up: 5 devices, 6 workloads$/m);
    expect(up.stdout).toContain(
      'workloads:   acme-1 on hv1, acme-2 on hv2, acme-3 on hv3, globex-1 on hv2, globex-2 on hv3, globex-3 on hv1\n',
    );
    expect(up.stdout).toContain('migrate:     routedeck plan migrate acme-1 --to hv2 --lab-netns\n');
    workloads = JSON.parse(await readFile(path.join(dir, 'workloads.json'), 'utf8')) as WorkloadInfo[];
    expect(workloads.map((w) => `${w.name} ${w.namespace} ${w.tap}`)).toContain(
      'acme-1 rd-acme-1 tap-acme-1',
    );
    for (const w of workloads) {
      const legs = await hypervisorLegs(w.name);
      expect(legs, w.name).toEqual(
        ['hv1', 'hv2', 'hv3'].map((hv) => ({ host: hv, tap: w.tap, up: hv === w.host })),
      );
    }
    // This run's own hold covers the CLI it drives in-process; it is not turned into a lab hold.
    expect(readLockOwner(netnsLockDir())).toMatchObject({ kind: 'run', pid: process.pid });
  }, 300_000);

  it('`plan migrate acme-1 --to hv2` + `apply --yes` moves it under a 5 ms ping with 0 lost; the routers use hv2', async () => {
    const plan = await cli(['plan', 'migrate', 'acme-1', '--to', 'hv2', '--lab-netns'], env);
    expect(plan.code, plan.stderr).toBe(0);
    // The registry adopted the lab's workloads under workloads.json's names, each on its host.
    expect(registered()).toEqual(Object.fromEntries(workloads.map((w) => [w.name, `${w.host} active`])));

    const ping = startPing(labNamespace('acme-3'), acme1().ipv4, { intervalMs: 5 });
    const apply = await cli(['apply', planId(plan.stdout), '--lab-netns', '--yes'], env);
    const stats = await ping.stop();
    expect(apply.code, apply.stdout + apply.stderr).toBe(0);
    console.log(
      `CLI migration acme-1 hv1 → hv2: ${stats.transmitted} sent, ${stats.lost} lost, largest gap ${stats.maxGapMs.toFixed(1)} ms`,
    );
    expect(stats.received).toBeGreaterThan(0);
    expect(stats.lost).toBe(0);

    for (const router of ['rtr1', 'rtr2'])
      for (const prefix of [`${acme1().ipv4}/32`, acme1().ipv6Prefix])
        expect(await routerVia(router, prefix), `${router} ${prefix}`).toBe('dn-hv2');
    // The compute hook moved the guest itself; the registry follows.
    const route = await runInNamespace(labNamespace('acme-1'), ['ip', 'route', 'show', 'default']);
    expect(route).toContain(`dev ${guestIface('hv2')}`);
    expect(registered()['acme-1']).toBe('hv2 active');
  }, 300_000);

  it('a second `lab netns up` from another process is refused in one sentence while this run holds the lab', async () => {
    const r = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [BIN, 'lab', 'netns', 'up'],
        { env: { ...process.env, ROUTEDECK_LAB_DIR: parent }, timeout: 120_000 },
        (error, _stdout, stderr) =>
          resolve({ code: typeof error?.code === 'number' ? error.code : 0, stderr }),
      ),
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^routedeck: the netns lab is in use by pid ${process.pid} \\(the netns tests\\) since \\d\\d:\\d\\d:\\d\\d UTC; ` +
          `try again when it has finished\\n$`,
      ),
    );
    // Untouched: acme-1 is still where the migration put it, and `up` here keeps the lab.
    const again = await cli(['lab', 'netns', 'up'], env);
    expect(again.stdout).toMatch(/^lab already up: /m);
    expect(again.stdout).toContain('acme-1 on hv2');
  }, 180_000);

  it('a lab left up by the CLI is never torn down by a test run: the test refuses at once', async () => {
    // A private lock directory stands in for the machine's, which this run holds already.
    const lockDir = path.join(parent, 'lock');
    const up = await cli(['lab', 'netns', 'up'], { ...env, ROUTEDECK_NETNS_LOCK: lockDir });
    expect(up.code, up.stderr).toBe(0);
    expect(readLockOwner(lockDir)).toMatchObject({ kind: 'lab', dir });
    const error = await acquireNetnsLock(600_000, 'another test file', { lockDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetnsLockBusyError);
    expect((error as Error).message).toContain(`the netns lab is held by the lab in ${dir}`);
    const status = await cli(['lab', 'netns', 'status'], { ...env, ROUTEDECK_NETNS_LOCK: lockDir });
    expect(status.stdout).toMatch(
      new RegExp(`^lock: the lab in ${dir} that \`routedeck lab netns up\` started`, 'm'),
    );
    await rm(lockDir, { recursive: true });
  }, 180_000);

  it('`up` repairing a damaged lab leaves no registry describing the workloads it rebuilt', async () => {
    expect(registered()['acme-1']).toBe('hv2 active');
    await stopFrrDaemon('hv3', 'bgpd');
    const up = await cli(['lab', 'netns', 'up'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^lab up: /m);
    expect(up.stdout).toContain('acme-1 on hv1');
    expect(existsSync(registryFile())).toBe(false);
    // The next command adopts the rebuilt lab: acme-1 at home on hv1, no plan remembered.
    const plan = await cli(['plan', 'migrate', 'acme-1', '--to', 'hv3', '--lab-netns'], env);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('from hv1 to hv3');
    expect(registered()['acme-1']).toBe('hv1 active');
  }, 300_000);

  it('`down` + `up` gives a fresh registry, as the README says', async () => {
    const before = await cli(['plan', 'list', '--lab-netns'], env);
    expect(before.stdout).toMatch(/\bmigrate +acme-1\b.*\bplanned\b/);
    const down = await cli(['lab', 'netns', 'down'], env);
    expect(down.code, down.stderr).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const up = await cli(['lab', 'netns', 'up'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/^lab up: /m);
    const after = await cli(['plan', 'list', '--lab-netns'], env);
    expect(after.stdout).toContain('(no plans)');
  }, 300_000);
});
