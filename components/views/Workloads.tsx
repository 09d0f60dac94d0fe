import { useMemo } from 'react';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import type { AppState } from '../../src/state/store.ts';
import type { WorkloadEntry } from '../../src/state/workload-index.ts';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { useNow } from '../hooks/useNow.ts';
import { workloadFreshness, type Freshness } from '../../src/state/freshness.ts';
import type { Column } from '../shared/columns.ts';
import { recordKey } from '../workflows/controller.ts';
import { useWorkflowState } from '../workflows/useWorkflowState.ts';
import { announcerText } from './announcer.ts';
import { ageColumn, dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const COLUMNS: Column<WorkloadEntry>[] = [
  { header: 'TENANT', value: (w) => w.tenant ?? '?', min: 6 },
  { header: 'VRF', value: (w) => w.vrf, min: 4 },
  { header: 'PREFIX', value: (w) => w.prefix, min: 18, max: 43 },
  {
    header: 'HOST/TAP',
    value: (w) => w.announcers.map(announcerText).join(',') || '-',
    min: 8,
    squeeze: 2,
  },
  { header: 'SEEN BY', value: (w) => w.seenBy.map((v) => v.router).join(',') || '-', min: 7, squeeze: 2 },
  {
    header: 'CONFLICTS',
    value: (w) => w.conflicts.join('; '),
    color: (w) => (w.conflicts.length > 0 ? 'error' : undefined),
    // Narrow when squeezed: the rows' own columns (host, routers, age) must stay readable at 100 columns.
    min: 5,
    max: 200,
    squeeze: 1,
  },
];

const rowColor = (w: WorkloadEntry) => (w.conflicts.length > 0 ? 'warn' : undefined);

/** Spoofed-source drops per `host/tap`, from each hypervisor's vmguard counters (last poll). */
export type SpoofCounts = ReadonlyMap<string, number>;

function spoofCounts(devices: AppState['devices']): SpoofCounts {
  const counts = new Map<string, number>();
  for (const [host, entry] of Object.entries(devices)) {
    const guard = entry.snapshot?.guard;
    if (guard?.present) for (const s of guard.spoofed) counts.set(`${host}/${s.tap}`, s.packets);
  }
  return counts;
}

/** SPOOF: drops on the workload's TAP(s); red when any. `-` where no host reports per-TAP counters. */
function spoofColumn(counts: SpoofCounts, perTap: boolean): Column<WorkloadEntry> {
  const of = (w: WorkloadEntry): number =>
    w.announcers.reduce((n, a) => n + (counts.get(`${a.host}/${a.interface}`) ?? 0), 0);
  return {
    header: 'SPOOF',
    value: (w) => (perTap ? String(of(w)) : '-'),
    color: (w) => (of(w) > 0 ? 'error' : undefined),
    align: 'right',
    min: 5,
    squeeze: 2,
  };
}

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
  const devices = useAppStore((s) => s.devices);
  const counts = useMemo(() => spoofCounts(devices), [devices]);
  const perTap = useMemo(
    () => Object.values(devices).some((d) => d.snapshot?.guard?.present && d.snapshot.guard.perTap),
    [devices],
  );
  const now = useNow();
  // A row joins hosts and routers: as old as its oldest source (computed for the rows drawn only).
  const age = useMemo(() => {
    const cache = new WeakMap<WorkloadEntry, Freshness>();
    return (w: WorkloadEntry) => {
      let found = cache.get(w);
      if (!found) cache.set(w, (found = workloadFreshness(w, devices, now)));
      return found;
    };
  }, [devices, now]);
  const filterColumns = useMemo(() => {
    // Before CONFLICTS, the last column (the one that gives way on a narrow screen).
    const base = workflows ? registryColumns(records) : COLUMNS;
    return [...base.slice(0, -1), spoofColumn(counts, perTap), ...base.slice(-1)];
  }, [workflows, records, counts, perTap]);
  const columns = useMemo(
    () =>
      dimStale(
        [...filterColumns.slice(0, -1), ageColumn(age), ...filterColumns.slice(-1)],
        age,
        ['POLL', 'CONFLICTS'],
        rowColor,
      ),
    [filterColumns, age],
  );
  const source = useMemo(
    () => (tenant ? workloads.filter((w) => (w.tenant ?? '?') === tenant) : workloads),
    [workloads, tenant],
  );
  const model: ViewModel<WorkloadEntry> = {
    ...useTableModel(source, filterColumns, props.frame.filter),
    columns,
    rowColor,
    subject: (w) => records.get(recordKey(w.vrf, w.prefix))?.name ?? null,
    empty: tenant ? `no workloads of tenant ${tenant}` : 'no workload routes seen yet',
  };
  return <TableView model={model} {...props} />;
}
