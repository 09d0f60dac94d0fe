import { allocationsApi } from './allocations.ts';
import { auditApi } from './audit.ts';
import type { Ctx } from './context.ts';
import { RegistryCorruptError } from './errors.ts';
import { LEASE_TTL_MS, leasesApi } from './leases.ts';
import { plansApi, type StoredPlan } from './plans.ts';
import { SecretScrubber } from './secrets.ts';
import { tenantsApi } from './tenants.ts';
import { transitSlicesApi } from './transit-slices.ts';
import { workloadsApi } from './workloads.ts';

/** What a change another console made looks like when the backend can tell (PostgreSQL LISTEN/NOTIFY). */
export interface RegistryChange {
  table: 'plans' | 'leases' | 'audit';
  /** A plan id, a workload (leases), or an audit seq, as text. */
  key: string;
}

export type RegistryTables = ReturnType<typeof tenantsApi> &
  ReturnType<typeof allocationsApi> &
  ReturnType<typeof workloadsApi> &
  ReturnType<typeof plansApi> &
  ReturnType<typeof auditApi> &
  Omit<ReturnType<typeof leasesApi>, 'stopHeartbeat'> &
  ReturnType<typeof transitSlicesApi> & {
    /** This registry's identity (random, made with it): plan files carry it so they are applied where planned. */
    registryId(): string;
    /** Plans that were `applying` when this registry was opened and whose holder is gone: a console died mid-apply. */
    interruptedPlans(): StoredPlan[];
    /** Adds values to scrub from now on (a key resolved after the registry was opened). */
    addSecrets(values: readonly string[]): void;
  };

/** The table APIs over one connection, the same for both backends; `stop` ends the lease heartbeat. */
export function assemble(
  ctx: Ctx,
  options: { secrets?: readonly string[]; leaseTtlMs?: number },
): { tables: RegistryTables; stop: () => void } {
  const secrets = new SecretScrubber(options.secrets ?? []);
  const tenants = tenantsApi(ctx);
  const plans = plansApi(ctx, secrets);
  const { stopHeartbeat, ...leases } = leasesApi(ctx, options.leaseTtlMs ?? LEASE_TTL_MS);

  // Snapshot at open: a plan still `applying` now was being applied by a console that is gone —
  // unless its leases belong to a live console (a colleague applying right now).
  const interrupted = plans
    .plans({ status: 'applying' })
    .filter((p) => !leases.leases({ planId: p.plan.id }).some((l) => leases.leaseIsLive(l)));
  let id: string | undefined;

  const tables: RegistryTables = {
    ...tenants,
    ...allocationsApi(ctx, tenants.tenant),
    ...workloadsApi(ctx),
    ...plans,
    ...auditApi(ctx, secrets),
    ...leases,
    ...transitSlicesApi(ctx),
    registryId: () => {
      if (id !== undefined) return id;
      const row = ctx.db.prepare('SELECT id FROM registry_meta').get() as { id?: unknown } | undefined;
      if (typeof row?.id !== 'string')
        throw new RegistryCorruptError('registry_meta', 'id', 'no registry id');
      return (id = row.id);
    },
    interruptedPlans: () => [...interrupted],
    addSecrets: (values) => secrets.add(values),
  };
  return { tables, stop: stopHeartbeat };
}
