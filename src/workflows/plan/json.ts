/**
 * The plan file (`routedeck plan … -o plan.json`, `routedeck apply plan.json`): the plan plus a
 * SHA-256 digest of its canonical form. The schema refuses a malformed file; the digest refuses a
 * hand-edited or truncated one. It is a checksum, not a signature: someone who recomputes it can
 * still change the plan, so apply shows the preview from the file before it sends anything.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PLAN_KINDS, type Plan } from '../../model/plan.ts';

const FORMAT = 'routedeck-plan';
const VERSION = 1;

// One line, no NUL: a command with a newline would be two commands to the remote shell.
const commandLine = z
  .string()
  .min(1)
  .regex(/^[^\n\r\0]*$/, 'a command must be a single line');
const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'not a valid name');

const action = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ssh'), commands: z.array(commandLine).min(1) }),
  z.strictObject({
    type: z.literal('vyos-configure'),
    commands: z
      .array(
        z.strictObject({
          op: z.enum(['set', 'delete']),
          path: z.array(z.string().min(1)).min(1),
          value: z.string().optional(),
        }),
      )
      .min(1),
    confirmMinutes: z.number().int().min(1).optional(),
  }),
]);

const verification = z.strictObject({
  prefix: z.string().min(1),
  vrf: z.string().min(1),
  expect: z.enum(['announced-by', 'withdrawn']),
  host: name.optional(),
  routers: z.array(name).min(1),
  timeoutMs: z.number().int().positive(),
});

const step = z.strictObject({
  id: z.string().min(1),
  device: name,
  description: z.string(),
  action,
  rollback: action.nullable(),
  undoPhases: z
    .array(
      z.strictObject({
        device: name,
        commands: z.array(z.string()),
        verify: z.array(verification),
        always: z.boolean().optional(),
      }),
    )
    .optional(),
  verify: z.array(verification),
  timeoutMs: z.number().int().positive(),
  irreversible: z.boolean().optional(),
});

const precondition = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('workload'),
    workload: z.string().min(1),
    host: name,
    state: z.enum(['planned', 'active', 'migrating', 'decommissioning', 'retired']),
  }),
  z.strictObject({
    kind: z.literal('announced'),
    prefix: z.string().min(1),
    vrf: z.string().min(1),
    hosts: z.array(name),
  }),
]);

// Kinds acting on one tenant's workload carry its name; a guard repair spans tenants and has none.
const TENANT_KINDS: readonly string[] = ['create', 'migrate', 'decommission', 'floating-ip'];

const planSchema = z
  .strictObject({
    id: z.string().min(1),
    kind: z.enum(PLAN_KINDS),
    createdAt: z.iso.datetime(),
    operator: z.string().min(1),
    workload: z.string().min(1),
    tenant: z.string(),
    summary: z.string(),
    steps: z
      .array(step)
      .min(1)
      .refine((steps) => new Set(steps.map((s) => s.id)).size === steps.length, 'step ids must be unique'),
    diffs: z.array(z.strictObject({ device: name, before: z.array(z.string()), after: z.array(z.string()) })),
    routeChanges: z.array(
      z.strictObject({
        router: name,
        vrf: z.string().min(1),
        family: z.union([z.literal(4), z.literal(6)]),
        prefix: z.string().min(1),
        change: z.enum(['appears', 'disappears', 'moves']),
        fromHost: name.optional(),
        toHost: name.optional(),
      }),
    ),
    artifacts: z.record(z.string(), z.string()),
    preconditions: z.array(precondition).optional(),
  })
  .refine((p) => p.tenant !== '' || !TENANT_KINDS.includes(p.kind), {
    message: 'a workload plan names its tenant',
    path: ['tenant'],
  });

const fileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(VERSION),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The id of the registry it was planned against (absent in files written before issue 19). */
  registry: z
    .string()
    .regex(/^[0-9a-f]{32}$/)
    .optional(),
  plan: z.unknown(),
});

export class PlanFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanFileError';
  }
}

/** JSON with object keys sorted at every level, so the digest does not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The SHA-256 of a plan's canonical form: equal digests, equal plans (whatever the key order). */
export function planDigest(plan: unknown): string {
  return digest(plan);
}

function digest(plan: unknown): string {
  return createHash('sha256').update(canonical(plan)).digest('hex');
}

export function planToJson(plan: Plan, registry?: string): string {
  const file = {
    format: FORMAT,
    version: VERSION,
    sha256: digest(plan),
    ...(registry ? { registry } : {}),
    plan,
  };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** The registry a plan file is bound to, if it names one (call after planFromJson accepted the text). */
export function planFileRegistry(text: string): string | undefined {
  const file = fileSchema.safeParse(JSON.parse(text));
  return file.success ? file.data.registry : undefined;
}

export function planFromJson(text: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanFileError(`plan file is not valid JSON: ${(error as Error).message}`);
  }
  const file = fileSchema.safeParse(raw);
  if (!file.success) {
    throw new PlanFileError(
      `not a routedeck plan file (format ${FORMAT} v${VERSION}): ${z.prettifyError(file.error)}`,
    );
  }
  const plan = planSchema.safeParse(file.data.plan);
  if (!plan.success) throw new PlanFileError(`plan file is malformed: ${z.prettifyError(plan.error)}`);
  if (digest(file.data.plan) !== file.data.sha256) {
    throw new PlanFileError('plan file was modified after it was planned (SHA-256 mismatch); plan it again');
  }
  return plan.data;
}
