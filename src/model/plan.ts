import type { Family } from './route.ts';

/** Workload kinds here; tenant provisioning, floating IPs, anti-spoof repair and shared-service NAT (issue 8); reconcile (issue 15). */
export const PLAN_KINDS = [
  'create',
  'migrate',
  'decommission',
  'tenant',
  'floating-ip',
  'guard-repair',
  'shared-service',
  'reconcile',
] as const;
export type PlanKind = (typeof PLAN_KINDS)[number];
/** `discarded`: planned but never applied (its reservations were released). */
export type PlanStatus =
  'planned' | 'applying' | 'applied' | 'failed' | 'rolled-back' | 'interrupted' | 'discarded';

/** What a step sends to one device: shell commands over SSH, or a VyOS API batch. */
export type StepAction =
  | { type: 'ssh'; commands: string[] }
  | {
      type: 'vyos-configure';
      commands: { op: 'set' | 'delete'; path: string[]; value?: string }[];
      /** Commit-confirm minutes (1.5 rolling): confirmed once read back and verified. Absent: a plain commit. */
      confirmMinutes?: number;
    };

/** A check on the live store after a step: a prefix seen (or gone) on routers, optionally via a host. */
export interface Verification {
  prefix: string;
  vrf: string;
  expect: 'announced-by' | 'withdrawn';
  /** For `announced-by`: the hypervisor every router must use as next hop. */
  host?: string;
  routers: string[];
  timeoutMs: number;
}

/** One phase of a make-before-break undo (Step.undoPhases): SSH commands on a device, then routers checked. */
export interface UndoPhase {
  device: string;
  commands: string[];
  /** Waited for before the next phase; not holding in time is said, and the undo goes on. */
  verify: Verification[];
  /** Also tried when an earlier phase failed for good: it puts back what the first phase changed. */
  always?: boolean;
}

export interface Step {
  id: string;
  device: string;
  description: string;
  action: StepAction;
  /** What undoes this step if a later one fails (run in reverse order). */
  rollback: StepAction | null;
  /**
   * Present on an announcing step whose plain undo would withdraw a route the routers still use: run
   * instead of `rollback` (whose net effect on this device it has), the previous holder is preferred
   * again and the routers are seen using it before this step's routes go (make-before-break).
   */
  undoPhases?: UndoPhase[];
  verify: Verification[];
  timeoutMs: number;
  /**
   * Once this step ran, undoing the network would strand the workload (the compute hook moved it):
   * a later failure stops without rolling back anything, and says so.
   */
  irreversible?: boolean;
}

/** Config before/after per device, for the diff preview; same source as the commands sent. */
export interface DeviceDiff {
  device: string;
  before: string[];
  after: string[];
}

/** A route that will appear or disappear on a router (the semantic summary of the preview). */
export interface RouteChange {
  router: string;
  vrf: string;
  family: Family;
  prefix: string;
  change: 'appears' | 'disappears' | 'moves';
  fromHost?: string;
  toHost?: string;
}

export interface Plan {
  id: string;
  kind: PlanKind;
  createdAt: string;
  operator: string;
  workload: string;
  tenant: string;
  summary: string;
  steps: Step[];
  diffs: DeviceDiff[];
  routeChanges: RouteChange[];
  /** Extra files a create produces (cloud-init meta-data, user-data, network-config). */
  artifacts: Record<string, string>;
  /** What the plan was made against; apply refuses, sending nothing, when one no longer holds. */
  preconditions?: Precondition[];
}

/** A fact at planning time that apply checks against the registry and the live fabric. */
export type Precondition =
  /** The registry's record of a workload: where it was and in which state. */
  | { kind: 'workload'; workload: string; host: string; state: WorkloadRecord['state'] }
  /** The hypervisors announcing a prefix in a VRF (sorted; empty: nobody). */
  | { kind: 'announced'; prefix: string; vrf: string; hosts: string[] };

export interface WorkloadRecord {
  name: string;
  tenant: string;
  vrf: string;
  host: string;
  tap: string;
  ipv4: string;
  ipv6Prefix: string;
  extraAllowed: string[];
  state: 'planned' | 'active' | 'migrating' | 'decommissioning' | 'retired';
}
