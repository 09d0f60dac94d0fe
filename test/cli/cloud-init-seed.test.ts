/**
 * `routedeck plan create … --cloud-init-dir DIR` on a running embedded lab: the plan's cloud-init
 * artifacts written as a NoCloud seed (and a cidata ISO when an ISO tool is installed); a directory
 * that cannot take a seed is refused before anything is planned, and nothing is written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import { openRegistry } from '../../src/registry/index.ts';
import { planFromJson } from '../../src/workflows/plan/json.ts';
import { cli } from '../helpers/cli.ts';

let parent = '';
let lab: SimLab;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  parent = await mkdtemp(path.join(tmpdir(), 'routedeck-seed-cli-'));
  lab = await startSimLab({ dir: path.join(parent, 'sim'), fabricOptions: { hopDelayMs: 5, jitterMs: 1 } });
  env = { ROUTEDECK_LAB_DIR: parent, HOME: parent, USER: 'alice' };
}, 180_000);
afterAll(async () => {
  await lab?.stop();
  if (parent) await rm(parent, { recursive: true, force: true });
});

const run = (args: string[]) => cli([...args, '--lab', '--operator', 'alice'], env);
const hasIsoTool = ['genisoimage', 'xorriso'].some(
  (t) => spawnSync('sh', ['-c', `command -v ${t}`], { stdio: 'ignore' }).status === 0,
);

function registryWorkload(name: string) {
  const reg = openRegistry({ path: path.join(lab.dir, 'registry.sqlite') });
  try {
    return reg.workload(name);
  } finally {
    reg.close();
  }
}

describe('plan create --cloud-init-dir', () => {
  it('writes meta-data, user-data and the plan’s network-config as a NoCloud seed', async () => {
    const dir = path.join(parent, 'seed1');
    const planFile = path.join(parent, 'seed1.json');
    const out = await run([
      'plan',
      'create',
      'seed1',
      '--tenant',
      'acme',
      '--host',
      'hv1',
      '-o',
      planFile,
      '--cloud-init-dir',
      dir,
    ]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('Guest network-config (cloud-init):');
    expect(out.stdout).toContain(`Cloud-init NoCloud seed: ${path.join(dir, 'meta-data')}`);
    const plan = planFromJson(readFileSync(planFile, 'utf8'));
    expect(readFileSync(path.join(dir, 'network-config'), 'utf8')).toBe(plan.artifacts['network-config']);
    expect(parse(readFileSync(path.join(dir, 'meta-data'), 'utf8'))).toEqual({
      'instance-id': 'iid-seed1',
      'local-hostname': 'seed1',
    });
    expect(readFileSync(path.join(dir, 'user-data'), 'utf8')).toMatch(/^#cloud-config\n/);
    const net = parse(readFileSync(path.join(dir, 'network-config'), 'utf8')) as {
      config: { subnets: { gateway: string }[] }[];
    };
    expect(net.config[0]?.subnets.map((s) => s.gateway)).toEqual(['169.254.0.1', 'fe80::1']);
    if (hasIsoTool) {
      const iso = readFileSync(path.join(dir, 'seed.iso'));
      // ISO 9660 primary volume descriptor at 32 KiB; its volume identifier is bytes 40–71.
      expect(
        iso
          .subarray(32768 + 40, 32768 + 72)
          .toString('latin1')
          .trim()
          .toLowerCase(),
      ).toBe('cidata');
      expect(out.stdout).toContain('ISO (volume cidata)');
    } else expect(out.stdout).toContain('no cidata ISO: install genisoimage or xorriso');
  }, 120_000);

  it('refuses a directory that already holds a seed, before planning: exit 2, one sentence, nothing written', async () => {
    const dir = path.join(parent, 'taken');
    await mkdir(dir);
    await writeFile(path.join(dir, 'network-config'), 'a running guest’s seed\n');
    const out = await run([
      'plan',
      'create',
      'seed2',
      '--tenant',
      'acme',
      '--host',
      'hv1',
      '--cloud-init-dir',
      dir,
    ]);
    expect(out.code).toBe(2);
    expect(out.stderr).toBe(
      `routedeck: --cloud-init-dir ${dir} already holds network-config; choose an empty directory (a seed is never overwritten)\nNothing was planned or written.\n`,
    );
    expect(await readdir(dir)).toEqual(['network-config']);
    expect(readFileSync(path.join(dir, 'network-config'), 'utf8')).toBe('a running guest’s seed\n');
    expect(registryWorkload('seed2')).toBeUndefined();
  }, 60_000);

  it('refuses a file, or a directory whose parent is missing; --cloud-init-dir is for plan create only', async () => {
    const file = path.join(parent, 'a-file');
    await writeFile(file, 'x');
    const notDir = await run([
      'plan',
      'create',
      'seed3',
      '--tenant',
      'acme',
      '--host',
      'hv1',
      '--cloud-init-dir',
      file,
    ]);
    expect(notDir.code).toBe(2);
    expect(notDir.stderr).toMatch(/is not a directory\nNothing was planned or written\.\n$/);
    const orphan = path.join(parent, 'no', 'such', 'seed');
    const missing = await run([
      'plan',
      'create',
      'seed3',
      '--tenant',
      'acme',
      '--host',
      'hv1',
      '--cloud-init-dir',
      orphan,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/its parent directory does not exist/);
    expect(existsSync(path.join(parent, 'no'))).toBe(false);
    expect(registryWorkload('seed3')).toBeUndefined();
    const migrate = await run([
      'plan',
      'migrate',
      'seed1',
      '--to',
      'hv2',
      '--cloud-init-dir',
      path.join(parent, 'm'),
    ]);
    expect(migrate.code).toBe(2);
    expect(migrate.stderr).toMatch(/--cloud-init-dir goes with plan create/);
  }, 60_000);
});
