/**
 * The compiled CLI (issue 16, CLI start): `scripts/build.mjs` (npm's prepare) compiles to dist/, and
 * bin/routedeck.mjs runs it without a TypeScript compiler, but never once a file it was built from
 * has changed: then it runs the sources through tsx and says so in one line on stderr.
 * Everything happens in a copy of the checkout in a temp directory whose node_modules links every
 * package but tsx, until the test adds it: a run that needs tsx fails there.
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MODULES = realpathSync(join(REPO, 'node_modules'));
const copy = mkdtempSync(join(tmpdir(), 'routedeck-build-'));
const home = join(copy, 'home');
// As a user runs it: no ROUTEDECK_FROM_SOURCE (vitest.config.ts sets it for every other test).
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  ROUTEDECK_LAB_DIR: join(home, 'lab'),
  NO_COLOR: '1',
};
delete env['ROUTEDECK_FROM_SOURCE'];

const node = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, args, {
    cwd: copy,
    env: { ...env, ...extra },
    encoding: 'utf8',
    timeout: 150_000,
  });
const routedeck = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  node([join(copy, 'bin/routedeck.mjs'), ...args], extra);
const build = () => {
  const result = node([join(copy, 'scripts/build.mjs')]);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^routedeck: built dist\/ \(\d+ files from \d+ sources\)\n$/);
  expect(result.status).toBe(0);
};
const USAGE_HEAD = /^routedeck — NOC console for a routed-to-the-host network\n/;
const usageFile = join(copy, 'src/cli/usage.ts');

beforeAll(() => {
  for (const part of ['src', 'components', 'bin', 'scripts', 'tsconfig.json', 'package.json'])
    cpSync(join(REPO, part), join(copy, part), { recursive: true });
  mkdirSync(join(copy, 'node_modules'));
  mkdirSync(home);
  for (const name of readdirSync(MODULES))
    if (name !== 'tsx') symlinkSync(join(MODULES, name), join(copy, 'node_modules', name));
  build();
}, 180_000);
afterAll(() => rmSync(copy, { recursive: true, force: true }));

describe('routedeck built to dist/', () => {
  it('prints its usage with no TypeScript compiler installed', () => {
    const result = routedeck(['--help']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(USAGE_HEAD);
    expect(result.status).toBe(0);
  }, 180_000);

  it('loads a command on demand: refuses a bad inventory with exit 2', () => {
    writeFileSync(join(copy, 'bad.yaml'), 'devices: []\n');
    const result = routedeck(['get', 'devices', '--inventory', 'bad.yaml']);
    expect(result.stderr).toBe(
      `${join(copy, 'bad.yaml')}: invalid inventory\n  devices: must list at least one device\n`,
    );
    expect(result.status).toBe(2);
  }, 180_000);

  it('starts the embedded lab and reads its devices', () => {
    const result = routedeck(['get', 'devices', '--lab', '--json']);
    expect(result.stderr).toBe('');
    const names = (JSON.parse(result.stdout) as { devices: { name: string }[] }).devices.map((d) => d.name);
    expect(names.sort()).toEqual(['hv1', 'hv2', 'hv3', 'hv4', 'spine1', 'spine2']);
    expect(result.status).toBe(0);
  }, 180_000);

  it('runs the sources instead, quietly, under ROUTEDECK_FROM_SOURCE=1', () => {
    symlinkSync(join(MODULES, 'tsx'), join(copy, 'node_modules', 'tsx'));
    const main = join(copy, 'dist/main.js');
    const built = readFileSync(main, 'utf8');
    writeFileSync(main, "throw new Error('dist/main.js ran');\n");
    try {
      expect(routedeck(['--help']).stderr).toContain('dist/main.js ran');
      const result = routedeck(['--help'], { ROUTEDECK_FROM_SOURCE: '1' });
      expect(result.stderr).toBe('');
      expect(result.stdout).toMatch(USAGE_HEAD);
      expect(result.status).toBe(0);
    } finally {
      writeFileSync(main, built);
    }
  }, 180_000);

  it('never runs a stale build: an edited source runs from source, with a note, until rebuilt', () => {
    writeFileSync(usageFile, readFileSync(usageFile, 'utf8').replace('NOC console', 'NOC console (edited)'));
    const stale = routedeck(['--help']);
    expect(stale.stdout).toMatch(/^routedeck — NOC console \(edited\)/);
    expect(stale.stderr).toBe(
      'routedeck: src/cli/usage.ts changed since the last build; running the sources through tsx (`npm run build` for a fast start)\n',
    );
    expect(stale.status).toBe(0);

    build();
    const rebuilt = routedeck(['--help']);
    expect(rebuilt.stdout).toMatch(/^routedeck — NOC console \(edited\)/);
    expect(rebuilt.stderr).toBe('');
  }, 180_000);

  it('treats an older file brought back (a checkout) and an interrupted build as stale too', () => {
    const text = join(copy, 'src/model/text.ts');
    utimesSync(text, new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    expect(routedeck(['--help']).stderr).toMatch(
      /^routedeck: src\/model\/text\.ts changed since the last build;/,
    );

    build();
    rmSync(join(copy, 'dist/build-stamp.json'));
    const result = routedeck(['--help']);
    expect(result.stderr).toMatch(/^routedeck: no build in dist\/; running the sources through tsx/);
    expect(result.stdout).toMatch(/^routedeck — NOC console \(edited\)/);
  }, 180_000);
});
