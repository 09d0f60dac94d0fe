export { planCreate, type CreateIntent } from './create.ts';
export { planMigrate, type MigrateIntent } from './migrate.ts';
export { planDecommission, type DecommissionIntent } from './decommission.ts';
export { checkHookTemplate, HOOK_PLACEHOLDERS, type ComputeHook } from './compute-hook.ts';
export { ELEVATED_METRIC, GATEWAY4, GATEWAY6 } from './host-ops.ts';
export type { LiveView, PlanMeta, PlanTarget } from './build.ts';
export { planFileRegistry, planFromJson, planToJson, PlanFileError } from './json.ts';
export { actionLines, renderPreview } from './preview.ts';
export { PlanError } from './validate.ts';
export { cloudInitArtifacts, networkConfig } from './cloud-init.ts';
export {
  FIP_ARTIFACT,
  fipPrefix,
  fipSubject,
  planFipAttach,
  planFipDetach,
  planFipMove,
  type FipAttachIntent,
  type FipDetachIntent,
  type FipEnd,
  type FipIntentRecord,
  type FipMoveIntent,
} from './floating-ip.ts';
