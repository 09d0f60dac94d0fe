/**
 * `routedeck plan reconcile` on a running embedded lab: a migrate whose applying process was
 * SIGKILLed after the source withdrew is finished forward by a reconcile plan applied like any
 * other; a consistent workload has nothing to reconcile; bad input is one sentence, exit 2.
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
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-rc-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 20, jitterMs: 5 } });
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);

function registry<T>(read: (reg: ReturnType<typeof openRegistry>) => T): T {
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    return read(reg);
  } finally {
    reg.close();
  }
}

async function announcers(prefix: string, vrf: string): Promise<string[]> {
  const out = await run(['get', 'workloads', '--json']);
  const rows = (
    JSON.parse(out.stdout) as { workloads: { vrf: string; prefix: string; announcers: { host: string }[] }[] }
  ).workloads;
  return (rows.find((r) => r.vrf === vrf && r.prefix === prefix)?.announcers ?? []).map((a) => a.host).sort();
}

describe('routedeck plan reconcile', () => {
  let v4 = '';

  it('a consistent workload: nothing to reconcile, exit 0, nothing planned', async () => {
    const planned = await run(['plan', 'create', 'rcli', '--tenant', 'acme', '--host', 'hv1']);
    const id = /Plan (\S+) — create/.exec(planned.stdout)?.[1] ?? '';
    expect((await run(['apply', id, '--yes'])).code).toBe(0);
    v4 = registry((r) => r.workload('rcli')!.ipv4);
    const plans = registry((r) => r.plans().length);
    const out = await run(['plan', 'reconcile', 'rcli']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^nothing to reconcile: rcli is active on hv1/);
    expect(registry((r) => r.plans().length)).toBe(plans);
  }, 180_000);

  it('a migrate killed after the source withdrew: reconcile finishes it forward', async () => {
    const planned = await run(['plan', 'migrate', 'rcli', '--to', 'hv2']);
    const migrateId = /Plan (\S+) — migrate/.exec(planned.stdout)?.[1] ?? '';
    await applyAndKill(migrateId, env, /step source-cleanup ok/);
    expect(registry((r) => r.workload('rcli'))).toMatchObject({ host: 'hv1', state: 'migrating' });

    const out = await run(['plan', 'reconcile', 'rcli']);
    expect(out.code, out.stderr).toBe(0);
    const id = /Plan (\S+) — reconcile rcli/.exec(out.stdout)?.[1] ?? '';
    expect(id).not.toBe('');
    expect(out.stdout).toMatch(/hv1 had withdrawn already; finish the migration forward to hv2/);
    // The exact commands depend on how far the killed process got into its last step; shown as sent.
    expect(out.stdout).toContain('then the registry records rcli active on hv2');
    expect(out.stdout).toContain(`Apply with: routedeck apply ${id} --lab`);

    const applied = await run(['apply', id, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/Result: applied/);
    expect(registry((r) => r.workload('rcli'))).toMatchObject({ host: 'hv2', state: 'active' });
    // The killed migrate is settled: no longer offered for resume.
    expect(registry((r) => r.plan(migrateId)?.status)).toBe('failed');
    expect(await announcers(`${v4}/32`, 'default')).toEqual(['hv2']);
    const again = await run(['plan', 'reconcile', 'rcli']);
    expect(again.stdout).toMatch(/^nothing to reconcile/);
    expect(again.stderr).not.toMatch(/was interrupted/);
    const all = await run(['plan', 'reconcile', '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe('nothing to reconcile: every workload agrees with the fabric\n');
  }, 300_000);

  it('bad input: one sentence, exit 2, nothing planned', async () => {
    const plans = registry((r) => r.plans().length);
    const cases: [string[], RegExp][] = [
      [
        ['plan', 'reconcile', 'ghost'],
        /^routedeck: no workload "ghost" in the registry\nNothing was sent\.\n$/,
      ],
      [['plan', 'reconcile'], /plan reconcile needs: plan reconcile NAME/],
      [['plan', 'reconcile', 'rcli', '--all'], /workload names or --all, not both/],
      [['plan', 'reconcile', '--all', '--keep', 'hv1'], /--keep HOST chooses the holder of one workload/],
      [['plan', 'reconcile', 'rcli', '--keep', 'hv9'], /"hv9" is not a hypervisor/],
      [['plan', 'reconcile', 'rcli', '--bogus'], /Unknown option '--bogus'/],
    ];
    for (const [args, message] of cases) {
      const out = await run(args);
      expect(out.code, args.join(' ')).toBe(2);
      expect(out.stderr, args.join(' ')).toMatch(message);
    }
    expect(registry((r) => r.plans().length)).toBe(plans);
  }, 180_000);
});
