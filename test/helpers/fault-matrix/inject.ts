/**
 * Fires one fault at one step of a plan on the embedded lab, at the moment the step's device
 * receives the step's command (wrapping the simulated device's exec; the faults themselves are the
 * lab's own, the same the control socket sends).
 */
import type { Plan, Step, StepAction } from '../../../src/model/plan.ts';
import type { SimLab } from '../../../src/lab/sim/lab.ts';
import type { Fault } from './types.ts';

export interface FaultTiming {
  /** How long an SSH drop refuses new connections, and how long a 503 lasts (default 8 s). */
  dropMs: number;
  /** How long a flapped BGP session stays down (default 3 s). */
  flapMs: number;
}

export const DEFAULT_TIMING: FaultTiming = { dropMs: 8000, flapMs: 3000 };

export interface ArmedFault {
  readonly fired: boolean;
  /** Restores the devices' exec and ends every fault still in force. */
  disarm(): void;
}

const sshCommands = (action: StepAction | null): string[] => (action?.type === 'ssh' ? action.commands : []);

/** Whether a fault means anything for a step (undefined: it does), else why not. */
export function notApplicable(step: Step, fault: Fault): string | undefined {
  if (step.action.type !== 'ssh' || sshCommands(step.action).length === 0) return 'no SSH commands';
  if (fault === 'ssh-drop-rollback' && sshCommands(step.rollback).length === 0) return 'no rollback';
  // These plan kinds write only over SSH; routers (and their HTTPS API, read for VRFs) are read while verifying.
  if ((fault === 'api-503' || fault === 'bgp-flap') && step.verify.length === 0) return 'no verification';
  return undefined;
}

/**
 * Arms `fault` on `plan.steps[index]`. `kill` is called for the kill -9 faults, after the step's
 * first command ran on the device and before its reply goes back.
 */
export function armFault(
  lab: SimLab,
  plan: Plan,
  index: number,
  fault: Fault,
  timing: FaultTiming,
  kill?: () => void,
): ArmedFault {
  const step = plan.steps[index];
  if (!step) throw new Error(`plan ${plan.id} has no step ${index}`);
  const device = lab.fabric.device(step.device);
  if (!device) throw new Error(`the lab has no device ${step.device}`);
  const routers = lab.fabric
    .devices()
    .filter((d) => d.kind === 'vyos')
    .map((d) => d.name);
  const forward = sshCommands(step.action);
  const undo = sshCommands(step.rollback);
  const timers: NodeJS.Timeout[] = [];
  let fired = false;
  let stage: 'step' | 'rollback' | 'done' = 'step';
  const trigger = fault === 'api-503' || fault === 'bgp-flap' ? forward.at(-1) : forward[0];

  const original = device.exec;
  device.exec = async (command: string) => {
    if (stage === 'step' && command === trigger) {
      const result = await original.call(device, command);
      stage = fault === 'ssh-drop-rollback' ? 'rollback' : 'done';
      if (fault === 'ssh-drop-rollback') {
        // A cut with no refusal: the step fails (its reply is lost), its rollback starts at once.
        lab.faults.dropSsh(step.device, 0);
        return result;
      }
      fired = true;
      if (fault === 'ssh-drop-step') lab.faults.dropSsh(step.device, timing.dropMs);
      else if (fault === 'api-503') {
        for (const r of routers) lab.faults.setApiFault(r, { status: 503 });
        timers.push(
          setTimeout(() => {
            for (const r of routers) lab.faults.setApiFault(r, { status: null });
          }, timing.dropMs),
        );
      } else if (fault === 'bgp-flap') {
        const router = routers[0];
        if (router) lab.faults.flap(step.device, router, timing.flapMs);
      } else kill?.();
      return result;
    }
    if (stage === 'rollback' && undo.includes(command)) {
      stage = 'done';
      fired = true;
      const result = await original.call(device, command);
      lab.faults.dropSsh(step.device, timing.dropMs);
      return result;
    }
    return original.call(device, command);
  };
  return {
    get fired() {
      return fired;
    },
    disarm() {
      device.exec = original;
      for (const t of timers) clearTimeout(t);
      lab.faults.clear();
    },
  };
}
