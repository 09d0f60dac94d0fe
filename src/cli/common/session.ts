/** What the plan/apply commands share: the option set, a session on the fabric and registry, refusals, printing a plan. */
import { writeFile } from 'node:fs/promises';
import { loadInventoryFile } from '../../inventory/load.ts';
import { findRunningSimLab } from '../../lab/sim/lab.ts';
import type { Plan } from '../../model/plan.ts';
import { safeBlock, safeText } from '../../model/text.ts';
import { LeaseHeldError } from '../../registry/index.ts';
import { PlanFileError, planToJson, renderPreview } from '../../workflows/plan/index.ts';
import { WorkflowError, type WorkflowService } from '../../workflows/service/index.ts';
import { UsageError } from '../usage.ts';
import { openFabric, openWorkflows, registryPathFor } from '../wiring.ts';
import { resolveInventory, simLabDirFor } from './inventory.ts';
import type { CliIo } from './io.ts';
import { useColor } from './table.ts';

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

export interface Session {
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

/** A made plan: to `-o FILE` (hashed JSON), then as JSON (`--json`) or the coloured preview with how to apply it. */
// The open session's registry id, written into plan files: a file is applied only against the
// registry it was planned in (one command, one session, so one value at a time).
let boundRegistry: string | undefined;

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
