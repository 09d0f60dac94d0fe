import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { TeamFeed, type TeamActivity, type TeamPlan } from '../../src/registry/index.ts';
import { WorkflowService } from '../../src/workflows/service/index.ts';
import { formatClock } from '../format.ts';
import { useConsole } from '../hooks/context.ts';
import type { Column } from '../shared/columns.ts';
import { TableView } from './TableView.tsx';
import type { ViewModel, ViewProps } from './types.ts';
import { useTableModel } from './useTableModel.ts';

const EMPTY: TeamActivity = { leases: [], active: [], recent: [], at: 0, error: null };
const noFeed = () => () => {};
const BAD: readonly string[] = ['failed', 'rolled-back', 'interrupted'];

const COLUMNS: Column<TeamPlan>[] = [
  { header: 'WHEN', value: (r) => formatClock(r.updatedAt), min: 8 },
  { header: 'OPERATOR', value: (r) => r.operator, min: 6 },
  { header: 'STATUS', value: (r) => r.status, min: 7 },
  { header: 'KIND', value: (r) => r.kind, min: 6 },
  { header: 'WORKLOAD', value: (r) => r.workload, min: 8 },
  { header: 'PLAN', value: (r) => r.id, min: 8, squeeze: 1 },
  {
    header: 'SUMMARY',
    value: (r) => (r.detail ? `${r.summary}: ${r.detail}` : r.summary),
    min: 10,
    squeeze: 2,
  },
];

/**
 * `:audit`: the team's recent plans, newest first, with their outcome — every console on the registry,
 * not only this one (live on PostgreSQL through NOTIFY; re-read every second on SQLite).
 */
export function AuditView(props: ViewProps) {
  const { workflows } = useConsole();
  const service = workflows?.service;
  const feed = useMemo(
    () =>
      service instanceof WorkflowService
        ? new TeamFeed(service.registry, {
            console: service.consoleId.id,
            operator: service.operator,
            recent: 500,
          })
        : null,
    [service],
  );
  useEffect(() => () => feed?.stop(), [feed]);
  const activity = useSyncExternalStore(feed?.subscribe ?? noFeed, feed?.getSnapshot ?? (() => EMPTY));
  const model: ViewModel<TeamPlan> = {
    ...useTableModel(activity.recent, COLUMNS, props.frame.filter),
    columns: COLUMNS,
    note: activity.error ? `registry: ${activity.error} (showing the last rows read)` : null,
    rowColor: (r) => (BAD.includes(r.status) ? 'error' : r.status === 'applying' ? 'warn' : undefined),
    subject: (r) => r.workload,
    empty: feed
      ? 'no plans in the registry yet'
      : 'no registry on this console (read-only): no audit to show',
  };
  return <TableView model={model} {...props} />;
}
