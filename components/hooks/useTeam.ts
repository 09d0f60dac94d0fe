import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { TeamFeed, type TeamActivity } from '../../src/registry/index.ts';
import { WorkflowService } from '../../src/workflows/service/index.ts';
import { useConsole } from './context.ts';

const EMPTY: TeamActivity = { leases: [], active: [], recent: [], at: 0, error: null };
const noFeed = () => () => {};

/**
 * Other consoles' live leases and plans on this console's registry (src/registry/team.ts): within a
 * second, through NOTIFY on PostgreSQL, re-read every second on SQLite. Empty on a read-only console.
 */
export function useTeamActivity(recent = 50): TeamActivity {
  const { workflows } = useConsole();
  const service = workflows?.service;
  const feed = useMemo(
    () =>
      service instanceof WorkflowService
        ? new TeamFeed(service.registry, {
            console: service.consoleId.id,
            operator: service.operator,
            recent,
          })
        : null,
    [service, recent],
  );
  useEffect(() => () => feed?.stop(), [feed]);
  return useSyncExternalStore(feed?.subscribe ?? noFeed, feed?.getSnapshot ?? (() => EMPTY));
}
