import { z } from 'zod';
import type { Plan, PlanStatus } from '../model/plan.ts';
import { keyOf, parseJsonColumn, parseRow, type Ctx } from './context.ts';
import { RegistryError, UnknownPlanError } from './errors.ts';
import { planSchema, planStatusSchema } from './plan-schema.ts';
import type { SecretScrubber } from './secrets.ts';

export interface StoredPlan {
  plan: Plan;
  status: PlanStatus;
  /** Why the status last changed (failure reason, rollback note), when given. */
  detail: string | null;
  updatedAt: Date;
}

export interface PlanFilter {
  status?: PlanStatus;
  workload?: string;
}

const row = z.object({
  id: z.string().min(1),
  status: planStatusSchema,
  detail: z.string().nullable(),
  body: z.string(),
  updated_at: z.number().int(),
});

export function plansApi(ctx: Ctx, secrets: SecretScrubber) {
  const { db } = ctx;
  const toStored = (r: unknown): StoredPlan => {
    const key = keyOf(r, 'id');
    const v = parseRow(row, r, 'plans', key);
    const plan = parseRow(planSchema, parseJsonColumn(v.body, 'plans', key), 'plans', key);
    return { plan, status: v.status, detail: v.detail, updatedAt: new Date(v.updated_at) };
  };

  /**
   * Stores (or replaces) a plan with its status. A plan carrying a secret is refused rather than
   * scrubbed: a plan is resumed after a crash, and a silently redacted command would be sent as is.
   */
  function savePlan(plan: Plan, status: PlanStatus): void {
    const body = JSON.stringify(planSchema.parse(plan));
    planStatusSchema.parse(status);
    if (secrets.contains(body)) {
      throw new RegistryError(
        `plan ${plan.id} contains a secret value; plans must reference secrets, not embed them`,
      );
    }
    db.prepare(
      `INSERT INTO plans (id, kind, workload, tenant, operator, status, detail, body, updated_at)
       VALUES (@id, @kind, @workload, @tenant, @operator, @status, NULL, @body, @at)
       ON CONFLICT(id) DO UPDATE SET kind = excluded.kind, workload = excluded.workload, tenant = excluded.tenant,
         operator = excluded.operator, status = excluded.status, detail = NULL, body = excluded.body,
         updated_at = excluded.updated_at`,
    ).run({ ...pick(plan), status, body, at: ctx.now() });
  }

  function plan(id: string): StoredPlan | undefined {
    const r = db.prepare('SELECT * FROM plans WHERE id = ?').get(id);
    return r === undefined ? undefined : toStored(r);
  }

  function plans(filter: PlanFilter = {}): StoredPlan[] {
    const rows = db
      .prepare(
        `SELECT * FROM plans WHERE (status = @status OR @status IS NULL)
         AND (workload = @workload OR @workload IS NULL) ORDER BY updated_at, id`,
      )
      .all({ status: filter.status ?? null, workload: filter.workload ?? null });
    return (rows as unknown[]).map(toStored);
  }

  function setPlanStatus(id: string, status: PlanStatus, detail?: string): void {
    planStatusSchema.parse(status);
    const info = db
      .prepare('UPDATE plans SET status = ?, detail = ?, updated_at = ? WHERE id = ?')
      .run(status, detail === undefined ? null : secrets.scrub(detail), ctx.now(), id);
    if (info.changes === 0) throw new UnknownPlanError(id);
  }

  return { savePlan, plan, plans, setPlanStatus };
}

function pick(plan: Plan) {
  return {
    id: plan.id,
    kind: plan.kind,
    workload: plan.workload,
    tenant: plan.tenant,
    operator: plan.operator,
  };
}
