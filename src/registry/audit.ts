import { z } from 'zod';
import type { DeviceDiff } from '../model/plan.ts';
import { keyOf, parseJsonColumn, parseRow, type Ctx } from './context.ts';
import { deviceDiffSchema } from './plan-schema.ts';
import type { SecretScrubber } from './secrets.ts';

export interface AuditEntry {
  /** ISO 8601 time of the event. */
  at: string;
  operator: string;
  planId: string;
  /** What happened: e.g. `plan`, `step`, `verify`, `rollback`, `lease-takeover`. */
  kind: string;
  device?: string;
  diff?: DeviceDiff;
  /** e.g. `ok`, `failed`, `rolled-back`, `refused`. */
  outcome: string;
  message: string;
}

export interface AuditRecord extends AuditEntry {
  /** Position in the log; strictly increasing. */
  seq: number;
}

export interface AuditFilter {
  planId?: string;
  operator?: string;
  /** Only entries after this seq (for following the log). */
  afterSeq?: number;
  limit?: number;
}

const row = z.object({
  seq: z.number().int(),
  at: z.string(),
  operator: z.string(),
  plan_id: z.string(),
  kind: z.string(),
  device: z.string().nullable(),
  diff: z.string().nullable(),
  outcome: z.string(),
  message: z.string(),
});

export function auditApi(ctx: Ctx, secrets: SecretScrubber) {
  const { db } = ctx;
  const toRecord = (r: unknown): AuditRecord => {
    const key = keyOf(r, 'seq');
    const v = parseRow(row, r, 'audit', key);
    const record: AuditRecord = {
      seq: v.seq,
      at: v.at,
      operator: v.operator,
      planId: v.plan_id,
      kind: v.kind,
      outcome: v.outcome,
      message: v.message,
    };
    if (v.device !== null) record.device = v.device;
    if (v.diff !== null)
      record.diff = parseRow(deviceDiffSchema, parseJsonColumn(v.diff, 'audit', key), 'audit', key);
    return record;
  };

  /**
   * Appends one entry. Every text field (the diff included) is scrubbed of the registry's secrets
   * first: the audit log is read by people and shipped to other systems, and cannot be edited later.
   */
  function appendAudit(entry: AuditEntry): AuditRecord {
    const e = secrets.scrubDeep(entry);
    const diff = e.diff === undefined ? null : secrets.scrub(JSON.stringify(deviceDiffSchema.parse(e.diff)));
    return ctx.tx(() => {
      // PostgreSQL hands out identity values before commit: without this lock a follower reading
      // `afterSeq` could see seq 7 committed before seq 6 and skip 6 for good. SQLite's tx is already exclusive.
      if (db.dialect === 'postgres') db.prepare('SELECT pg_advisory_xact_lock(19190001)').get();
      const inserted = db
        .prepare(
          `INSERT INTO audit (at, operator, plan_id, kind, device, diff, outcome, message)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        )
        .get(e.at, e.operator, e.planId, e.kind, e.device ?? null, diff, e.outcome, e.message);
      return toRecord(inserted);
    });
  }

  function audit(filter: AuditFilter = {}): AuditRecord[] {
    const rows = db
      .prepare(
        `SELECT * FROM audit WHERE (plan_id = @plan OR @plan IS NULL) AND (operator = @op OR @op IS NULL)
         AND seq > @after ORDER BY seq${filter.limit === undefined ? '' : ' LIMIT @limit'}`,
      )
      .all({
        plan: filter.planId ?? null,
        op: filter.operator ?? null,
        after: filter.afterSeq ?? 0,
        ...(filter.limit === undefined ? {} : { limit: filter.limit }),
      });
    return (rows as unknown[]).map(toRecord);
  }

  return { appendAudit, audit };
}
