import type { Plan, WorkloadRecord } from '../../src/model/plan.ts';
import type { StoredPlan } from '../../src/registry/index.ts';
import type { WorkflowController } from './controller.ts';
import { choiceField, formValues, initialForm, textField, type Choice, type FormState } from './form.ts';

/** The screen a workflow shows in place of the view: wizard → plan → timeline, or the resume dialog. */
export type Flow =
  | {
      screen: 'wizard';
      kind: 'create' | 'migrate' | 'guard-repair';
      workload: WorkloadRecord | null;
      form: FormState;
    }
  | { screen: 'plan'; plan: Plan; typed: string; scroll: number; error: string | null }
  | { screen: 'timeline'; scroll: number; verbose: boolean }
  | { screen: 'resume'; stored: StoredPlan; done: string[] };

export const MODES = ['make-before-break', 'break-before-make'] as const;

function hostChoices(controller: WorkflowController, except?: string): Choice[] {
  return controller
    .hypervisors()
    .filter((h) => h.name !== except)
    .map((h) => ({ value: h.name, note: h.health, bad: h.health !== 'ok', device: h.name }));
}

export function createWizard(controller: WorkflowController): Flow {
  const tenants = controller.tenants().map((t) => ({ value: t.name, note: `VRF ${t.vrf}` }));
  return {
    screen: 'wizard',
    kind: 'create',
    workload: null,
    form: initialForm([
      textField('name', 'name', 'a DNS label: lower-case letters, digits, -'),
      choiceField('tenant', 'tenant', tenants),
      choiceField('host', 'host', hostChoices(controller)),
    ]),
  };
}

export function migrateWizard(controller: WorkflowController, workload: WorkloadRecord): Flow {
  return {
    screen: 'wizard',
    kind: 'migrate',
    workload,
    form: initialForm([
      choiceField('target', 'target host', hostChoices(controller, workload.host)),
      choiceField(
        'mode',
        'order',
        MODES.map((m) => ({
          value: m,
          note:
            m === 'make-before-break' ? 'announce on target first: no loss' : 'withdraw first: ~125 ms loss',
        })),
        { fixed: true },
      ),
    ]),
  };
}

/** Every hypervisor in a guard repair: the wizard's choice that plans them all. */
export const ALL_HOSTS = 'all';

/** `R` in `:guard`: which hypervisor to repair — the selected row's first, or every one with drift. */
export function guardRepairWizard(controller: WorkflowController, selected: string | null): Flow {
  const reports = controller.guardReports();
  const drifting = reports.filter((r) => r.state === 'drift');
  const note = (state: string, n: number) => (state === 'drift' ? `drift (${n})` : state);
  const hosts: Choice[] = reports.map((r) => ({
    value: r.device,
    note: note(r.state, r.drift.length),
    bad: r.state !== 'drift',
  }));
  const all: Choice = {
    value: ALL_HOSTS,
    note: `${drifting.length} host(s) with drift`,
    bad: drifting.length === 0,
  };
  const initial = selected && reports.some((r) => r.device === selected) ? selected : ALL_HOSTS;
  return {
    screen: 'wizard',
    kind: 'guard-repair',
    workload: null,
    form: initialForm([choiceField('host', 'hypervisor', [all, ...hosts], { initial })]),
  };
}

/** The wizard's form handed to the service's planner; a refusal (WorkflowError) comes back thrown. */
export function planFromWizard(controller: WorkflowController, flow: Flow & { screen: 'wizard' }): Plan {
  const values = formValues(flow.form);
  if (flow.kind === 'create') {
    if (!values.name) throw new Error('a workload needs a name');
    return controller.service.planCreate({
      name: values.name,
      tenant: values.tenant ?? '',
      host: values.host ?? '',
    });
  }
  if (flow.kind === 'guard-repair') {
    const host = values.host ?? '';
    return controller.planGuardRepair(host === ALL_HOSTS || host === '' ? undefined : host);
  }
  return controller.service.planMigrate({
    name: flow.workload!.name,
    target: values.target ?? '',
    breakBeforeMake: values.mode === 'break-before-make',
  });
}

export function planScreen(plan: Plan): Flow {
  return { screen: 'plan', plan, typed: '', scroll: 0, error: null };
}
