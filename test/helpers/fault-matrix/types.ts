/**
 * The fault matrix (issue 15 item 3): plan kinds × steps × faults, each run on the embedded lab and
 * then through the tool's own recovery path, after which one invariant must hold.
 */
import type { Plan } from '../../../src/model/plan.ts';

export const FAULT_KINDS = ['create', 'migrate-mbb', 'migrate-bbm', 'decommission', 'fip-move'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export const FAULTS = [
  'ssh-drop-step',
  'ssh-drop-rollback',
  'api-503',
  'bgp-flap',
  'kill9-resume',
  'kill9-rollback',
] as const;
export type Fault = (typeof FAULTS)[number];

/** What a case is about: a workload's /32 and /64, or one floating IP. */
export type Subject =
  | { type: 'workload'; name: string; vrf: string; prefixes: string[] }
  | { type: 'fip'; prefix: string; vrf: string };

export interface FaultCase {
  kind: FaultKind;
  /** Index into the plan's steps, and the step's id (for the report). */
  step: number;
  stepId: string;
  fault: Fault;
}

export interface CaseOutcome extends FaultCase {
  /** Fault never fired (the step was not reached or not sent): the case says nothing. */
  fired: boolean;
  held: boolean;
  /** What was wrong, one line each, when the invariant did not hold. */
  problems: string[];
  /** The apply's result line and each recovery step run, in order. */
  trail: string[];
  ms: number;
}

/** A plan made for one case, with what the invariant is about. */
export interface PlannedCase {
  planId: string;
  plan: Plan;
  subject: Subject;
}

export const caseName = (c: FaultCase): string => `${c.kind}/${c.stepId}/${c.fault}`;
