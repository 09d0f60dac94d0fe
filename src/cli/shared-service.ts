/**
 * `routedeck plan shared-service NAME --service ADDR --tenant T@EDGE,via=ADDR … --provider EDGE`:
 * shared-service NAT for overlapping tenants (issue 8). Its own option table: `--tenant` repeats
 * here, and the tenant and provider specs carry their edges' settings.
 */
import { parseArgs } from 'node:util';
import {
  planSharedService,
  type SharedServiceInput,
  type SharedServiceTenantInput,
} from '../workflows/service/index.ts';
import { GET_OPTIONS, type CliIo } from './common/io.ts';
import { UsageError } from './usage.ts';
import { guarded, openSession, printPlan } from './common/session.ts';

export const SHARED_SERVICE_USAGE =
  'plan shared-service NAME --service ADDR --tenant T@EDGE,via=ADDR[,prefix=P][,in=IF][,out=IF] (repeat per tenant) ' +
  '--provider EDGE[,in=IF] [--local ADDR] [--transit CIDR] [--vyos-version 1.3|1.4] [--rule N] [-o FILE]';

function options() {
  return {
    ...GET_OPTIONS,
    tenant: { type: 'string', multiple: true },
    service: { type: 'string' },
    local: { type: 'string' },
    provider: { type: 'string' },
    transit: { type: 'string' },
    'vyos-version': { type: 'string' },
    rule: { type: 'string' },
  } as const;
}

/** True when argv is `plan shared-service …` (options may come first). */
export function isSharedServicePlan(argv: readonly string[]): boolean {
  const { positionals } = parseArgs({
    args: [...argv],
    options: options(),
    allowPositionals: true,
    strict: false,
  });
  return positionals[0] === 'plan' && positionals[1] === 'shared-service';
}

function keyValues(spec: string, what: string): { head: string; kv: Map<string, string> } {
  const [head = '', ...rest] = spec.split(',');
  const kv = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`${what} "${spec}": "${part}" is not KEY=VALUE`);
    kv.set(part.slice(0, eq), part.slice(eq + 1));
  }
  return { head, kv };
}

export function parseTenantSpec(spec: string): SharedServiceTenantInput {
  const { head, kv } = keyValues(spec, '--tenant');
  const [tenant, edge] = head.split('@');
  if (!tenant || !edge) throw new UsageError(`--tenant "${spec}" must be TENANT@EDGE,via=ADDR`);
  const via = kv.get('via');
  if (!via) throw new UsageError(`--tenant "${spec}" needs via=ADDR (the edge's transit address)`);
  for (const key of kv.keys())
    if (!['via', 'prefix', 'in', 'out'].includes(key))
      throw new UsageError(`--tenant "${spec}": unknown setting "${key}" (via, prefix, in, out)`);
  return {
    tenant,
    edge,
    via,
    ...(kv.has('prefix') ? { prefix: kv.get('prefix')! } : {}),
    ...(kv.has('in') ? { tenantIf: kv.get('in')! } : {}),
    ...(kv.has('out') ? { transitIf: kv.get('out')! } : {}),
  };
}

export function parseSharedServiceArgs(argv: readonly string[]): {
  input: SharedServiceInput;
  values: Record<string, unknown>;
} {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: options(),
    allowPositionals: true,
    strict: true,
  });
  const [, , name, ...extra] = positionals;
  if (!name || extra.length > 0) throw new UsageError(SHARED_SERVICE_USAGE);
  if (!values.service) throw new UsageError('plan shared-service needs --service ADDR');
  if (!values.tenant || values.tenant.length === 0)
    throw new UsageError('plan shared-service needs --tenant (one per tenant)');
  if (!values.provider) throw new UsageError('plan shared-service needs --provider EDGE');
  const provider = keyValues(values.provider, '--provider');
  for (const key of provider.kv.keys())
    if (key !== 'in') throw new UsageError(`--provider: unknown setting "${key}" (in)`);
  const version = values['vyos-version'];
  if (version !== undefined && version !== '1.3' && version !== '1.4')
    throw new UsageError(`--vyos-version must be 1.3 or 1.4 (1.4 covers 1.4 and later), not "${version}"`);
  const rule = values.rule !== undefined ? Number(values.rule) : undefined;
  if (rule !== undefined && !/^\d+$/.test(values.rule!))
    throw new UsageError(`--rule "${values.rule}" is not a number`);
  return {
    values,
    input: {
      name,
      service: values.service,
      tenants: values.tenant.map(parseTenantSpec),
      provider: {
        edge: provider.head,
        ...(provider.kv.has('in') ? { transitIf: provider.kv.get('in')! } : {}),
      },
      ...(values.local ? { local: values.local } : {}),
      ...(values.transit ? { transit: values.transit } : {}),
      ...(version ? { vyosVersion: version } : {}),
      ...(rule !== undefined ? { rule } : {}),
    },
  };
}

export async function runPlanSharedService(argv: readonly string[], io: CliIo): Promise<number> {
  const { input, values } = parseSharedServiceArgs(argv);
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const plan = await planSharedService(session.service, input);
      await printPlan(
        plan,
        { ...values, output: values.output === undefined ? undefined : String(values.output) },
        io,
      );
      return 0;
    });
  } finally {
    await session.close();
  }
}
