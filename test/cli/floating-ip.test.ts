/**
 * `routedeck plan fip …` on a running embedded lab: the preview is what `apply` sends, the
 * routers follow, `plan fip list` shows the owner, and bad input exits 2 with nothing planned.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { cli } from '../helpers/cli.ts';

let parent = '';
let lab: SimLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-fip-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 20, jitterMs: 5 } });
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);
const planIdOf = (stdout: string) => /Apply with: routedeck apply (\S+)/.exec(stdout)?.[1] ?? '';

async function routersVia(prefix: string): Promise<string[]> {
  const out = await run(['get', 'workloads', '--json']);
  const rows = (
    JSON.parse(out.stdout) as {
      workloads: { prefix: string; seenBy: { selected: boolean; nexthops: { viaHost?: string }[] }[] }[];
    }
  ).workloads;
  const row = rows.find((r) => r.prefix === prefix);
  return [
    ...new Set((row?.seenBy ?? []).filter((s) => s.selected).map((s) => s.nexthops[0]?.viaHost ?? '?')),
  ];
}

describe('routedeck plan fip', () => {
  it('attach → apply → move → apply → list → detach, each preview showing the commands sent', async () => {
    const host = (name: string) => lab.fabric.workloads().find((w) => w.tap === `tap-${name}`)!.host;
    const attach = await run(['plan', 'fip', 'attach', '198.51.100.240', '--to', 'acme-2']);
    expect(attach.code, attach.stderr).toBe(0);
    expect(attach.stdout).toContain(
      `nft add element inet vmguard allow4 '{ "tap-acme-2" . 198.51.100.240/32 }'`,
    );
    expect(attach.stdout).toContain('ip route add 198.51.100.240/32 dev tap-acme-2');
    const applied = await run(['apply', planIdOf(attach.stdout), '--yes']);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect(applied.stdout).toContain('Result: applied.');
    expect(applied.stdout).not.toContain('Workload is now');
    expect(await routersVia('198.51.100.240/32')).toEqual([host('acme-2')]);

    const move = await run(['plan', 'fip', 'move', '198.51.100.240', '--to', 'acme-4']);
    expect(move.code, move.stderr).toBe(0);
    expect(move.stdout).toContain('ip route add 198.51.100.240/32 dev tap-acme-4 metric 512');
    const moved = await run(['apply', planIdOf(move.stdout), '--yes']);
    expect(moved.code, moved.stdout + moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/step target-announce-preferred ok/);
    expect(await routersVia('198.51.100.240/32')).toEqual([host('acme-4')]);

    const list = await run(['plan', 'fip', 'list']);
    expect(list.stdout).toMatch(/198\.51\.100\.240\/32\s+acme\s+default\s+acme-4\s+acme-4/);

    const detach = await run(['plan', 'fip', 'detach', '198.51.100.240']);
    expect((await run(['apply', planIdOf(detach.stdout), '--yes'])).code).toBe(0);
    expect(await routersVia('198.51.100.240/32')).toEqual([]);
    expect((await run(['plan', 'fip', 'list'])).stdout).toContain('(no floating IPs)');
  }, 180_000);

  it('bad input exits 2 and plans nothing', async () => {
    const before = (await run(['plan', 'list'])).stdout;
    const outside = await run(['plan', 'fip', 'attach', '203.0.113.99', '--to', 'acme-2']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/outside tenant acme's IPv4 pools[\s\S]*Nothing was sent/);
    const garbage = await run(['plan', 'fip', 'attach', 'ten.0.0.1', '--to', 'acme-2']);
    expect(garbage.code).toBe(2);
    expect(garbage.stderr).toMatch(/not an IPv4 or IPv6 address/);
    const noTo = await run(['plan', 'fip', 'move', '198.51.100.240']);
    expect(noTo.code).toBe(2);
    expect(noTo.stderr).toMatch(/plan fip move needs --to WORKLOAD/);
    expect((await run(['plan', 'list'])).stdout).toBe(before);
  }, 180_000);
});
