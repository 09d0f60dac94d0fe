/**
 * The real-FRR lab: routers and hypervisors as Linux network namespaces running FRR and OpenSSH,
 * workloads as namespaces behind TAP-like veths. Root on Linux only; see netnsCanRun().
 */
export { netnsCanRun } from './can-run.ts';
export { netnsDown } from './down.ts';
export {
  acquireNetnsLock,
  claimNetnsLabForCli,
  describeOwner,
  netnsLockDir,
  NetnsLockBusyError,
  readLockOwner,
  type CliLabClaim,
  type LockOptions,
  type NetnsLockOwner,
} from './lock.ts';
export { runInNamespace, tryRunInNamespace, type RunResult } from './exec.ts';
export { FRR_DAEMONS, startFrrDaemon, stopFrrDaemon, vtysh, type FrrDaemon } from './frr.ts';
export {
  attachGuest,
  detachGuest,
  GUEST_HOOK_TEMPLATE,
  guestIface,
  guestIpv6Address,
  guestNamespace,
  removeGuest,
  type GuestLeg,
} from './guest.ts';
export { currentHost, hypervisorLegs } from './network.ts';
export { type WorkloadInfo } from './outputs.ts';
export { parsePing, startPing, type PingStats, type RunningPing } from './ping.ts';
export {
  firstInstalled,
  parseRouteMonitor,
  startRouteMonitor,
  type RouteEvent,
  type RunningRouteMonitor,
} from './route-monitor.ts';
export { labDir, labFiles, type DirOptions } from './paths.ts';
export {
  LAB_DAEMONS,
  netnsStatus,
  type LabDaemon,
  type NetnsDeviceStatus,
  type NetnsStatus,
  type NetnsWorkloadStatus,
} from './status.ts';
export {
  DEVICES,
  FABRIC_LINKS,
  MGMT_BRIDGE,
  NS_PREFIX,
  TENANTS,
  WORKLOADS,
  labNamespace,
} from './topology.ts';
export { netnsUp, type NetnsDeviceInfo, type NetnsLabInfo } from './up.ts';
export { VMGUARD_TABLE } from './vmguard.ts';
