import { z } from 'zod';
import type { WorkloadRecord } from '../model/plan.ts';
import { keyOf, parseJsonColumn, parseRow, type Ctx } from './context.ts';
import { UnknownTenantError, UnknownWorkloadError } from './errors.ts';

export type WorkloadState = WorkloadRecord['state'];

const stateSchema = z.enum(['planned', 'active', 'migrating', 'decommissioning', 'retired']);
const row = z.object({
  name: z.string().min(1),
  tenant: z.string().min(1),
  vrf: z.string().min(1),
  host: z.string(),
  tap: z.string(),
  ipv4: z.string(),
  ipv6_prefix: z.string(),
  extra_allowed: z.string(),
  state: stateSchema,
});
const extraSchema = z.array(z.string());

export interface WorkloadFilter {
  tenant?: string;
  host?: string;
  state?: WorkloadState;
}

export function workloadsApi(ctx: Ctx) {
  const { db } = ctx;
  const toRecord = (r: unknown): WorkloadRecord => {
    const key = keyOf(r, 'name');
    const v = parseRow(row, r, 'workloads', key);
    const extraAllowed = parseRow(
      extraSchema,
      parseJsonColumn(v.extra_allowed, 'workloads', key),
      'workloads',
      key,
    );
    return {
      name: v.name,
      tenant: v.tenant,
      vrf: v.vrf,
      host: v.host,
      tap: v.tap,
      ipv4: v.ipv4,
      ipv6Prefix: v.ipv6_prefix,
      extraAllowed,
      state: v.state,
    };
  };

  /** Creates or replaces the workload's record (the tenant must exist). */
  function putWorkload(w: WorkloadRecord): void {
    stateSchema.parse(w.state);
    ctx.tx(() => {
      if (db.prepare('SELECT 1 FROM tenants WHERE name = ?').get(w.tenant) === undefined) {
        throw new UnknownTenantError(w.tenant);
      }
      db.prepare(
        `INSERT INTO workloads (name, tenant, vrf, host, tap, ipv4, ipv6_prefix, extra_allowed, state, updated_at)
         VALUES (@name, @tenant, @vrf, @host, @tap, @ipv4, @ipv6Prefix, @extra, @state, @at)
         ON CONFLICT(name) DO UPDATE SET tenant = excluded.tenant, vrf = excluded.vrf, host = excluded.host,
           tap = excluded.tap, ipv4 = excluded.ipv4, ipv6_prefix = excluded.ipv6_prefix,
           extra_allowed = excluded.extra_allowed, state = excluded.state, updated_at = excluded.updated_at`,
      ).run({
        name: w.name,
        tenant: w.tenant,
        vrf: w.vrf,
        host: w.host,
        tap: w.tap,
        ipv4: w.ipv4,
        ipv6Prefix: w.ipv6Prefix,
        extra: JSON.stringify(w.extraAllowed),
        state: w.state,
        at: ctx.now(),
      });
    });
  }

  function workload(name: string): WorkloadRecord | undefined {
    const r = db.prepare('SELECT * FROM workloads WHERE name = ?').get(name);
    return r === undefined ? undefined : toRecord(r);
  }

  function workloads(filter: WorkloadFilter = {}): WorkloadRecord[] {
    const rows = db
      .prepare(
        `SELECT * FROM workloads WHERE (tenant = @tenant OR @tenant IS NULL) AND (host = @host OR @host IS NULL)
         AND (state = @state OR @state IS NULL) ORDER BY name`,
      )
      .all({ tenant: filter.tenant ?? null, host: filter.host ?? null, state: filter.state ?? null });
    return (rows as unknown[]).map(toRecord);
  }

  function setWorkloadState(name: string, state: WorkloadState): void {
    stateSchema.parse(state);
    const info = db
      .prepare('UPDATE workloads SET state = ?, updated_at = ? WHERE name = ?')
      .run(state, ctx.now(), name);
    if (info.changes === 0) throw new UnknownWorkloadError(name);
  }

  /** Removes the record (a create that was discarded or rolled back: the workload never existed). */
  function deleteWorkload(name: string): boolean {
    return db.prepare('DELETE FROM workloads WHERE name = ?').run(name).changes > 0;
  }

  return { putWorkload, workload, workloads, setWorkloadState, deleteWorkload };
}
