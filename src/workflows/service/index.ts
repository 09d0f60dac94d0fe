export {
  WorkflowError,
  WorkflowService,
  type ApplyOptions,
  type PlanKindHandler,
  type WorkflowDeps,
} from './service.ts';
export { macFor, tapNameFor, type CreateInput, type MigrateInput } from './workloads.ts';
export type { WorkflowSettings } from '../../inventory/load.ts';
export {
  floatingIps,
  planAttach as planFipAttach,
  planDetach as planFipDetach,
  planMove as planFipMove,
  registerFloatingIps,
  type FloatingIp,
} from './floating-ip.ts';
export {
  planSharedService,
  registerSharedService,
  type SharedServiceInput,
  type SharedServiceTenantInput,
} from './shared-service.ts';
export { guardReports, planGuardRepairFor, registerGuardRepair, type GuardReport } from './guard.ts';
export { planTenant, registerTenantKind, tenantOf, type TenantInput } from './tenant.ts';
