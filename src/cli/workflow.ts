/**
 * `routedeck plan|apply|audit`: the workflows without the console. A plan is stored in the
 * registry when it is made (a create reserves its addresses) and may be written to a file with
 * `-o`; `apply` takes that file or the plan id, shows the preview, asks (or `--yes`), applies,
 * and prints the timeline as it happens.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ExecEvent } from '../workflows/execute/index.ts';
import {
  planFileRegistry,
  planFromJson,
  PlanFileError,
  planToJson,
  renderPreview,
} from '../workflows/plan/index.ts';
import { WorkflowError, type WorkflowService } from '../workflows/service/index.ts';
import type { Plan } from '../model/plan.ts';
import { safeBlock, safeText } from '../model/text.ts';
import { LeaseHeldError } from '../registry/index.ts';
import { findRunningSimLab } from '../lab/sim/lab.ts';
import { loadInventoryFile } from '../inventory/load.ts';
import { resolveInventory, simLabDirFor } from './get.ts';
import type { CliIo } from './run.ts';
import { runPlanList } from './audit.ts';
import { useColor } from './table.ts';
import { TimelinePrinter } from './timeline-printer.ts';
import { seedDirProblem, writeSeed } from './cloud-init-seed.ts';
import { UsageError } from './usage.ts';
import { openFabric, openWorkflows, registryPathFor } from './wiring.ts';

export interface WorkflowValues {
  inventory?: string;
  lab?: boolean;
  'lab-netns'?: boolean;
  registry?: string;
  operator?: string;
  tenant?: string;
  host?: string;
  to?: string;
  mac?: string;
  output?: string;
  'cloud-init-dir'?: string;
  yes?: boolean;
  resume?: string;
  rollback?: string;
  'break-before-make'?: boolean;
  plan?: string;
  limit?: string;
  json?: boolean;
}

interface Session {
  service: WorkflowService;
  close(): Promise<void>;
}

/** The fabric (polled once), the registry and the service; interrupted plans are announced on stderr. */
export async function openSession(values: WorkflowValues, io: CliIo): Promise<Session> {
  if ([values.lab, values['lab-netns'], values.inventory !== undefined].filter(Boolean).length > 1)
    throw new UsageError('choose one of --inventory, --lab and --lab-netns');
  let opened;
  if (values.lab) {
    // The lab must outlive this command: a plan made on a lab that then vanished cannot be applied.
    const running = await findRunningSimLab(simLabDirFor(io.env));
    if (!running)
      throw new UsageError('no embedded lab is running: start one with `routedeck lab sim` (or `npm start`)');
    opened = {
      inventory: loadInventoryFile(running.inventoryPath),
      source: { kind: 'lab-sim' as const, label: 'LAB (simulated)' },
    };
  } else opened = resolveInventory(values, io.env);
  const fabric = openFabric(opened.inventory, opened.source);
  try {
    await fabric.poller.pollNow();
    const wf = await openWorkflows(opened.inventory, fabric, {
      registryPath: registryPathFor(opened.inventory, opened.source, io.env, values.registry),
      ...(values.operator ? { operator: values.operator } : {}),
    });
    wf.service.adoptLive();
    for (const p of wf.service.markInterrupted()) {
      const done = wf.service.completed(p.plan);
      io.stderr.write(
        `routedeck: plan ${p.plan.id} (${safeText(p.plan.summary)}) was interrupted after ${done.length} of ` +
          `${p.plan.steps.length} step(s) (${safeText(done.join(', ')) || 'none'}).\n` +
          `  resume:    routedeck apply --resume ${p.plan.id}\n` +
          `  roll back: routedeck apply --rollback ${p.plan.id}\n`,
      );
    }
    boundRegistry = wf.registry.registryId();
    return {
      service: wf.service,
      close: async () => {
        boundRegistry = undefined;
        wf.close();
        await fabric.close();
      },
    };
  } catch (error) {
    await fabric.close();
    throw error;
  }
}

/** WorkflowError and friends are the engineer's input being refused: exit 2, nothing sent. */
export async function guarded(io: CliIo, fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof WorkflowError || error instanceof PlanFileError || error instanceof LeaseHeldError) {
      // The refusal may quote a device's reply (a VyOS API error): escaped, never executed.
      io.stderr.write(`routedeck: ${safeBlock(error.message)}\nNothing was sent.\n`);
      return 2;
    }
    throw error;
  }
}

const KINDS = ['create', 'migrate', 'decommission', 'discard', 'list'] as const;
const WORKLOAD_KINDS: readonly string[] = ['create', 'migrate', 'decommission', 'reconcile'];

export async function runPlan(rest: string[], values: WorkflowValues, io: CliIo): Promise<number> {
  const [kind, name, ...extra] = rest;
  if (kind === 'list' && !name) return runPlanList(values, io);
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

// The open session's registry id, written into plan files: a file is applied only against the
// registry it was planned in (one command, one session, so one value at a time).
let boundRegistry: string | undefined;

/** A made plan: to `-o FILE` (hashed JSON), then as JSON (`--json`) or the coloured preview with how to apply it. */
export async function printPlan(
  plan: Plan,
  values: { output?: string | undefined; json?: boolean; lab?: boolean; 'lab-netns'?: boolean },
  io: CliIo,
): Promise<void> {
  if (values.output) await writeFile(values.output, planToJson(plan, boundRegistry), { mode: 0o600 });
  if (values.json) {
    io.stdout.write(planToJson(plan, boundRegistry));
    return;
  }
  io.stdout.write(colorPreview(renderPreview(plan), useColor(io.stdout as NodeJS.WriteStream)));
  io.stdout.write(
    `\nPlanned (nothing sent). Apply with: routedeck apply ${values.output ?? plan.id}` +
      `${values.lab ? ' --lab' : values['lab-netns'] ? ' --lab-netns' : ''}\n`,
  );
}

/**
 * The preview's diff lines in colour on a terminal: `+` green, `-` red, commands bold. Its lines
 * quote device config and names, escaped first so only our own colours reach the terminal.
 */
export function colorPreview(preview: string, color: boolean): string {
  const text = safeBlock(preview);
  if (!color) return text;
  return text
    .split('\n')
    .map((line) =>
      line.startsWith('+ ') || line.startsWith('+++')
        ? `\u001b[32m${line}\u001b[0m`
        : line.startsWith('- ') || line.startsWith('---')
          ? `\u001b[31m${line}\u001b[0m`
          : line.startsWith('    $ ')
            ? `\u001b[1m${line}\u001b[0m`
            : line,
    )
    .join('\n');
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
          ? await service.resume(plan.id, { onEvent })
          : mode === 'rollback'
            ? await service.rollback(plan.id, { onEvent })
            : await service.apply(plan, { onEvent });
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
