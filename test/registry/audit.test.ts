import { existsSync, readFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, type Registry } from '../../src/registry/index.ts';
import { samplePlan, tempDir } from './helpers.ts';

const KEY = 'vyos-api-key-7f3a9c2e51d84b06';

let tmp: ReturnType<typeof tempDir>;
let reg: Registry;
beforeEach(() => {
  tmp = tempDir();
  reg = openRegistry({ path: tmp.file, secrets: [KEY] });
});
afterEach(() => {
  reg.close();
  tmp.cleanup();
});

const entry = {
  at: '2025-01-01T00:00:00.000Z',
  operator: 'alice',
  planId: 'p1',
  kind: 'step',
  device: 'r1',
  outcome: 'ok',
  message: 'configured',
};

describe('audit log', () => {
  it('appends and reads back in order, filtered by plan', () => {
    reg.appendAudit(entry);
    reg.appendAudit({ ...entry, planId: 'p2', diff: { device: 'r1', before: ['a'], after: ['b'] } });
    const all = reg.audit();
    expect(all.map((a) => a.seq)).toEqual([1, 2]);
    expect(reg.audit({ planId: 'p2' })).toEqual([
      { ...entry, seq: 2, planId: 'p2', diff: { device: 'r1', before: ['a'], after: ['b'] } },
    ]);
    expect(reg.audit({ afterSeq: 1 }).map((a) => a.seq)).toEqual([2]);
  });

  it('rows cannot be updated or deleted, even through a raw connection', () => {
    reg.appendAudit(entry);
    const db = new Database(tmp.file);
    expect(() => db.prepare(`UPDATE audit SET outcome = 'failed'`).run()).toThrow(
      'audit log is append-only: UPDATE refused',
    );
    expect(() => db.prepare('DELETE FROM audit').run()).toThrow('audit log is append-only: DELETE refused');
    db.close();
    expect(reg.audit()).toHaveLength(1);
  });

  it('scrubs secrets from every field and the secret never reaches the file', () => {
    const key2 = 'second-secret-"quoted"\\value';
    reg.addSecrets([key2]);
    const diff = {
      device: 'r1',
      before: ['set service https api keys id noc key old'],
      after: [`set service https api keys id noc key ${KEY}`, `password ${key2}`],
    };
    const rec = reg.appendAudit({ ...entry, message: `curl -F key=${KEY} https://r1/configure`, diff });
    expect(rec.message).toBe('curl -F key=[redacted] https://r1/configure');
    expect(rec.diff?.after).toEqual([
      'set service https api keys id noc key [redacted]',
      'password [redacted]',
    ]);
    reg.checkpoint();
    reg.close();
    for (const path of [tmp.file, `${tmp.file}-wal`]) {
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path);
      expect(bytes.includes(KEY)).toBe(false);
      expect(bytes.includes('second-secret')).toBe(false);
      expect(bytes.includes('[redacted]')).toBe(path === tmp.file);
    }
    reg = openRegistry({ path: tmp.file });
  });

  it('a plan embedding a secret is refused, not silently altered', () => {
    const plan = samplePlan('p1');
    plan.steps[0]!.action = { type: 'ssh', commands: [`echo ${KEY}`] };
    expect(() => reg.savePlan(plan, 'planned')).toThrow(/contains a secret value/);
    expect(reg.plan('p1')).toBeUndefined();
  });
});
