/**
 * The tool's own recovery paths after a fault, as a list so new ones slot in: the auto rollback
 * happens inside `apply`; a killed apply gets `apply --resume` or `apply --rollback`; and, when this
 * build has it, `plan reconcile W` + `apply` as the last step for whatever is still not right.
 */
import { USAGE } from '../../../src/cli/usage.ts';
import { planIdOf, type FaultLab } from './lab.ts';
import type { Fault } from './types.ts';

export interface RecoveryContext {
  planId: string;
  /** The plan's workload (a floating IP's plan names its owner). */
  workload: string;
}

export interface RecoveryStep {
  name: string;
  /** Run only when the invariant does not hold after the steps before it. */
  onlyIfBroken: boolean;
  /** Runs the step; returns one line for the case's trail. */
  run(flab: FaultLab, ctx: RecoveryContext): Promise<string>;
}

/** The last line of the CLI's output that says how it ended, for the trail. */
export function outcomeLine(out: { code: number; stdout: string; stderr: string }): string {
  const result = /^Result: .*$/m.exec(out.stdout)?.[0];
  const error = out.stderr.trim().split('\n')[0];
  return `exit ${out.code}${result ? `, ${result}` : ''}${out.code !== 0 && error ? ` — ${error}` : ''}`;
}

const applyWith = (flag: '--resume' | '--rollback'): RecoveryStep => ({
  name: `apply ${flag}`,
  onlyIfBroken: false,
  async run(flab, { planId }) {
    return `apply ${flag}: ${outcomeLine(await flab.run(['apply', flag, planId, '--yes']))}`;
  },
});

/** `routedeck plan reconcile` exists in this build (issue 15 item 1 lands on its own branch). */
export function reconcileAvailable(): boolean {
  return USAGE.includes('plan reconcile');
}

export const reconcileStep: RecoveryStep = {
  name: 'plan reconcile + apply',
  onlyIfBroken: true,
  async run(flab, { workload }) {
    const planned = await flab.run(['plan', 'reconcile', workload]);
    const id = planIdOf(planned.stdout);
    if (!id) return `plan reconcile: ${outcomeLine(planned)} (no plan)`;
    return `plan reconcile ${id}: ${outcomeLine(await flab.run(['apply', id, '--yes']))}`;
  },
};

/** What runs after the faulted apply, in order. */
export function recoveryFor(fault: Fault, withReconcile = reconcileAvailable()): RecoveryStep[] {
  const steps: RecoveryStep[] = [];
  if (fault === 'kill9-resume') steps.push(applyWith('--resume'));
  if (fault === 'kill9-rollback') steps.push(applyWith('--rollback'));
  if (withReconcile) steps.push(reconcileStep);
  return steps;
}
