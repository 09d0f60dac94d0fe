export { openRegistry, defaultRegistryPath, type Registry, type RegistryOptions } from './open.ts';
export { type Allocation, canonicalAddress } from './allocations.ts';
export type { AuditEntry, AuditFilter, AuditRecord } from './audit.ts';
export type { Lease } from './leases.ts';
export type { TransitSlice } from './transit-slices.ts';
export type { PlanFilter, StoredPlan } from './plans.ts';
export { DEFAULT_VRF, type TenantRecord } from './tenants.ts';
export type { WorkloadFilter, WorkloadState } from './workloads.ts';
export { REDACTED } from './secrets.ts';
export * from './errors.ts';
export { SCHEMA_VERSION } from './schema.ts';
export { parseRegistryLocation, type RegistryLocation, type PgLocation, type SslMode } from './location.ts';
export type { RegistryChange } from './assemble.ts';
export { LEASE_TTL_MS } from './leases.ts';
export { copyRegistry, migrateRegistry, type CopyResult, type MigrateResult } from './admin.ts';
export {
  readTeamActivity,
  TeamFeed,
  type TeamActivity,
  type TeamFeedOptions,
  type TeamLease,
  type TeamPlan,
} from './team.ts';
