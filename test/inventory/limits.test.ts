/**
 * Inventories built to hurt the loader (issue 13 item 11): thousands of tenants, aliases that expand
 * a pool list millions of times, alias bombs, oversized files and overlong command prefixes. Each is
 * one clear sentence and exit 2, and contacts nothing; a large honest inventory still loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InventoryError, parseInventory } from '../../src/inventory/load.ts';
import { MAX_INVENTORY_BYTES } from '../../src/inventory/limits.ts';
import { aliasBomb, aliasedPoolsInventory, tenantsInventory } from '../../bench/inventory-docs.ts';
import { cli } from '../helpers/cli.ts';

const BIN = fileURLToPath(new URL('../../bin/routedeck.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'routedeck-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
}

function rejection(text: string): InventoryError {
  try {
    parseInventory(text, '/inv.yaml');
  } catch (error) {
    if (error instanceof InventoryError) return error;
    throw error;
  }
  throw new Error('expected the inventory to be rejected');
}

describe('inventory limits', () => {
  // The sweep itself is tested at this size with no overlap in test/addr/overlap.test.ts.
  it('checks 10,000 tenants and names the one pool among 20,000 that overlaps another', () => {
    const error = rejection(tenantsInventory(10_000, ['{ name: late, pools4: [10.39.15.0/24] }']));
    expect(error.problems).toEqual([
      'tenants[10000].pools4[0]: 10.39.15.0/24 overlaps tenants[9999].pools4[0] (10.39.15.0/24, tenant t9999) in VRF default',
    ]);
  }, 240_000);

  it('still loads a default anchored once and aliased by 3,000 devices', () => {
    let text = 'defaults:\n  auth: &key { type: key, path: /k }\ndevices:\n';
    for (let i = 0; i < 3000; i++)
      text += `  - { name: hv${i}, role: hypervisor, kind: frr-linux, host: h, auth: *key }\n`;
    expect(parseInventory(text, '/inv.yaml').devices).toHaveLength(3000);
  });

  it.each([
    [
      'an alias bomb',
      aliasBomb(),
      /^\/inv\.yaml: with its aliases expanded the file holds more than 1,000,000 values/,
    ],
    [
      'a 5,000-pool list aliased by 3,000 tenants',
      aliasedPoolsInventory(5000, 3000),
      /^\/inv\.yaml: with its aliases expanded the file holds more than 1,000,000 values/,
    ],
    [
      'an alias that contains itself',
      'devices: &d [*d]\n',
      /^\/inv\.yaml: an alias refers to a value that contains it$/,
    ],
    [
      'YAML nested 100,000 deep',
      `devices: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`,
      /^\/inv\.yaml: the YAML is nested more than 64 levels deep$/,
    ],
    [
      '20,001 aliases',
      `name: &n x\ndevices: [{ name: r1, role: router, kind: vyos, host: h }]\nx: [${Array(20_001).fill('*n').join(',')}]\n`,
      /^\/inv\.yaml: the file uses more than 10,000 YAML aliases; write the values out instead$/,
    ],
  ])(
    'refuses %s in one sentence',
    (_label, text, expected) => {
      const error = rejection(text);
      expect(error.message).toMatch(expected);
      expect(error.message.split('\n')).toHaveLength(1);
    },
    120_000,
  );

  it.each([
    ['vtysh', `vtysh: "${'docker '.repeat(20)}vtysh"`],
    ['privilege', `privilege: "sudo ${'-n '.repeat(70).trim()}"`],
  ])('refuses a %s prefix longer than 128 characters', async (field, line) => {
    const text = `devices:\n  - { name: hv1, role: hypervisor, kind: frr-linux, host: 127.0.0.1, ${line} }\n`;
    const result = await cli(['get', 'devices', '--inventory', file(`${field}.yaml`, text)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`devices[0].${field}: is longer than 128 characters`);
    expect(result.stdout).toBe('');
  });

  it('keeps the problem list readable when a pasted list overlaps thousands of times', () => {
    const error = rejection(tenantsInventory(200, ['{ name: all, pools4: [10.0.0.0/8] }']));
    expect(error.problems).toHaveLength(200);
    const lines = error.message.split('\n');
    expect(lines).toHaveLength(52);
    expect(lines.at(-1)).toBe('  … and 150 more problems');
  });
});

describe('routedeck get devices --inventory FILE refuses a hostile file with exit 2', () => {
  const run = (path: string) =>
    spawnSync(process.execPath, [BIN, 'get', 'devices', '--inventory', path], {
      encoding: 'utf8',
      timeout: 120_000,
    });

  it('an alias bomb: one sentence, no stack trace', () => {
    const path = file('bomb.yaml', aliasBomb());
    const result = run(path);
    expect(result.stderr).toBe(
      `${path}: with its aliases expanded the file holds more than 1,000,000 values; write the lists out or use fewer aliases\n`,
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  }, 180_000);

  it('a file over the size cap, refused before it is parsed', () => {
    const path = file('big.yaml', `# ${'x'.repeat(MAX_INVENTORY_BYTES)}\ndevices: []\n`);
    const result = run(path);
    expect(result.stderr).toBe(`${path}: the file is 4.0 MiB, more than the 4 MiB an inventory may be\n`);
    expect(result.status).toBe(2);
  }, 180_000);
});
