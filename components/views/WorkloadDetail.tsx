import { useMemo } from 'react';
import type { RouterView } from '../../src/state/router-views.ts';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';
import { workloadFreshness } from '../../src/state/freshness.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { useNow } from '../hooks/useNow.ts';
import type { Column } from '../shared/columns.ts';
import { announcerText } from './announcer.ts';
import { ageColumn, dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';
import { useWorkloadRows } from './Workloads.tsx';

/** One prefix as one router sees it (router null: no router routes it). */
interface PrefixRow {
  entry: WorkloadEntry;
  view: RouterView | null;
}

const hop = (view: RouterView) =>
  view.nexthops.map((h) => h.viaHost ?? h.ip ?? h.interface ?? '?').join(',') || '-';

const COLUMNS: Column<PrefixRow>[] = [
  { header: 'PREFIX', value: (r) => r.entry.prefix, min: 18, max: 43 },
  {
    header: 'HOST/TAP',
    value: (r) => r.entry.announcers.map(announcerText).join(',') || '-',
    min: 8,
    squeeze: 2,
    detail: true,
  },
  { header: 'ROUTER', value: (r) => r.view?.router ?? '-', min: 6 },
  { header: 'PROTO', value: (r) => r.view?.protocol ?? '-', min: 5, squeeze: 3 },
  { header: 'SEL', value: (r) => (r.view === null ? '-' : r.view.selected ? 'yes' : 'no'), min: 3 },
  { header: 'VIA', value: (r) => (r.view ? hop(r.view) : '-'), min: 4, squeeze: 2, detail: true },
  {
    header: 'CONFLICTS',
    value: (r) => r.entry.conflicts.join('; '),
    color: (r) => (r.entry.conflicts.length > 0 ? 'error' : undefined),
    min: 5,
    max: 200,
    squeeze: 1,
    detail: true,
  },
];

/** Enter on a workload: each of its prefixes per router (protocol, selected, the host it routes via). */
export function WorkloadDetailView(props: ViewProps) {
  const key = props.frame.args.workload;
  const rows = useWorkloadRows();
  const devices = useAppStore((s) => s.devices);
  const now = useNow();
  const source = useMemo(() => {
    const workload = rows.find((w) => w.key === key);
    return (workload?.entries ?? []).flatMap((entry): PrefixRow[] =>
      entry.seenBy.length > 0 ? entry.seenBy.map((view) => ({ entry, view })) : [{ entry, view: null }],
    );
  }, [rows, key]);
  const age = useMemo(() => (r: PrefixRow) => workloadFreshness(r.entry, devices, now), [devices, now]);
  const columns = useMemo(
    () =>
      dimStale([...COLUMNS.slice(0, -1), ageColumn(age), ...COLUMNS.slice(-1)], age, ['POLL', 'CONFLICTS']),
    [age],
  );
  const model: ViewModel<PrefixRow> = {
    ...useTableModel(source, COLUMNS, props.frame.filter),
    columns,
    rowColor: (r) => (r.entry.conflicts.length > 0 ? 'warn' : undefined),
    device: (r) => r.view?.router ?? null,
    empty: 'this workload is no longer announced',
  };
  return <TableView model={model} {...props} />;
}
