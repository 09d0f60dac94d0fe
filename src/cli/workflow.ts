/**
 * `routedeck plan|apply|audit`: the workflows without the console. A plan is stored in the
 * registry when it is made (a create reserves its addresses) and may be written to a file with
 * `-o`; `apply` takes that file or the plan id, shows the preview, asks (or `--yes`), applies,
 * and prints the timeline as it happens.
 */
import { readFile } from 'node:fs/promises';
import { StepFailure, type ExecEvent } from '../workflows/execute/index.ts';
import { manualMove } from '../workflows/plan/manual-move.ts';
import { planFileRegistry, planFromJson, renderPreview } from '../workflows/plan/index.ts';
import { WorkflowError, type ApplyOptions, type WorkflowService } from '../workflows/service/index.ts';
import type { Plan } from '../model/plan.ts';
import { safeText } from '../model/text.ts';
import { seedDirProblem, writeSeed } from './common/cloud-init-seed.ts';
import type { CliIo } from './common/io.ts';
import { colorPreview, guarded, openSession, printPlan, type WorkflowValues } from './common/session.ts';
import { useColor } from './common/table.ts';
import { TimelinePrinter } from './common/timeline-printer.ts';
import { UsageError } from './usage.ts';

const KINDS = ['create', 'migrate', 'decommission', 'discard', 'list'] as const;
const WORKLOAD_KINDS: readonly string[] = ['create', 'migrate', 'decommission', 'reconcile'];

export async function runPlan(rest: string[], values: WorkflowValues, io: CliIo): Promise<number> {
  const [kind, name, ...extra] = rest;
  if (!kind || !(KINDS as readonly string[]).includes(kind) || !name || extra.length > 0) {
    throw new UsageError(
      'plan needs: create NAME --tenant T --host H | migrate NAME --to H | decommission NAME | discard PLAN-ID | list',
    );
  }
  if (kind === 'create' && (!values.tenant || !values.host))
    throw new UsageError('plan create needs --tenant and --host');
  if (kind === 'migrate' && !values.to) throw new UsageError('plan migrate needs --to HOST');
  const seedDir = values['cloud-init-dir'];
  if (seedDir !== undefined && kind !== 'create')
    throw new UsageError('--cloud-init-dir goes with plan create (the guest seed of a new workload)');
  // Checked before planning: a create reserves addresses, so a seed that cannot be written must refuse first.
  const seedProblem = seedDir === undefined ? null : seedDirProblem(seedDir);
  if (seedProblem) {
    io.stderr.write(`routedeck: ${seedProblem}\nNothing was planned or written.\n`);
    return 2;
  }
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const { service } = session;
      if (kind === 'discard') {
        service.discard(name);
        io.stdout.write(`plan ${name} discarded\n`);
        return 0;
      }
      const plan =
        kind === 'create'
          ? service.planCreate({
              name,
              tenant: values.tenant!,
              host: values.host!,
              ...(values.mac ? { mac: values.mac } : {}),
            })
          : kind === 'migrate'
            ? service.planMigrate({
                name,
                target: values.to!,
                ...(values['break-before-make'] ? { breakBeforeMake: true } : {}),
              })
            : service.planDecommission({ name });
      await printPlan(plan, values, io);
      if (seedDir !== undefined) {
        const seed = writeSeed(seedDir, plan.artifacts);
        io.stdout.write(
          `Cloud-init NoCloud seed: ${seed.files.map((f) => safeText(f)).join(', ')}` +
            (seed.iso
              ? `; ISO (volume cidata): ${safeText(seed.iso)}\n`
              : `\n  (no cidata ISO: ${seed.isoError ? safeText(seed.isoError) : 'install genisoimage or xorriso for one'})\n`),
        );
      }
      return 0;
    });
  } finally {
    await session.close();
  }
}

/** A plan id, or a plan file whose plan the registry may hold: then the registry's copy (a differing file is refused). */
async function loadPlanArg(arg: string, service: WorkflowService): Promise<Plan> {
  const stored = service.plan(arg);
  if (stored) return stored.plan;
  let text: string;
  try {
    text = await readFile(arg, 'utf8');
  } catch (error) {
    throw new WorkflowError(
      `"${arg}" is neither a plan id in the registry nor a readable plan file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    );
  }
  const plan = planFromJson(text);
  const bound = planFileRegistry(text);
  const here = service.registry.registryId();
  if (bound !== undefined && bound !== here)
    throw new WorkflowError(
      `plan file ${arg} was planned against another registry (id ${bound}); this console's registry ` +
        `${service.registry.path} is ${here}: apply it with --registry pointing where it was planned, or plan it again here`,
    );
  return service.registryCopy(plan);
}

export async function runApply(rest: string[], values: WorkflowValues, io: CliIo): Promise<number> {
  const mode = values.resume ? 'resume' : values.rollback ? 'rollback' : 'apply';
  if (values.resume && values.rollback) throw new UsageError('choose one of --resume and --rollback');
  if (mode === 'apply' && rest.length !== 1) throw new UsageError('apply needs one plan file or plan id');
  if (mode !== 'apply' && rest.length !== 0)
    throw new UsageError(`apply --${mode} takes the plan id as its value`);
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const { service } = session;
      const planId = values.resume ?? values.rollback;
      const plan = planId
        ? (service.interrupted().find((p) => p.plan.id === planId)?.plan ?? service.plan(planId)?.plan)
        : await loadPlanArg(rest[0]!, service);
      if (!plan) throw new WorkflowError(`no plan ${planId} in the registry`);
      // Refuse before printing: a whole preview of a plan that will not run reads as if it might.
      const stored = mode === 'apply' ? service.plan(plan.id) : undefined;
      if (stored && stored.status !== 'planned')
        throw new WorkflowError(`plan ${plan.id} is ${stored.status}; only a planned plan can be applied`);
      const color = useColor(io.stdout as NodeJS.WriteStream);
      if (mode === 'apply') io.stdout.write(colorPreview(renderPreview(plan), color));
      else io.stdout.write(`${mode} plan ${plan.id}: ${safeText(plan.summary)}\n`);
      if (!values.yes) {
        if (!io.confirm)
          throw new UsageError(`no terminal to confirm on: pass --yes to ${mode} plan ${plan.id}`);
        const question =
          mode === 'rollback'
            ? `Roll back plan ${plan.id}? [y/N] `
            : `${mode === 'resume' ? 'Resume' : 'Apply'} plan ${plan.id} to the network? [y/N] `;
        if (!(await io.confirm(question))) {
          io.stdout.write('Not applied; nothing was sent.\n');
          return 1;
        }
      }
      const timeline = new TimelinePrinter(io.stdout);
      const onEvent = (e: ExecEvent) => timeline.event(e);
      const result =
        mode === 'resume'
          ? await service.resume(plan.id, { onEvent, ...pauseForMove(plan, values, io, service.operator) })
          : mode === 'rollback'
            ? await service.rollback(plan.id, { onEvent })
            : await service.apply(plan, { onEvent, ...pauseForMove(plan, values, io, service.operator) });
      // Only the workload kinds have a workload record; `plan list` shows the others' outcome.
      const state = WORKLOAD_KINDS.includes(plan.kind)
        ? (service.registry.workload(plan.workload)?.state ?? 'removed')
        : null;
      timeline.summary(result, state);
      return result.status === 'applied' || (mode === 'rollback' && result.status === 'rolled-back') ? 0 : 1;
    });
  } finally {
    await session.close();
  }
}

/**
 * A migrate with no compute hook: before the source withdraws, the engineer moves the VM and says so
 * ("VM moved, continue?"); with --yes the apply does not stop (the VM is moved by other means).
 */
function pauseForMove(
  plan: Plan,
  values: WorkflowValues,
  io: CliIo,
  operator: string,
): Pick<ApplyOptions, 'beforeStep'> {
  const move = manualMove(plan);
  if (!move) return {};
  if (values.yes || !io.confirm) {
    io.stdout.write(`${move.text} (--yes: not pausing)\n`);
    return {};
  }
  const confirm = io.confirm;
  return {
    beforeStep: async (step) => {
      if (step.id !== move.beforeStep) return;
      io.stdout.write(`${move.text}: move ${plan.workload} now.\n`);
      if (!(await confirm('VM moved, continue? [y/N] ')))
        throw new StepFailure(`stopped before ${step.id}: the VM was not moved`, false);
      // From here the network follows the VM: a later failure is not rolled back (executor).
      return { irreversible: `${operator} confirmed ${plan.workload} moved by hand` };
    },
  };
}
