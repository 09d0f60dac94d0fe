/** `routedeck audit` and `routedeck plan list`: read from the registry alone, no device is contacted. */
import { safeJson } from '../model/text.ts';
import { findRunningSimLab } from '../lab/sim/lab.ts';
import { loadInventoryFile } from '../inventory/load.ts';
import { openRegistry, type AuditRecord } from '../registry/index.ts';
import { resolveInventory, simLabDirFor } from './common/inventory.ts';
import type { CliIo } from './common/io.ts';
import { renderTable, useColor } from './common/table.ts';
import { UsageError } from './usage.ts';
import { registryOptionsFor, registryPathFor } from './wiring.ts';
import type { WorkflowValues } from './common/session.ts';

/** Plans in the registry, newest last: what is planned and not applied (discard it) or interrupted. */
export async function runPlanList(values: WorkflowValues, io: CliIo): Promise<number> {
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
      io.stdout.write(`${safeJson(entries)}\n`);
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
  return openRegistry(
    await registryOptionsFor(inventory, registryPathFor(inventory, source, io.env, values.registry)),
  );
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
