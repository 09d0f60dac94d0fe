/**
 * Issue 15 item 2 from the CLI: `apply --rollback` of an interrupted migrate whose target stays
 * down retries the undo (each retry a line), gives up at the inventory's `workflows.rollbackRetryMs`
 * and ends `failed` with its reason and the next command; a bad bound is refused with exit 2.
 */
import { appendFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { MAX_FAULT_MS } from '../../src/lab/sim/server/faults.ts';
import { openRegistry } from '../../src/registry/index.ts';
import { applyAndKill, cli } from '../helpers/cli.ts';

let parent = '';
let lab: SimLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-rr-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 20, jitterMs: 5 } });
  // A short bound keeps the test short; the default (90 s) outlasts a 30 s SSH drop.
  await appendFile(lab.inventoryPath, 'workflows:\n  rollbackRetryMs: 500\n');
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);

function registryWorkload(name: string) {
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    return reg.workload(name);
  } finally {
    reg.close();
  }
}

describe('routedeck apply --rollback when the undo cannot reach its device', () => {
  it('retries the undo, then ends failed with the reason and `routedeck plan reconcile W`; later undos are not sent', async () => {
    const created = await run(['plan', 'create', 'rr1', '--tenant', 'acme', '--host', 'hv1']);
    expect(created.code, created.stderr).toBe(0);
    const createId = /Plan (\S+) — create/.exec(created.stdout)?.[1] ?? '';
    const applied = await run(['apply', createId, '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);

    const planned = await run(['plan', 'migrate', 'rr1', '--to', 'hv2']);
    const planId = /Plan (\S+) — migrate/.exec(planned.stdout)?.[1] ?? '';
    expect(planId).not.toBe('');
    // Its start line comes after target-guard is audited done: the interrupted step is known.
    await applyAndKill(planId, env, /step target-announce-preferred on hv2/);
    lab.faults.dropSsh('hv2', MAX_FAULT_MS);
    try {
      const rolled = await run(['apply', '--rollback', planId, '--yes']);
      expect(rolled.code, rolled.stdout).toBe(1);
      const out = rolled.stdout;
      expect(out).toMatch(
        /rollback target-announce-preferred on hv2 retrying \(attempt 2 in \d+ ms\): .*hv2/,
      );
      expect(out).toMatch(
        /rollback target-announce-preferred failed: rollback of target-announce-preferred on hv2: /,
      );
      expect(out).toMatch(/rollback target-guard skipped: not undone: the undo of target-announce-preferred/);
      expect(out).not.toMatch(/rollback target-guard on hv2\n/);
      expect(out).toContain('Result: failed.');
      expect(out).toMatch(
        /\nReason: .*rollback of target-announce-preferred on hv2: .*; not undone after it: target-guard on hv2, target-tap on hv2\n/,
      );
      expect(out).toContain('\nNext: routedeck plan reconcile rr1\n');
      expect(registryWorkload('rr1')?.state).toBe('migrating');
    } finally {
      lab.faults.clear('hv2');
    }
  }, 300_000);

  it('a bad workflows.rollbackRetryMs in the inventory is refused with exit 2; nothing is sent', async () => {
    const text = await readFile(lab.inventoryPath, 'utf8');
    for (const bad of ['-1', '1.5', '3600001', '"90s"']) {
      const file = path.join(parent, 'bad-inventory.yaml');
      await writeFile(file, text.replace('rollbackRetryMs: 500', `rollbackRetryMs: ${bad}`));
      const out = await cli(['plan', 'decommission', 'rr1', '--inventory', file, '--operator', 'alice'], env);
      expect(out.code, bad).toBe(2);
      expect(out.stderr, bad).toMatch(
        /workflows\.rollbackRetryMs: must be a whole number of ms from 0 to 3600000/,
      );
    }
  }, 180_000);
});
