/**
 * The whole plan → apply path on the embedded lab with the team's registry on PostgreSQL, and plan
 * files bound to the registry they were planned in: the same file against another registry is
 * refused before anything is sent.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { LEASE_TTL_MS, openRegistry } from '../../src/registry/index.ts';
import { applyAndKill, cli } from '../helpers/cli.ts';
import { useBackends } from '../registry/backends.ts';

const pgBackend = useBackends().find((b) => b.name === 'postgres')!;

describe.skipIf(pgBackend.skip)('a team registry on PostgreSQL, on the embedded lab', () => {
  let parent = '';
  let lab: SimLab;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    parent = await mkdtemp(path.join(tmpdir(), 'routedeck-team-cli-'));
    lab = await startSimLab({
      dir: path.join(parent, 'sim'),
      fabricOptions: { hopDelayMs: 20, jitterMs: 5 },
    });
    env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
    if (parent) await rm(parent, { recursive: true, force: true });
  });

  it('plan and apply through PostgreSQL; the plan file is refused against another registry', async () => {
    const url = await pgBackend.location();
    const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);
    const planFile = path.join(parent, 'team.json');
    const planned = await run([
      'plan',
      'create',
      'team1',
      '--tenant',
      'acme',
      '--host',
      'hv1',
      '--registry',
      url,
      '-o',
      planFile,
    ]);
    expect(planned.stderr).toBe('');
    expect(planned.code).toBe(0);
    const file = JSON.parse(await readFile(planFile, 'utf8')) as { registry?: string; plan: { id: string } };
    const team = openRegistry({ path: url });
    try {
      expect(file.registry).toBe(team.registryId());
      expect(team.workload('team1')?.state).toBe('planned');
    } finally {
      team.close();
    }

    const elsewhere = path.join(parent, 'laptop.sqlite');
    const refused = await run(['apply', planFile, '--yes', '--registry', elsewhere]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(
      `plan file ${planFile} was planned against another registry (id ${file.registry})`,
    );
    expect(refused.stderr).toMatch(/Nothing was sent/);
    const laptop = openRegistry({ path: elsewhere });
    try {
      expect(laptop.plans()).toEqual([]); // not adopted either
    } finally {
      laptop.close();
    }

    const applied = await run(['apply', planFile, '--yes', '--registry', url]);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    const after = openRegistry({ path: url });
    try {
      expect(after.workload('team1')?.state).toBe('active');
      expect(after.plan(file.plan.id)?.status).toBe('applied');
      expect(after.leases()).toEqual([]);
      expect(after.audit({ planId: file.plan.id }).at(-1)?.outcome).toBe('applied');
    } finally {
      after.close();
    }
  }, 180_000);
  it('a console killed mid-migrate on PostgreSQL: apply --resume finishes it; killed again, apply --rollback puts it back', async () => {
    const url = await pgBackend.location();
    const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice', '--registry', url], env);
    const created = await run(['plan', 'create', 'team2', '--tenant', 'acme', '--host', 'hv1']);
    const createId = /Plan (\S+) — create/.exec(created.stdout)?.[1] ?? '';
    expect((await run(['apply', createId, '--yes'])).code).toBe(0);
    const team = () => openRegistry({ path: url });
    const read = <T>(f: (r: ReturnType<typeof openRegistry>) => T): T => {
      const r = team();
      try {
        return f(r);
      } finally {
        r.close();
      }
    };

    /** Waits until the killed console's lease has gone a TTL without a heartbeat. */
    const leaseLapsed = async (planId: string) => {
      const lease = read((r) => r.leases({ planId })[0]);
      const last = lease?.heartbeatAt?.getTime() ?? Date.now();
      await new Promise((resolve) =>
        setTimeout(resolve, Math.max(0, last + LEASE_TTL_MS + 1000 - Date.now())),
      );
    };

    const planned = await run(['plan', 'migrate', 'team2', '--to', 'hv2']);
    const moveId = /Plan (\S+) — migrate/.exec(planned.stdout)?.[1] ?? '';
    expect(moveId).not.toBe('');
    await applyAndKill(moveId, env, /step target-guard ok/, { extraArgs: ['--registry', url] });
    // The killed console's lease is in the team registry: the next console sees an interrupted plan.
    expect(read((r) => r.workload('team2')?.state)).toBe('migrating');
    expect(read((r) => r.leases().map((l) => l.planId))).toEqual([moveId]);
    // A shared registry cannot probe a console's pid (it may be on another machine): until the lease
    // lapses the plan is still being applied, and the refusal says by whom and when to retry.
    // Here the killed console's heartbeat is kept going, as a live console elsewhere would.
    const raw = await pgBackend.cluster().client(url);
    const beat = () =>
      raw.query('UPDATE leases SET heartbeat_at = $1 WHERE plan_id = $2', [Date.now(), moveId]);
    await beat();
    const beating = setInterval(() => void beat(), LEASE_TTL_MS / 6);
    const early = await run(['apply', '--resume', moveId, '--yes']).finally(async () => {
      clearInterval(beating);
      await raw.end();
    });
    expect(early.code).toBe(2);
    expect(early.stderr).toMatch(
      new RegExp(
        `plan ${moveId} is being applied by alice's console \\(pid \\d+ on .+\\), last heard from \\d+ s ago; ` +
          `if that console is gone, its lease lapses in \\d+ s — then run \`routedeck apply --resume ${moveId}\` again`,
      ),
    );
    expect(early.stderr).toMatch(/Nothing was sent/);
    await leaseLapsed(moveId);
    const resumed = await run(['apply', '--resume', moveId, '--yes']);
    expect(resumed.stderr).toMatch(/was interrupted after \d of \d step\(s\)/);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/Result: applied/);
    expect(read((r) => r.workload('team2'))).toMatchObject({ host: 'hv2', state: 'active' });
    expect(read((r) => r.leases())).toEqual([]);

    const back = await run(['plan', 'migrate', 'team2', '--to', 'hv3']);
    const backId = /Plan (\S+) — migrate/.exec(back.stdout)?.[1] ?? '';
    await applyAndKill(backId, env, /step target-guard ok/, { extraArgs: ['--registry', url] });
    await leaseLapsed(backId);
    const rolled = await run(['apply', '--rollback', backId, '--yes']);
    expect(rolled.code, rolled.stdout + rolled.stderr).toBe(0);
    expect(rolled.stdout).toMatch(/Result: rolled-back/);
    expect(read((r) => r.workload('team2'))).toMatchObject({ host: 'hv2', state: 'active' });
    expect(read((r) => r.plan(backId)?.status)).toBe('rolled-back');
    expect(read((r) => r.leases())).toEqual([]);
    // Both are in the team's audit, in order, each with who did it.
    const outcomes = read((r) =>
      r
        .audit()
        .filter((e) => e.kind === 'plan')
        .map((e) => `${e.planId} ${e.outcome}`),
    );
    expect(outcomes).toEqual(
      expect.arrayContaining([
        `${moveId} resume`,
        `${moveId} applied`,
        `${backId} rollback`,
        `${backId} rolled-back`,
      ]),
    );
  }, 300_000);
});
