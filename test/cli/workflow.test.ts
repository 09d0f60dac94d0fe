/**
 * `routedeck plan|apply|audit` on a running embedded lab, as an engineer would use them: a plan
 * file, confirmation, the timeline, refusals that send nothing, and a console killed mid-apply
 * whose plan the next start offers to resume or roll back.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { Plan } from '../../src/model/plan.ts';
import { openRegistry } from '../../src/registry/index.ts';
import { planFromJson, planToJson } from '../../src/workflows/plan/json.ts';
import { applyAndKill, cli } from '../helpers/cli.ts';

let parent = '';
let lab: SimLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-wf-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 20, jitterMs: 5 } });
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);

/** Which host each router uses for a prefix, per `routedeck get workloads --json`. */
async function routersVia(prefix: string, vrf: string): Promise<string[]> {
  const out = await run(['get', 'workloads', '--json']);
  const rows = (
    JSON.parse(out.stdout) as {
      workloads: {
        vrf: string;
        prefix: string;
        seenBy: { router: string; selected: boolean; nexthops: { viaHost?: string }[] }[];
      }[];
    }
  ).workloads;
  const row = rows.find((r) => r.vrf === vrf && r.prefix === prefix);
  return (row?.seenBy ?? [])
    .filter((s) => s.selected)
    .map((s) => `${s.router}:${s.nexthops[0]?.viaHost ?? '?'}`)
    .sort();
}

async function announcers(prefix: string, vrf: string): Promise<string[]> {
  const out = await run(['get', 'workloads', '--json']);
  const rows = (
    JSON.parse(out.stdout) as { workloads: { vrf: string; prefix: string; announcers: { host: string }[] }[] }
  ).workloads;
  return (rows.find((r) => r.vrf === vrf && r.prefix === prefix)?.announcers ?? []).map((a) => a.host);
}

function registryWorkload(name: string) {
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    return reg.workload(name);
  } finally {
    reg.close();
  }
}

describe('routedeck plan / apply / audit on the embedded lab', () => {
  let planFile = '';
  let v4 = '';

  it('plan create prints the exact commands and writes a plan file; nothing is sent', async () => {
    planFile = path.join(parent, 'create.json');
    const out = await run(['plan', 'create', 'cli1', '--tenant', 'acme', '--host', 'hv1', '-o', planFile]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    v4 = /Create cli1 .* on hv1: ([\d.]+)\/32/.exec(out.stdout)?.[1] ?? '';
    expect(v4).not.toBe('');
    expect(out.stdout).toContain(`ip route add ${v4}/32 dev tap-cli1`);
    expect(out.stdout).toContain('Guest network-config (cloud-init)');
    expect(out.stdout).toContain(`Apply with: routedeck apply ${planFile} --lab`);
    expect(JSON.parse(await readFile(planFile, 'utf8')).plan.workload).toBe('cli1');
    expect(await routersVia(`${v4}/32`, 'default')).toEqual([]);
    expect(registryWorkload('cli1')?.state).toBe('planned');
  }, 180_000);

  it('apply without a terminal and without --yes refuses; a modified plan file is refused; nothing sent', async () => {
    const noYes = await run(['apply', planFile]);
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toMatch(/pass --yes/);
    const tampered = path.join(parent, 'tampered.json');
    await writeFile(tampered, (await readFile(planFile, 'utf8')).replace('tap-cli1', 'tap-evil'));
    const bad = await run(['apply', tampered, '--yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/modified after it was planned/);
    expect(bad.stderr).toMatch(/Nothing was sent/);
    expect(await routersVia(`${v4}/32`, 'default')).toEqual([]);
  }, 180_000);

  it('apply --yes runs the plan with a timeline and the routers converge on the host', async () => {
    const out = await run(['apply', planFile, '--yes']);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toMatch(/step announce ok/);
    expect(out.stdout).toMatch(/spine1: [\d.]+\/32 ✓/);
    expect(out.stdout).toMatch(/spine2: [\d.]+\/32 ✓/);
    expect(out.stdout).toMatch(/Result: applied\. Workload is now active/);
    expect(await routersVia(`${v4}/32`, 'default')).toEqual(['spine1:hv1', 'spine2:hv1']);
    // The same plan cannot be applied twice.
    const again = await run(['apply', planFile, '--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is applied; only a planned plan can be applied/);
    // Refused first: no preview of a plan that will not run.
    expect(again.stdout).toBe('');
  }, 180_000);

  it('bad input is refused with a clear message and exit 2', async () => {
    const cases: [string[], RegExp][] = [
      [['plan', 'create', 'web;reboot', '--tenant', 'acme', '--host', 'hv1'], /must be a DNS label/],
      [['plan', 'create', 'cli2', '--tenant', 'nosuch', '--host', 'hv1'], /unknown tenant "nosuch"/],
      [['plan', 'create', 'cli2', '--tenant', 'acme', '--host', 'hv9'], /"hv9" is not a hypervisor/],
      [['plan', 'migrate', 'cli1', '--to', 'hv1'], /already on hv1/],
      [['plan', 'create', 'cli2', '--tenant', 'acme'], /needs --tenant and --host/],
    ];
    for (const [args, message] of cases) {
      const out = await run(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr, args.join(' ')).toMatch(message);
    }
    expect(registryWorkload('cli2')).toBeUndefined();
  }, 180_000);

  it('console killed mid-migrate: the next start offers resume, and resume finishes the move', async () => {
    const planned = await run(['plan', 'migrate', 'cli1', '--to', 'hv2']);
    const planId = /Plan (\S+) — migrate/.exec(planned.stdout)?.[1] ?? '';
    expect(planId).not.toBe('');
    await applyAndKill(planId, env, /step target-guard ok/);
    expect(registryWorkload('cli1')?.state).toBe('migrating');

    const resumed = await run(['apply', '--resume', planId, '--yes']);
    expect(resumed.stderr).toContain(`plan ${planId}`);
    expect(resumed.stderr).toMatch(/was interrupted after \d of \d step\(s\)/);
    expect(resumed.stderr).toContain(`routedeck apply --rollback ${planId}`);
    expect(resumed.code, resumed.stdout).toBe(0);
    expect(resumed.stdout).toMatch(/Result: applied/);
    expect(registryWorkload('cli1')).toMatchObject({ host: 'hv2', state: 'active' });
    expect(await routersVia(`${v4}/32`, 'default')).toEqual(['spine1:hv2', 'spine2:hv2']);
    expect(await announcers(`${v4}/32`, 'default')).toEqual(['hv2']);
  }, 300_000);

  it('console killed mid-migrate again: rollback puts everything back on the source', async () => {
    const planned = await run(['plan', 'migrate', 'cli1', '--to', 'hv3']);
    const planId = /Plan (\S+) — migrate/.exec(planned.stdout)?.[1] ?? '';
    await applyAndKill(planId, env, /step target-announce-preferred ok/);

    const rolled = await run(['apply', '--rollback', planId, '--yes']);
    expect(rolled.stderr).toMatch(/was interrupted/);
    expect(rolled.code, rolled.stdout).toBe(0);
    expect(rolled.stdout).toMatch(/Result: rolled-back/);
    expect(registryWorkload('cli1')).toMatchObject({ host: 'hv2', state: 'active' });
    // The target's routes are gone again: the routers use the source only.
    expect(await routersVia(`${v4}/32`, 'default')).toEqual(['spine1:hv2', 'spine2:hv2']);
    expect(await announcers(`${v4}/32`, 'default')).toEqual(['hv2']);
    // Nothing left to offer.
    const again = await run(['apply', '--resume', planId, '--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/is rolled-back, not interrupted/);
  }, 300_000);

  it('plan list shows every plan with its status; a planned one can be discarded', async () => {
    const planned = await run(['plan', 'decommission', 'cli1']);
    const planId = /Plan (\S+) — decommission/.exec(planned.stdout)?.[1] ?? '';
    const list = await run(['plan', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${planId} +decommission +cli1 +alice +planned`));
    expect(list.stdout).toMatch(/ migrate +cli1 +alice +rolled-back/);
    expect((await run(['plan', 'discard', planId])).code).toBe(0);
    expect((await run(['plan', 'list'])).stdout).toMatch(
      new RegExp(`${planId} +decommission +cli1 +alice +discarded`),
    );
  }, 180_000);

  it('audit lists each plan with its diff lines and outcomes', async () => {
    const out = await run(['audit', '--limit', '500']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^TIME\s+OPERATOR\s+PLAN/);
    expect(out.stdout).toContain(`+ route ${v4}/32 dev tap-cli1 metric 0`);
    for (const outcome of ['planned', 'applied', 'resume', 'interrupted', 'rolled-back'])
      expect(out.stdout).toContain(outcome);
    const json = JSON.parse((await run(['audit', '--json', '--limit', '500'])).stdout) as {
      operator: string;
    }[];
    expect(new Set(json.map((e) => e.operator))).toEqual(new Set(['alice']));
  }, 180_000);
});

/** Every command the lab's hypervisors receive while fn runs (reads included). */
async function commandsDuring(fn: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const restore = lab.fabric
    .devices()
    .filter((d) => d.role === 'hypervisor')
    .map((d) => {
      const exec = d.exec.bind(d);
      d.exec = (command: string) => (seen.push(command), exec(command));
      return () => void (d.exec = exec);
    });
  try {
    await fn();
  } finally {
    for (const r of restore) r();
  }
  return seen;
}
const CHANGES = /route (add|del|replace)|element|tuntap|link set|addr (add|del)/;

function registrySnapshot() {
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    return { audit: reg.audit().length, workloads: reg.workloads(), plans: reg.plans() };
  } finally {
    reg.close();
  }
}

/** A lab workload on `host` as the registry names it (adopted from the fabric by the first session). */
async function adopted(host: string, skip: string[] = []) {
  await run(['get', 'guard', '--json']);
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    const lab4 = new Set(lab.fabric.workloads().map((x) => x.ipv4));
    const w = reg
      .workloads()
      .find((x) => x.host === host && x.state === 'active' && lab4.has(x.ipv4) && !skip.includes(x.name));
    if (!w) throw new Error(`no adopted lab workload on ${host}`);
    return w;
  } finally {
    reg.close();
  }
}

describe('issue 13: plans whose preconditions no longer hold, edited plan files, damaged registries', () => {
  it('a migrate planned before another plan moved the workload is refused before anything is sent', async () => {
    const w = await adopted('hv3');
    const planA = await run(['plan', 'migrate', w.name, '--to', 'hv2']);
    const idA = /Plan (\S+) — migrate/.exec(planA.stdout)?.[1] ?? '';
    const planB = await run(['plan', 'migrate', w.name, '--to', 'hv1']);
    const idB = /Plan (\S+) — migrate/.exec(planB.stdout)?.[1] ?? '';
    const applied = await run(['apply', idB, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(registryWorkload(w.name)).toMatchObject({ host: 'hv1', state: 'active' });

    const before = registrySnapshot();
    const routers = await routersVia(`${w.ipv4}/32`, w.vrf);
    let out = { code: 0, stdout: '', stderr: '' };
    const sent = await commandsDuring(async () => {
      out = await run(['apply', idA, '--yes']);
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      `routedeck: plan ${idA} was planned against hv3, but ${w.name} is now on hv1: ` +
        `plan again (routedeck plan migrate ${w.name} --to hv2); nothing was sent\nNothing was sent.\n`,
    );
    expect(sent.length).toBeGreaterThan(0); // the apply polled the hosts…
    expect(sent.filter((c) => CHANGES.test(c))).toEqual([]); // …and changed nothing
    expect(registrySnapshot()).toEqual(before);
    expect(await routersVia(`${w.ipv4}/32`, w.vrf)).toEqual(routers);
    expect(await announcers(`${w.ipv4}/32`, w.vrf)).toEqual(['hv1']);
  }, 180_000);

  it('a plan file edited and re-hashed is refused: the registry holds the original under that id', async () => {
    const w = await adopted('hv4');
    const file = path.join(parent, 'decommission.json');
    const planned = await run(['plan', 'decommission', w.name, '-o', file]);
    expect(planned.code, planned.stderr).toBe(0);
    const original = planFromJson(await readFile(file, 'utf8'));
    // Someone retargets the withdrawal at another workload and recomputes the digest.
    const victim = await adopted('hv4', [w.name]);
    const edited = JSON.parse(JSON.stringify(original).replaceAll(w.ipv4, victim.ipv4)) as Plan;
    await writeFile(file, planToJson(edited));

    const before = registrySnapshot();
    let out = { code: 0, stdout: '', stderr: '' };
    const sent = await commandsDuring(async () => {
      out = await run(['apply', file, '--yes']);
    });
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      new RegExp(`plan file for ${original.id} differs from the registry's copy of that plan`),
    );
    expect(out.stdout).not.toContain(victim.ipv4); // refused before the preview
    expect(sent.filter((c) => CHANGES.test(c))).toEqual([]);
    expect(registrySnapshot()).toEqual(before);
    expect(await announcers(`${victim.ipv4}/32`, victim.vrf)).toEqual(['hv4']);
    expect((await run(['plan', 'discard', original.id])).code).toBe(0);
  }, 180_000);

  it('an existing registry that is empty is refused in one sentence, exit 2, and left as it is', async () => {
    const empty = path.join(parent, 'empty.sqlite');
    await writeFile(empty, '');
    for (const args of [
      ['audit', '--registry', empty],
      ['plan', 'create', 'cli9', '--tenant', 'acme', '--host', 'hv1', '--registry', empty],
    ]) {
      const out = await run(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr).toBe(
        `routedeck: registry ${empty} exists but is empty (0 bytes); routedeck never re-creates or ` +
          'repairs an existing registry: restore it from a backup, or move it aside to start an empty one\n',
      );
      expect((await readFile(empty)).length).toBe(0);
    }
  }, 180_000);
});
