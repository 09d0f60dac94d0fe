/**
 * Issue 13 item 8: a registry file that exists but is empty, not SQLite, damaged or not ours is
 * refused in one sentence naming the file, and its bytes are left exactly as they were.
 */
import { readFileSync, truncateSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, RegistryDamagedError } from '../../src/registry/index.ts';
import { samplePlan, tempDir, tenantA } from './helpers.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

/** A registry with plans, audit rows and workloads, closed (checkpointed into the main file). */
function populated(): void {
  const reg = openRegistry({ path: tmp.file });
  reg.upsertTenant(tenantA);
  for (let i = 0; i < 40; i++) {
    reg.savePlan(samplePlan(`p${i}`, `web-${i}`), 'applied');
    reg.appendAudit({
      at: '2025-01-01T00:00:00.000Z',
      operator: 'alice',
      planId: `p${i}`,
      kind: 'plan',
      outcome: 'applied',
      message: 'x'.repeat(400),
    });
  }
  reg.close();
}

/** openRegistry's refusal: its message, with the file's bytes compared before and after. */
function refusal(): string {
  const before = readFileSync(tmp.file);
  let error: unknown;
  try {
    openRegistry({ path: tmp.file }).close();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(RegistryDamagedError);
  const message = (error as Error).message;
  expect(message).toContain(tmp.file);
  expect(message).toMatch(/restore it from a backup, or move it aside/);
  expect(message).not.toMatch(/\n|\s at /);
  expect(readFileSync(tmp.file).equals(before)).toBe(true);
  return message;
}

describe('an existing registry that cannot be trusted is refused, never re-created', () => {
  it('truncated to 0 bytes', () => {
    populated();
    truncateSync(tmp.file, 0);
    expect(refusal()).toMatch(/exists but is empty \(0 bytes\)/);
    expect(readFileSync(tmp.file).length).toBe(0);
  });

  it('not an SQLite file', () => {
    writeFileSync(tmp.file, 'tenants:\n  acme: {}\n');
    expect(refusal()).toMatch(/is not an SQLite database/);
  });

  it('pages overwritten in the middle (header intact)', () => {
    populated();
    const bytes = readFileSync(tmp.file);
    expect(bytes.length).toBeGreaterThan(8 * 4096);
    bytes.fill(0xa5, 2 * 4096, 6 * 4096);
    writeFileSync(tmp.file, bytes);
    expect(refusal()).toMatch(/is damaged \(SQLite/);
  });

  it('truncated halfway', () => {
    populated();
    const bytes = readFileSync(tmp.file);
    writeFileSync(tmp.file, bytes.subarray(0, Math.floor(bytes.length / 2 / 4096) * 4096));
    expect(refusal()).toMatch(/is damaged \(SQLite/);
  });

  it('an SQLite database of something else, and one missing our tables', () => {
    const db = new Database(tmp.file);
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)');
    db.close();
    expect(refusal()).toMatch(/is an SQLite database but not a routedeck registry/);

    tmp.cleanup();
    tmp = tempDir();
    populated();
    const ours = new Database(tmp.file);
    ours.exec('DROP TABLE plans');
    ours.close();
    expect(refusal()).toMatch(/lacks table\(s\) plans of its schema v\d/);
  });

  it('a new path is still created, and an intact registry opens with everything in it', () => {
    populated();
    const reg = openRegistry({ path: tmp.file });
    expect(reg.plans()).toHaveLength(40);
    expect(reg.audit()).toHaveLength(40);
    reg.close();
  });
});
