/**
 * `routedeck get guard` / `plan guard-repair` / `apply` on a running embedded lab: drift injected
 * behind routedeck's back (the lab's control socket) is shown, planned, repaired, and gone after.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendControl, startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { GuardReport } from '../../src/workflows/service/index.ts';
import { cli } from '../helpers/cli.ts';

let parent = '';
let lab: SimLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-guard-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 5, jitterMs: 1 } });
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);
const reports = async (device?: string): Promise<GuardReport[]> => {
  const out = await run(['get', 'guard', '--json', ...(device ? ['--device', device] : [])]);
  expect(out.stderr).toBe('');
  return JSON.parse(out.stdout) as GuardReport[];
};

describe('routedeck get guard / plan guard-repair on the embedded lab', () => {
  it('a fresh lab is clean everywhere and nothing is planned', async () => {
    const all = await reports();
    expect(all.map((r) => `${r.device} ${r.state}`)).toEqual([
      'hv1 clean',
      'hv2 clean',
      'hv3 clean',
      'hv4 clean',
    ]);
    const plan = await run(['plan', 'guard-repair']);
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/no anti-spoofing drift on any hypervisor; nothing to plan/);
  });

  it('shows drift injected by hand and a spoofing TAP, repairs it, and is clean after', async () => {
    const w = lab.fabric.workloads().find((x) => x.host === 'hv2')!;
    const other = lab.fabric.workloads().find((x) => x.host === 'hv2' && x.name !== w.name)!;
    const drift = (op: 'add' | 'delete', tap: string, cidr: string) =>
      sendControl(lab.controlSocket, { cmd: 'guard-drift', device: 'hv2', op, set: 'allow4', tap, cidr });
    expect(await drift('delete', w.tap, `${w.ipv4}/32`)).toEqual({ ok: true });
    expect(await drift('add', 'tap-ghost', '192.0.2.9/32')).toEqual({ ok: true });
    expect(
      await sendControl(lab.controlSocket, { cmd: 'spoof', device: 'hv2', tap: other.tap, packets: 7 }),
    ).toEqual({
      ok: true,
    });
    // A bad control command is refused and changes nothing.
    const bad = await sendControl(lab.controlSocket, { cmd: 'spoof', device: 'hv2', tap: 'tap-nope' });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/no interface/) });

    const text = await run(['get', 'guard', '--device', 'hv2']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/hv2\s+drift \(2\)/);
    expect(text.stdout).toMatch(
      new RegExp(`missing\\s+allow4\\s+${w.tap}\\s+${w.ipv4}/32\\s+\\S+ is active here`),
    );
    expect(text.stdout).toMatch(
      /stale\s+allow4\s+tap-ghost\s+192\.0\.2\.9\/32\s+no workload in the registry has this TAP/,
    );
    expect(text.stdout).toMatch(new RegExp(`hv2\\s+${other.tap}\\s+7\\s+588`));
    const [hv2] = await reports('hv2');
    expect(hv2?.spoofed).toEqual([{ tap: other.tap, packets: 7, bytes: 588 }]);

    const planned = await run(['plan', 'guard-repair', '--device', 'hv2']);
    expect(planned.code).toBe(0);
    expect(planned.stdout).toContain(`nft add element inet vmguard allow4 '{ "${w.tap}" . ${w.ipv4}/32 }'`);
    expect(planned.stdout).toContain(
      `nft delete element inet vmguard allow4 '{ "tap-ghost" . 192.0.2.9/32 }'`,
    );
    const id = /routedeck apply (\S+)/.exec(planned.stdout)?.[1];
    expect(id).toBeTruthy();

    const applied = await run(['apply', id!, '--yes']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect((await reports('hv2'))[0]).toMatchObject({ state: 'clean', drift: [] });
    // Counters are the host's: a repair does not reset them.
    expect((await reports('hv2'))[0]?.spoofed).toEqual([{ tap: other.tap, packets: 7, bytes: 588 }]);
  });

  it('refuses a plan whose drift has changed since, and a bad device, sending nothing', async () => {
    const w = lab.fabric.workloads().find((x) => x.host === 'hv3')!;
    lab.fabric.editGuard('hv3', 'delete', 'allow4', w.tap, `${w.ipv4}/32`);
    const planned = await run(['plan', 'guard-repair', '--device', 'hv3']);
    const id = /routedeck apply (\S+)/.exec(planned.stdout)?.[1];
    // Someone fixes it by hand before the plan is applied.
    lab.fabric.editGuard('hv3', 'add', 'allow4', w.tap, `${w.ipv4}/32`);
    const applied = await run(['apply', id!, '--yes']);
    expect(applied.code).toBe(2);
    expect(applied.stderr).toMatch(
      /vmguard sets changed since plan .* plan again \(routedeck plan guard-repair --device hv3\); nothing was sent/,
    );
    expect((await reports('hv3'))[0]?.state).toBe('clean');
    const bad = await run(['get', 'guard', '--device', 'spine1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"spine1" is not a hypervisor/);
  });

  it('a guard repair planned to a file applies from that file, and says nothing about a workload', async () => {
    const w = lab.fabric.workloads().find((x) => x.host === 'hv4')!;
    lab.fabric.editGuard('hv4', 'delete', 'allow4', w.tap, `${w.ipv4}/32`);
    const file = path.join(parent, 'guard-repair.json');
    const planned = await run(['plan', 'guard-repair', '--device', 'hv4', '-o', file]);
    expect(planned.code, planned.stderr).toBe(0);
    expect(planned.stdout).toContain(`Apply with: routedeck apply ${file} --lab`);
    const applied = await run(['apply', file, '--yes']);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/Result: applied\.\n/);
    expect(applied.stdout).not.toMatch(/Workload is now/);
    expect((await reports('hv4'))[0]).toMatchObject({ state: 'clean', drift: [] });
  });
});
