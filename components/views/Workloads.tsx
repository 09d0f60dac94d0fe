import { useMemo } from 'react';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import type { Column } from '../shared/columns.ts';
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

/** Every workload /32 and /64: where it is announced from and which routers see it; conflicts in red. */
export function WorkloadsView(props: ViewProps) {
  const { tenant } = props.frame.args;
  const workloads = useAppStore((s) => s.workloads);
  const source = useMemo(
    () => (tenant ? workloads.filter((w) => (w.tenant ?? '?') === tenant) : workloads),
    [workloads, tenant],
  );
  const model: ViewModel<WorkloadEntry> = {
    ...useTableModel(source, COLUMNS, props.frame.filter),
    columns: COLUMNS,
    rowColor: (w) => (w.conflicts.length > 0 ? 'warn' : undefined),
    empty: tenant ? `no workloads of tenant ${tenant}` : 'no workload routes seen yet',
  };
  return <TableView model={model} {...props} />;
}
