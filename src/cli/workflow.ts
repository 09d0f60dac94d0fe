/**
 * `routedeck plan|apply|audit`: the workflows without the console. A plan is stored in the
 * registry when it is made (a create reserves its addresses) and may be written to a file with
 * `-o`; `apply` takes that file or the plan id, shows the preview, asks (or `--yes`), applies,
 * and prints the timeline as it happens.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { ExecEvent, ExecResult } from '../workflows/execute/index.ts';
import { planFromJson, PlanFileError, planToJson, renderPreview } from '../workflows/plan/index.ts';
import { WorkflowError, type WorkflowService } from '../workflows/service/index.ts';
import type { Plan } from '../model/plan.ts';
import { LeaseHeldError, openRegistry, type AuditRecord } from '../registry/index.ts';
import { findRunningSimLab } from '../lab/sim/lab.ts';
import { loadInventoryFile } from '../inventory/load.ts';
import { resolveInventory, simLabDirFor } from './get.ts';
import type { CliIo } from './run.ts';
import { renderTable, useColor } from './table.ts';
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
        `routedeck: plan ${p.plan.id} (${p.plan.summary}) was interrupted after ${done.length} of ` +
          `${p.plan.steps.length} step(s) (${done.join(', ') || 'none'}).\n` +
          `  resume:    routedeck apply --resume ${p.plan.id}\n` +
          `  roll back: routedeck apply --rollback ${p.plan.id}\n`,
      );
    }
    return {
      service: wf.service,
      close: async () => {
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
      io.stderr.write(`routedeck: ${error.message}\nNothing was sent.\n`);
      return 2;
    }
    throw error;
  }
}

const KINDS = ['create', 'migrate', 'decommission', 'discard', 'list'] as const;

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
      return 0;
    });
  } finally {
    await session.close();
  }
}

/** Plans in the registry, newest last: what is planned and not applied (discard it) or interrupted. */
async function runPlanList(values: WorkflowValues, io: CliIo): Promise<number> {
  const registry = await openRegistryOnly(values, io);
  try {
    const plans = registry.plans();
    io.stdout.write(
      renderTable(
        plans,
        [
          { header: 'PLAN', value: (p) => p.plan.id },
          { header: 'KIND', value: (p) => p.plan.kind },
          { header: 'WORKLOAD', value: (p) => p.plan.workload },
          { header: 'OPERATOR', value: (p) => p.plan.operator },
          {
            header: 'STATUS',
            value: (p) => p.status,
            color: (p) =>
              p.status === 'applied'
                ? 'green'
                : p.status === 'planned'
                  ? 'yellow'
                  : p.status === 'discarded'
                    ? 'dim'
                    : 'red',
          },
          { header: 'UPDATED', value: (p) => p.updatedAt.toISOString().replace('T', ' ').slice(0, 19) },
          { header: 'SUMMARY', value: (p) => p.detail ?? p.plan.summary },
        ],
        { color: useColor(io.stdout as NodeJS.WriteStream) },
      ),
    );
    if (plans.length === 0) io.stdout.write('(no plans)\n');
    return 0;
  } finally {
    registry.close();
  }
}

/** A made plan: to `-o FILE` (hashed JSON), then as JSON (`--json`) or the coloured preview with how to apply it. */
export async function printPlan(
  plan: Plan,
  values: { output?: string | undefined; json?: boolean; lab?: boolean; 'lab-netns'?: boolean },
  io: CliIo,
): Promise<void> {
  if (values.output) await writeFile(values.output, planToJson(plan), { mode: 0o600 });
  if (values.json) {
    io.stdout.write(planToJson(plan));
    return;
  }
  io.stdout.write(colorPreview(renderPreview(plan), useColor(io.stdout as NodeJS.WriteStream)));
  io.stdout.write(
    `\nPlanned (nothing sent). Apply with: routedeck apply ${values.output ?? plan.id}` +
      `${values.lab ? ' --lab' : values['lab-netns'] ? ' --lab-netns' : ''}\n`,
  );
}

/** The preview's diff lines in colour on a terminal: `+` green, `-` red, commands bold. */
export function colorPreview(text: string, color: boolean): string {
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
  return planFromJson(text);
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
      else io.stdout.write(`${mode} plan ${plan.id}: ${plan.summary}\n`);
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
      // A floating IP or a tenant is no workload: `plan fip list` / `plan list` show their records.
      const state =
        plan.kind === 'floating-ip' || plan.kind === 'tenant'
          ? null
          : (service.registry.workload(plan.workload)?.state ?? 'removed');
      timeline.summary(result, state);
      return result.status === 'applied' || (mode === 'rollback' && result.status === 'rolled-back') ? 0 : 1;
    });
  } finally {
    await session.close();
  }
}

/** Lines as the plan runs: steps with their commands, verification per router, rollbacks. */
class TimelinePrinter {
  private start = 0;
  private steps = new Map<string, number>();
  private converged = new Set<string>();
  constructor(private readonly out: NodeJS.WritableStream) {}

  private at(t: number): string {
    return `+${((t - this.start) / 1000).toFixed(3)}s`.padStart(9);
  }

  event(e: ExecEvent): void {
    const w = (line: string) => this.out.write(`${line}\n`);
    switch (e.type) {
      case 'start':
        this.start = e.at;
        w(`${this.at(e.at)} plan ${e.planId} started`);
        break;
      case 'step-start':
        this.steps.set(e.step, e.at);
        w(`${this.at(e.at)} step ${e.step} on ${e.device}`);
        break;
      case 'command':
        w(`${' '.repeat(9)}   $ ${e.command}  → ${e.code === null ? 'no answer' : `exit ${e.code}`}`);
        break;
      case 'verify-progress': {
        const key = `${e.step}|${e.router}|${e.prefix}`;
        if (e.satisfied && !this.converged.has(key)) {
          this.converged.add(key);
          const since = e.at - (this.steps.get(e.step) ?? e.at);
          w(`${this.at(e.at)}   ${e.router}: ${e.prefix} ✓ (${since} ms after the step started)`);
        }
        break;
      }
      case 'step-done': {
        const took = e.at - (this.steps.get(e.step) ?? e.at);
        w(`${this.at(e.at)} step ${e.step} ${e.outcome} (${took} ms)${e.error ? `: ${e.error}` : ''}`);
        break;
      }
      case 'rollback-start':
        w(`${this.at(e.at)} rollback ${e.step} on ${e.device}`);
        break;
      case 'rollback-done':
        w(`${this.at(e.at)} rollback ${e.step} ${e.outcome}${e.error ? `: ${e.error}` : ''}`);
        break;
      case 'done':
        w(`${this.at(e.at)} ${e.status}`);
        break;
    }
  }

  summary(result: ExecResult, state: string | null): void {
    const byRouter = new Map<string, number>();
    for (const c of result.convergence) {
      const since = c.at - this.start;
      byRouter.set(c.router, Math.max(byRouter.get(c.router) ?? 0, since));
    }
    const routers = [...byRouter].map(([r, ms]) => `${r} +${ms} ms`).join(', ');
    this.out.write(
      `\nResult: ${result.status}.${state !== null ? ` Workload is now ${state} in the registry.` : ''}` +
        `${routers ? `\nLast router convergence since plan start: ${routers}` : ''}\n`,
    );
  }
}

export async function runAudit(rest: string[], values: WorkflowValues, io: CliIo): Promise<number> {
  if (rest.length > 0) throw new UsageError('audit takes options only: [--plan ID] [--limit N] [--json]');
  const limit = values.limit === undefined ? 200 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit must be a positive integer');
  // The audit log is read from the registry alone: no device is contacted.
  const registry = await openRegistryOnly(values, io);
  try {
    const all = registry.audit(values.plan ? { planId: values.plan } : {});
    const entries = all.slice(-limit);
    if (values.json) {
      io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
      return 0;
    }
    const rows = entries.flatMap((e) => auditRows(e));
    io.stdout.write(
      renderTable(
        rows,
        [
          { header: 'TIME', value: (r) => r.at },
          { header: 'OPERATOR', value: (r) => r.operator },
          { header: 'PLAN', value: (r) => r.plan },
          { header: 'KIND', value: (r) => r.kind },
          { header: 'DEVICE', value: (r) => r.device },
          {
            header: 'OUTCOME',
            value: (r) => r.outcome,
            color: (r) =>
              /failed|rolled-back|interrupted/.test(r.outcome) ? 'red' : r.outcome ? 'green' : null,
          },
          { header: 'MESSAGE', value: (r) => r.message },
        ],
        { color: useColor(io.stdout as NodeJS.WriteStream) },
      ),
    );
    if (entries.length === 0) io.stdout.write('(the audit log is empty)\n');
    return 0;
  } finally {
    registry.close();
  }
}

async function openRegistryOnly(values: WorkflowValues, io: CliIo) {
  let inventory;
  let source;
  if (values.lab) {
    const running = await findRunningSimLab(simLabDirFor(io.env));
    if (!running) throw new UsageError('no embedded lab is running');
    inventory = loadInventoryFile(running.inventoryPath);
    source = { kind: 'lab-sim' as const, label: 'LAB (simulated)' };
  } else ({ inventory, source } = resolveInventory(values, io.env));
  return openRegistry({ path: registryPathFor(inventory, source, io.env, values.registry) });
}

function auditRows(e: AuditRecord) {
  const base = {
    at: e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    operator: e.operator,
    plan: e.planId,
    kind: e.kind,
    device: e.device ?? '',
    outcome: e.outcome,
    message: e.message,
  };
  if (!e.diff || e.kind !== 'diff') return [base];
  const before = new Set(e.diff.before);
  const after = new Set(e.diff.after);
  const lines = [
    ...e.diff.before.filter((l) => !after.has(l)).map((l) => `- ${l}`),
    ...e.diff.after.filter((l) => !before.has(l)).map((l) => `+ ${l}`),
  ];
  return [
    base,
    ...lines.map((l) => ({ ...base, at: '', operator: '', plan: '', kind: '', outcome: '', message: l })),
  ];
}
