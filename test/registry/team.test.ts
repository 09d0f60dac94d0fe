// The team feed a console shows: other consoles' live leases and active plans, and recent plans with
// their outcome — pushed by PostgreSQL's NOTIFY, polled on SQLite (consoles on one machine).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openRegistry, type Registry, TeamFeed, type TeamActivity } from '../../src/registry/index.ts';
import { useBackends } from './backends.ts';
import { samplePlan, tenantA } from './helpers.ts';

describe.each(useBackends())('team feed on $name', (backend) => {
  let location: string;
  let mine: Registry;
  let theirs: Registry;
  let feed: TeamFeed;
  beforeEach(async (context) => {
    if (backend.skip) return context.skip();
    location = await backend.location();
    mine = openRegistry({ path: location });
    mine.upsertTenant(tenantA);
    theirs = openRegistry({ path: location });
    // SQLite has no notifications: a short poll stands in; PostgreSQL's comes from NOTIFY, not the timer.
    feed = new TeamFeed(mine, {
      console: 'console-alice',
      operator: 'alice',
      pollMs: backend.name === 'sqlite' ? 20 : 3_600_000,
    });
  });
  afterEach(() => {
    feed?.stop();
    mine?.close();
    theirs?.close();
  });

  const until = (check: (a: TeamActivity) => boolean) =>
    new Promise<TeamActivity>((resolve) => {
      const look = () => {
        if (check(feed.getSnapshot())) resolve(feed.getSnapshot());
      };
      feed.subscribe(look);
      look();
    });

  it("shows another console's lease and plan as they happen, and the outcome once applied", async () => {
    mine.savePlan({ ...samplePlan('p-alice', 'db-1'), operator: 'alice' }, 'planned');
    await until((a) => a.active.length === 1);
    expect(feed.getSnapshot().active.map((p) => [p.id, p.own])).toEqual([['p-alice', true]]);

    theirs.transaction(() => {
      theirs.savePlan({ ...samplePlan('p-bob', 'web-1'), operator: 'bob' }, 'applying');
      theirs.acquireLease('web-1', 'p-bob', {
        console: 'console-bob',
        operator: 'bob',
        pid: 4242,
        host: 'jump-b',
      });
    });
    const seen = await until((a) => a.leases.length === 1);
    expect(seen.leases).toEqual([
      {
        workload: 'web-1',
        planId: 'p-bob',
        operator: 'bob',
        console: 'console-bob',
        host: 'jump-b',
        pid: 4242,
        since: expect.any(Number) as number,
        kind: 'create',
        summary: 'create web-1',
      },
    ]);
    expect(seen.active.map((p) => [p.id, p.status, p.operator, p.own])).toEqual([
      ['p-alice', 'planned', 'alice', true],
      ['p-bob', 'applying', 'bob', false],
    ]);

    theirs.transaction(() => {
      theirs.setPlanStatus('p-bob', 'failed', 'verify timed out on r1');
      theirs.releaseLeasesOf('p-bob');
    });
    const done = await until((a) => a.leases.length === 0);
    expect(done.recent.map((p) => [p.id, p.status, p.detail])).toEqual([
      ['p-bob', 'failed', 'verify timed out on r1'],
      ['p-alice', 'planned', null],
    ]);
    expect(done.error).toBeNull();
  });
});
