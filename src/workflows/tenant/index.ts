export {
  checkTenantInput,
  MAX_VLAN_ID,
  type HostFacts,
  type RouterFacts,
  type TenantIntent,
  type TenantPlanInput,
} from './intent.ts';
export {
  hostConfigLines,
  planTenantProvisioning,
  prefixListNames,
  rollbackMode,
  routerCommands,
  routerUndo,
} from './plan.ts';
export {
  changeProtocolText,
  probeConfirmAction,
  probeVyosVersion,
  supportsCommitConfirm,
  type ConfirmAction,
} from './version.ts';
