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
import { openRegistry } from '../../src/registry/index.ts';
import { cli } from '../helpers/cli.ts';
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
});
