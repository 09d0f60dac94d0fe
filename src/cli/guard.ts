/**
 * `routedeck get guard [--device HV] [--json]`: per hypervisor, anti-spoofing drift (the vmguard
 * sets against the registry) and spoofed-source drops per TAP; `routedeck plan guard-repair
 * [--device HV]`: the plan that removes the drift, applied with `routedeck apply PLAN-ID`.
 */
import { safeJson } from '../model/text.ts';
import { guardReports, planGuardRepairFor, type GuardReport } from '../workflows/service/index.ts';
import type { CliIo } from './common/io.ts';
import { renderTable, useColor } from './common/table.ts';
import { UsageError } from './usage.ts';
import { guarded, openSession, printPlan, type WorkflowValues } from './common/session.ts';

type GuardValues = WorkflowValues & { device?: string[] };

function oneDevice(values: GuardValues): string | undefined {
  const devices = values.device ?? [];
  if (devices.length > 1) throw new UsageError('--device takes one hypervisor here');
  return devices[0];
}

function stateText(r: GuardReport): string {
  if (r.state === 'drift') return `drift (${r.drift.length})`;
  if (r.state === 'no-table') return 'no vmguard table';
  if (r.state === 'unknown') return `unknown: ${r.note ?? ''}`;
  return 'clean';
}

function renderReports(reports: GuardReport[], color: boolean): string {
  const hosts = renderTable(
    reports,
    [
      { header: 'HYPERVISOR', value: (r) => r.device },
      {
        header: 'STATE',
        value: stateText,
        color: (r) => (r.state === 'clean' ? 'green' : r.state === 'drift' ? 'red' : 'yellow'),
      },
      {
        header: 'ELEMENTS',
        value: (r) => (r.state === 'clean' || r.state === 'drift' ? String(r.elements) : '-'),
      },
      {
        header: 'SPOOFED',
        value: (r) =>
          r.droppedTotal === null
            ? '-'
            : `${r.droppedTotal}${r.perTap ? '' : ' (all TAPs; no per-TAP counter)'}`,
        color: (r) => ((r.droppedTotal ?? 0) > 0 ? 'red' : null),
      },
    ],
    { color },
  );
  const drift = reports.flatMap((r) => r.drift);
  const driftTable =
    drift.length === 0
      ? ''
      : `\n${renderTable(
          drift,
          [
            { header: 'HYPERVISOR', value: (d) => d.device },
            { header: 'DRIFT', value: (d) => d.kind, color: () => 'red' },
            { header: 'SET', value: (d) => d.set },
            { header: 'TAP', value: (d) => d.tap },
            { header: 'ELEMENT', value: (d) => d.cidr },
            { header: 'WHY', value: (d) => d.reason },
          ],
          { color },
        )}`;
  const unparsed = reports.flatMap((r) => r.unparsed.map((u) => ({ device: r.device, ...u })));
  const unparsedTable =
    unparsed.length === 0
      ? ''
      : `\nElements that do not parse (shown only; no plan touches them):\n${renderTable(
          unparsed,
          [
            { header: 'HYPERVISOR', value: (u) => u.device },
            { header: 'SET', value: (u) => u.set },
            { header: 'ELEMENT', value: (u) => u.text, color: () => 'yellow' },
            { header: 'WHY', value: (u) => u.why },
          ],
          { color },
        )}`;
  const taps = reports.flatMap((r) => r.spoofed.map((s) => ({ device: r.device, ...s })));
  const tapTable =
    taps.length === 0
      ? ''
      : `\n${renderTable(
          taps,
          [
            { header: 'HYPERVISOR', value: (t) => t.device },
            { header: 'TAP', value: (t) => t.tap },
            {
              header: 'SPOOFED PKTS',
              value: (t) => String(t.packets),
              color: (t) => (t.packets > 0 ? 'red' : null),
            },
            { header: 'BYTES', value: (t) => String(t.bytes) },
          ],
          { color },
        )}`;
  return `${hosts}${driftTable}${unparsedTable}${tapTable}`;
}

export async function runGetGuard(rest: string[], values: GuardValues, io: CliIo): Promise<number> {
  if (rest.length > 0) throw new UsageError('get guard takes options only: [--device HV] [--json]');
  const device = oneDevice(values);
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const reports = guardReports(session.service, device);
      if (values.json) io.stdout.write(`${safeJson(reports)}\n`);
      else io.stdout.write(renderReports(reports, useColor(io.stdout as NodeJS.WriteStream)));
      return 0;
    });
  } finally {
    await session.close();
  }
}

export async function runPlanGuardRepair(rest: string[], values: GuardValues, io: CliIo): Promise<number> {
  if (rest.length > 0) throw new UsageError('plan guard-repair takes options only: [--device HV] [-o FILE]');
  const device = oneDevice(values);
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const plan = planGuardRepairFor(session.service, device !== undefined ? { device } : {});
      await printPlan(plan, values, io);
      return 0;
    });
  } finally {
    await session.close();
  }
}
