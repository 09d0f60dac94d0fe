import { z } from 'zod';
import { PLAN_KINDS, type Plan, type PlanStatus } from '../model/plan.ts';

/** The stored form of model/plan.ts, checked when a plan is read back (plans are resumed after a crash). */
const action = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ssh'), commands: z.array(z.string()) }),
  z.object({
    type: z.literal('vyos-configure'),
    commands: z.array(
      z.object({ op: z.enum(['set', 'delete']), path: z.array(z.string()), value: z.string().optional() }),
    ),
    confirmMinutes: z.number().optional(),
  }),
]);

const verification = z.object({
  prefix: z.string(),
  vrf: z.string(),
  expect: z.enum(['announced-by', 'withdrawn']),
  host: z.string().optional(),
  routers: z.array(z.string()),
  timeoutMs: z.number(),
});

export const deviceDiffSchema = z.object({
  device: z.string(),
  before: z.array(z.string()),
  after: z.array(z.string()),
});

const workloadState = z.enum(['planned', 'active', 'migrating', 'decommissioning', 'retired']);

export const preconditionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('workload'), workload: z.string(), host: z.string(), state: workloadState }),
  z.object({ kind: z.literal('announced'), prefix: z.string(), vrf: z.string(), hosts: z.array(z.string()) }),
]);

export const planSchema = z.object({
  id: z.string().min(1),
  kind: z.enum(PLAN_KINDS),
  createdAt: z.string(),
  operator: z.string(),
  workload: z.string(),
  tenant: z.string(),
  summary: z.string(),
  steps: z.array(
    z.object({
      id: z.string(),
      device: z.string(),
      description: z.string(),
      action,
      rollback: action.nullable(),
      undoPhases: z
        .array(
          z.object({
            device: z.string(),
            commands: z.array(z.string()),
            verify: z.array(verification),
            always: z.boolean().optional(),
          }),
        )
        .optional(),
      verify: z.array(verification),
      timeoutMs: z.number(),
      irreversible: z.boolean().optional(),
    }),
  ),
  diffs: z.array(deviceDiffSchema),
  routeChanges: z.array(
    z.object({
      router: z.string(),
      vrf: z.string(),
      family: z.union([z.literal(4), z.literal(6)]),
      prefix: z.string(),
      change: z.enum(['appears', 'disappears', 'moves']),
      fromHost: z.string().optional(),
      toHost: z.string().optional(),
    }),
  ),
  artifacts: z.record(z.string(), z.string()),
  preconditions: z.array(preconditionSchema).optional(),
});

export const planStatusSchema = z.enum([
  'planned',
  'applying',
  'applied',
  'failed',
  'rolled-back',
  'interrupted',
  'discarded',
]);

// Compile-time guard: the schema and the model type must not drift apart.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _planMatches: Same<z.output<typeof planSchema>, Plan> = true;
const _statusMatches: Same<z.output<typeof planStatusSchema>, PlanStatus> = true;
void _planMatches;
void _statusMatches;
