/**
 * `routedeck plan tenant NAME --vrf V --table N --rd RD --rt-import RT --rt-export RT [--vni N]
 * --pool4 CIDR --pool6 CIDR`: provisions a tenant's VRF on the routers (VyOS API) and hypervisors.
 * Its own option table: route targets and pools repeat. `routedeck apply` applies the plan.
 */
import { parseArgs } from 'node:util';
import { planTenant, type TenantInput } from '../workflows/service/index.ts';
import { GET_OPTIONS, type CliIo } from './common/io.ts';
import { UsageError } from './usage.ts';
import { guarded, openSession, printPlan } from './common/session.ts';

export const TENANT_USAGE =
  'plan tenant NAME --vrf V --table N --rd RD --rt-import RT… --rt-export RT… [--vni N] ' +
  '--pool4 CIDR… --pool6 CIDR… [--confirm-minutes N] [--lab|--inventory F] [-o FILE] [--json]';

function options() {
  return {
    ...GET_OPTIONS,
    table: { type: 'string' },
    rd: { type: 'string' },
    'rt-import': { type: 'string', multiple: true },
    'rt-export': { type: 'string', multiple: true },
    vni: { type: 'string' },
    pool4: { type: 'string', multiple: true },
    pool6: { type: 'string', multiple: true },
    'confirm-minutes': { type: 'string' },
  } as const;
}

/** True when argv is `plan tenant …` (options may come first). */
export function isTenantPlan(argv: readonly string[]): boolean {
  const { positionals } = parseArgs({
    args: [...argv],
    options: options(),
    allowPositionals: true,
    strict: false,
  });
  return positionals[0] === 'plan' && positionals[1] === 'tenant';
}

function whole(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${what} must be a whole number, got "${text}"`);
  return Number(text);
}

/** Route targets may also be given as one comma- or space-separated list. */
const split = (list: readonly string[] | undefined): string[] =>
  (list ?? []).flatMap((v) => v.split(/[\s,]+/)).filter(Boolean);

export function parseTenantArgs(argv: readonly string[]): {
  input: TenantInput;
  values: ReturnType<typeof parse>['values'];
} {
  const { values, positionals } = parse(argv);
  const [, , name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError(`plan tenant needs one name: ${TENANT_USAGE}`);
  const missing = (['vrf', 'table', 'rd', 'rt-import', 'rt-export', 'pool4', 'pool6'] as const).filter(
    (k) => values[k] === undefined,
  );
  if (missing.length > 0)
    throw new UsageError(`plan tenant needs ${missing.map((k) => `--${k}`).join(', ')}`);
  const vni = whole(values.vni, '--vni');
  const confirmMinutes = whole(values['confirm-minutes'], '--confirm-minutes');
  if (confirmMinutes !== undefined && (confirmMinutes < 1 || confirmMinutes > 60))
    throw new UsageError('--confirm-minutes must be from 1 to 60');
  return {
    values,
    input: {
      name,
      vrf: values.vrf!,
      table: whole(values.table, '--table')!,
      rd: values.rd!,
      rtImport: split(values['rt-import']),
      rtExport: split(values['rt-export']),
      ...(vni !== undefined ? { vni } : {}),
      pools4: split(values.pool4),
      pools6: split(values.pool6),
      ...(confirmMinutes !== undefined ? { confirmMinutes } : {}),
    },
  };
}

function parse(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: options(), allowPositionals: true, strict: true });
}

export async function runPlanTenant(argv: readonly string[], io: CliIo): Promise<number> {
  const { input, values } = parseTenantArgs(argv);
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const plan = await planTenant(session.service, input);
      await printPlan(plan, values, io);
      return 0;
    });
  } finally {
    await session.close();
  }
}
