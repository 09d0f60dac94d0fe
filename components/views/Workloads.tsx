import { useCallback, useMemo, useRef } from 'react';
import type { WorkloadRecord } from '../../src/model/plan.ts';
import type { TeamLease } from '../../src/registry/index.ts';
import type { AppState } from '../../src/state/store.ts';
import { JOIN_HOLD_MS } from '../../src/state/router-hold.ts';
import { useTeamActivity } from '../hooks/useTeam.ts';
import { combineFreshness, workloadFreshness, type Freshness } from '../../src/state/freshness.ts';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { useNow, useStoreAtTicks } from '../hooks/useNow.ts';
import type { Column } from '../shared/columns.ts';
import { recordKey } from '../workflows/controller.ts';
import { useWorkflowState } from '../workflows/useWorkflowState.ts';
import { ageColumn, dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';
import { regroupWorkloads, type Grouping, type WorkloadRow } from './workload-groups.ts';
import { adoptionText } from '../../src/workflows/service/adopt.ts';

const conflictColumn: Column<WorkloadRow> = {
  header: 'CONFLICTS',
  value: (w) => w.conflicts.join('; '),
  color: (w) => (w.conflicts.length > 0 ? 'error' : undefined),
  min: 4,
  max: 200,
  squeeze: 1,
  detail: true,
};

/** NAME … ROUTERS: what an engineer reads first, kept whole at 80 columns; the rest gives way. */
function baseColumns(registry: boolean, leases: ReadonlyMap<string, TeamLease>): Column<WorkloadRow>[] {
  // Another engineer's plan on this workload: who and which plan, on the row itself.
  const held = (w: WorkloadRow) => (w.name ? leases.get(w.name) : undefined);
  return [
    ...(registry
      ? [{ header: 'NAME', value: (w: WorkloadRow) => w.name ?? '-', min: 6, max: 24, squeeze: 4 }]
      : []),
    { header: 'TENANT', value: (w) => w.tenant ?? '?', min: 4, squeeze: 3 },
    { header: 'VRF', value: (w) => w.vrf, min: 4, squeeze: 2, detail: true },
    { header: 'IPV4', value: (w) => w.ipv4, min: 13, max: 31, detail: true },
    { header: 'IPV6', value: (w) => w.ipv6, min: 18, max: 43, detail: true },
    { header: 'HOST', value: (w) => w.hosts, min: 4, squeeze: 3, detail: true },
    ...(registry
      ? [
          {
            header: 'STATE',
            value: (w: WorkloadRow) => {
              const lease = held(w);
              const state = w.record?.state ?? '-';
              return lease ? `${lease.kind ?? state} by ${lease.operator} (${lease.planId})` : state;
            },
            color: (w: WorkloadRow) =>
              held(w) || (w.record !== null && w.record.state !== 'active') ? 'warn' : undefined,
            min: 6,
            squeeze: 2,
          } satisfies Column<WorkloadRow>,
        ]
      : []),
    {
      header: 'ROUTERS',
      value: (w) => `${w.routersSeeing}/${w.routers}`,
      color: (w) => (w.routersSeeing < w.routers ? 'warn' : undefined),
      align: 'right',
      min: 7,
    },
  ];
}

const rowColor = (w: WorkloadRow) => (w.conflicts.length > 0 ? 'warn' : undefined);

/** SPOOF: drops on the workload's TAP(s), from each hypervisor's vmguard counters; `-` where none reports per TAP. */
function spoofColumn(devices: AppState['devices']): Column<WorkloadRow> {
  const counts = new Map<string, number>();
  let perTap = false;
  for (const [host, entry] of Object.entries(devices)) {
    const guard = entry.snapshot?.guard;
    if (!guard?.present) continue;
    perTap ||= guard.perTap;
    for (const s of guard.spoofed) counts.set(`${host}/${s.tap}`, s.packets);
  }
  const of = (w: WorkloadRow): number => w.taps.split(',').reduce((n, tap) => n + (counts.get(tap) ?? 0), 0);
  return {
    header: 'SPOOF',
    value: (w) => (perTap ? String(of(w)) : '-'),
    color: (w) => (of(w) > 0 ? 'error' : undefined),
    align: 'right',
    min: 3,
    squeeze: 2,
  };
}

type Records = ReadonlyMap<string, WorkloadRecord>;
const NO_RECORDS: Records = new Map();

/** The rows of the Workloads view, shared with the per-workload detail view. */
export function useWorkloadRows(): WorkloadRow[] {
  const workloads = useAppStore((s) => s.workloads);
  const records = useWorkflowState((s) => s.records, NO_RECORDS);
  // The router names as one string: `devices` changes at every poll of any device (1,000 hosts: many
  // times a second), and regrouping 100k entries each time is what kept a 1,000-host console busy.
  const routerNames = useAppStore((s) =>
    s.deviceOrder.filter((name) => s.devices[name]?.spec.role === 'router').join('\n'),
  );
  const routers = useMemo(() => (routerNames === '' ? [] : routerNames.split('\n')), [routerNames]);
  const recordOf = useCallback(
    (vrf: string, prefix: string) => records.get(recordKey(vrf, prefix)),
    [records],
  );
  // Regrouped from the last grouping: an index change regroups only the entries that changed.
  const last = useRef<Grouping | null>(null);
  return useMemo(() => {
    last.current = regroupWorkloads(last.current, workloads, recordOf, routers);
    return last.current.rows;
  }, [workloads, recordOf, routers]);
}

/** One row per workload (its /32 and /64, host, state, routers seeing it); Enter shows prefixes per router. */
export function WorkloadsView(props: ViewProps) {
  const { tenant } = props.frame.args;
  const { workflows } = useConsole();
  const rows = useWorkloadRows();
  // The devices' poll times and guard counters, read at the clock's ticks and with each new index —
  // not at every published poll of any device (each was a frame at fleet size: useStoreAtTicks).
  const devices = useStoreAtTicks((s) => s.devices, [rows]);
  const now = useNow();
  const indexPending = useAppStore((s) => s.indexPending);
  const routersHeld = useAppStore((s) => s.routersHeld);
  // Read at each drawing (the devices' ticks redraw it every second): a first start's recording progresses.
  const adoption = workflows?.adoption() ?? null;
  // A row joins hosts and routers: as old as its oldest source (computed for the rows drawn only).
  const age = useMemo(() => {
    const cache = new WeakMap<WorkloadRow, Freshness>();
    return (w: WorkloadRow) => {
      let found = cache.get(w);
      if (!found)
        cache.set(w, (found = combineFreshness(w.entries.map((e) => workloadFreshness(e, devices, now)))));
      return found;
    };
  }, [devices, now]);
  const team = useTeamActivity();
  const leases = useMemo(() => new Map(team.leases.map((l) => [l.workload, l])), [team]);
  const filterColumns = useMemo(
    () => [...baseColumns(workflows !== null, leases), spoofColumn(devices), conflictColumn],
    [workflows, devices, leases],
  );
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
    () => (tenant ? rows.filter((w) => (w.tenant ?? '?') === tenant) : rows),
    [rows, tenant],
  );
  const model: ViewModel<WorkloadRow> = {
    ...useTableModel(source, filterColumns, props.frame.filter),
    columns,
    rowColor,
    subject: (w) => w.name,
    open: (w, action) => (action === 'drill' ? { view: 'workload', args: { workload: w.key } } : null),
    empty: tenant ? `no workloads of tenant ${tenant}` : 'no workload routes seen yet',
    // Above INDEX_DEFER_ABOVE entries rebuilds are coalesced: say so while newer polls wait to be joined.
    note:
      routersHeld > 0
        ? `${routersHeld} router${routersHeld === 1 ? '' : 's'} read, joining ROUTERS when the others' first reads end (at most ${JOIN_HOLD_MS / 1000} s)`
        : indexPending
          ? 'index catching up with the latest polls (rows show the previous build)'
          : adoption
            ? `names: ${adoptionText(adoption)}`
            : null,
  };
  return <TableView model={model} {...props} />;
}
