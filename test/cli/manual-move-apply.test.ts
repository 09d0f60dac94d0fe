/**
 * A migrate without a compute hook, from the CLI with a terminal to ask on (issue 18): apply stops
 * before the source withdraws and asks "VM moved, continue?" — the routers still use the source
 * then; `apply --resume` of a plan a killed console left there asks again; and once the engineer
 * said the VM moved, a failure after it is not rolled back (that would strand the VM) but said, with
 * the next command.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { openRegistry } from '../../src/registry/index.ts';
import { applyAndKill, cli } from '../helpers/cli.ts';

let parent = '';
let lab: SimLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-move-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 5, jitterMs: 2 } });
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const args = (a: string[]) => [...a, '--lab', '--operator', 'alice'];
const run = (a: string[]) => cli(args(a), env);
type Answer = (question: string, soFar: string) => Promise<boolean>;
const ask = (a: string[], answer: Answer) => cli(args(a), env, answer);

function registry<T>(read: (r: ReturnType<typeof openRegistry>) => T): T {
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    return read(reg);
  } finally {
    reg.close();
  }
}

/** Hosts the routers use for a prefix (selected entries' first next hop), per `get workloads --json`. */
async function routersVia(prefix: string): Promise<string[]> {
  const out = await run(['get', 'workloads', '--json']);
  const rows = (
    JSON.parse(out.stdout) as {
      workloads: {
        prefix: string;
        seenBy: { router: string; selected: boolean; nexthops: { viaHost?: string }[] }[];
      }[];
    }
  ).workloads;
  return (rows.find((r) => r.prefix === prefix)?.seenBy ?? [])
    .filter((s) => s.selected)
    .map((s) => `${s.router}:${s.nexthops[0]?.viaHost ?? '?'}`)
    .sort();
}

async function create(name: string, host: string): Promise<string> {
  const planned = await run(['plan', 'create', name, '--tenant', 'acme', '--host', host]);
  expect(planned.code, planned.stderr).toBe(0);
  const v4 = /: ([\d.]+)\/32/.exec(planned.stdout)?.[1] ?? '';
  const id = /Plan (\S+) — create/.exec(planned.stdout)?.[1] ?? '';
  const applied = await run(['apply', id, '--yes']);
  expect(applied.code, applied.stdout + applied.stderr).toBe(0);
  return v4;
}

async function planMove(name: string, to: string): Promise<string> {
  const planned = await run(['plan', 'migrate', name, '--to', to]);
  expect(planned.code, planned.stderr).toBe(0);
  expect(planned.stdout).toMatch(/compute: none configured — move the VM yourself between steps \d+ and \d+/);
  return /Plan (\S+) — migrate/.exec(planned.stdout)?.[1] ?? '';
}

describe('apply of a migrate with no compute hook, on a terminal', () => {
  it('asks "VM moved, continue?" before the source withdraws, with the routers still on the source; yes finishes the move', async () => {
    const v4 = await create('mv1', 'hv1');
    const id = await planMove('mv1', 'hv2');
    const questions: string[] = [];
    let atPause: string[] = [];
    let shownAtPause = '';
    const out = await ask(['apply', id], async (question, soFar) => {
      questions.push(question);
      if (/VM moved/.test(question)) {
        shownAtPause = soFar;
        atPause = await routersVia(`${v4}/32`);
      }
      return true;
    });
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(questions).toEqual([`Apply plan ${id} to the network? [y/N] `, 'VM moved, continue? [y/N] ']);
    expect(shownAtPause).toMatch(/move the VM yourself between steps \d+ and \d+: move mv1 now\./);
    // Paused before the withdraw: the source still announces (make-before-break: the target's
    // preferred announce is in too, so the routers may already use either; never nothing).
    expect(shownAtPause).toMatch(/step target-announce-preferred ok/);
    expect(shownAtPause).not.toMatch(/step source-withdraw (ok|failed)/);
    expect(atPause).toHaveLength(2);
    expect(out.stdout).toMatch(/Result: applied/);
    expect(await routersVia(`${v4}/32`)).toEqual(['spine1:hv2', 'spine2:hv2']);
    // The moment is on record: who said the VM moved, before which step.
    const moved = registry((r) => r.audit({ planId: id })).filter((e) => e.kind === 'moved');
    expect(moved.map((e) => e.message)).toEqual(['source-withdraw: alice confirmed mv1 moved by hand']);
  }, 180_000);

  it('no at "VM moved?" stops there and rolls back: the workload stays on the source, exit 1', async () => {
    const v4 = await create('mv2', 'hv1');
    const id = await planMove('mv2', 'hv3');
    const out = await ask(['apply', id], async (question) => !/VM moved/.test(question));
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/stopped before source-withdraw: the VM was not moved/);
    expect(out.stdout).toMatch(/Result: rolled-back/);
    expect(registry((r) => r.workload('mv2'))).toMatchObject({ host: 'hv1', state: 'active' });
    expect(await routersVia(`${v4}/32`)).toEqual(['spine1:hv1', 'spine2:hv1']);
  }, 180_000);

  it('apply --resume of a plan a killed console left before the move asks again', async () => {
    const v4 = await create('mv3', 'hv1');
    const id = await planMove('mv3', 'hv2');
    // --yes does not pause. The source answers nothing from the step before the move on, so the
    // kill lands while the withdraw is under way, whatever the machine's speed.
    await applyAndKill(id, env, /step target-announce-preferred ok/, {
      onOutput: (out) => {
        if (/step target-guard ok/.test(out)) lab.faults.setSlow('hv1', 600_000);
      },
    });
    lab.faults.clear('hv1');
    const questions: string[] = [];
    const out = await ask(['apply', '--resume', id], async (question) => (questions.push(question), true));
    expect(questions).toEqual([`Resume plan ${id} to the network? [y/N] `, 'VM moved, continue? [y/N] ']);
    expect(out.code, out.stdout + out.stderr).toBe(0);
    expect(out.stdout).toMatch(/Result: applied/);
    expect(await routersVia(`${v4}/32`)).toEqual(['spine1:hv2', 'spine2:hv2']);
  }, 240_000);

  it('after "VM moved", a failed withdraw is not rolled back (that would strand the VM): said, with the next command', async () => {
    const v4 = await create('mv4', 'hv1');
    const id = await planMove('mv4', 'hv3');
    const out = await ask(['apply', id], async (question) => {
      // The source host becomes unreachable just as the engineer says the VM moved.
      if (/VM moved/.test(question)) lab.faults.dropSsh('hv1', 120_000);
      return true;
    });
    lab.faults.clear('hv1');
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/step source-withdraw failed/);
    expect(out.stdout).toMatch(
      /not rolled back: alice confirmed mv4 moved by hand \(before source-withdraw\)/,
    );
    expect(out.stdout).toMatch(/routedeck plan reconcile mv4/);
    // The target keeps announcing: the routers can reach the VM where it now is.
    expect(
      registry((r) => r.audit({ planId: id })).some((e) => e.kind === 'rollback' && e.outcome === 'ok'),
    ).toBe(false);
    expect((await routersVia(`${v4}/32`)).every((r) => r.endsWith(':hv3'))).toBe(true);
  }, 240_000);
});
