import { useMemo } from 'react';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import type { Column } from '../shared/columns.ts';
import { recordKey } from '../workflows/controller.ts';
import { useWorkflowState } from '../workflows/useWorkflowState.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const COLUMNS: Column<WorkloadEntry>[] = [
  { header: 'TENANT', value: (w) => w.tenant ?? '?', min: 6 },
  { header: 'VRF', value: (w) => w.vrf, min: 4 },
  { header: 'PREFIX', value: (w) => w.prefix, min: 18, max: 43 },
  {
    header: 'HOST/TAP',
    value: (w) => w.announcers.map((a) => `${a.host}/${a.interface}`).join(',') || '-',
    min: 8,
    squeeze: 2,
  },
  { header: 'SEEN BY', value: (w) => w.seenBy.map((v) => v.router).join(',') || '-', min: 7, squeeze: 2 },
  {
    header: 'CONFLICTS',
    value: (w) => w.conflicts.join('; '),
    color: (w) => (w.conflicts.length > 0 ? 'error' : undefined),
    min: 9,
    max: 200,
    squeeze: 1,
  },
];

type Records = ReadonlyMap<string, WorkloadRecord>;
const NO_RECORDS: Records = new Map();

/** The registry's name and state joined onto the live rows (one map lookup a visible row). */
function registryColumns(records: Records): Column<WorkloadEntry>[] {
  const of = (w: WorkloadEntry) => records.get(recordKey(w.vrf, w.prefix));
  return [
    { header: 'NAME', value: (w) => of(w)?.name ?? '-', min: 6, max: 24, squeeze: 3 },
    COLUMNS[0]!,
    COLUMNS[1]!,
    COLUMNS[2]!,
    COLUMNS[3]!,
    {
      header: 'STATE',
      value: (w) => of(w)?.state ?? '-',
      color: (w) => (of(w)?.state === 'active' || !of(w) ? undefined : 'warn'),
      min: 6,
      squeeze: 2,
    },
    COLUMNS[4]!,
    COLUMNS[5]!,
  ];
}

/** Every workload /32 and /64: where it is announced from and which routers see it; conflicts in red. */
export function WorkloadsView(props: ViewProps) {
  const { tenant } = props.frame.args;
  const { workflows } = useConsole();
  const workloads = useAppStore((s) => s.workloads);
  const records = useWorkflowState((s) => s.records, NO_RECORDS);
  const columns = useMemo(() => (workflows ? registryColumns(records) : COLUMNS), [workflows, records]);
  const source = useMemo(
    () => (tenant ? workloads.filter((w) => (w.tenant ?? '?') === tenant) : workloads),
    [workloads, tenant],
  );
  const model: ViewModel<WorkloadEntry> = {
    ...useTableModel(source, columns, props.frame.filter),
    columns,
    rowColor: (w) => (w.conflicts.length > 0 ? 'warn' : undefined),
    subject: (w) => records.get(recordKey(w.vrf, w.prefix))?.name ?? null,
    empty: tenant ? `no workloads of tenant ${tenant}` : 'no workload routes seen yet',
  };
  return <TableView model={model} {...props} />;
}
