import { openVtyshSession, type VtyshSession } from '../../drivers/vtysh-session.ts';
import type { ExecDeps } from './types.ts';

/**
 * The open vtysh per router that verification asks (drivers/vtysh-session.ts), for a whole plan:
 * opening one costs 50–200 ms (a vtysh start, more on a loaded router), so they are opened when the
 * plan starts, while its first commands run, and the first question of a step is asked at once.
 * A router without one (none could open, or it failed) is asked with one exec per question.
 */
export class VerifySessions {
  private readonly open = new Map<string, Promise<VtyshSession | null>>();
  private closed = false;

  constructor(private readonly deps: Pick<ExecDeps, 'runnerFor' | 'store'>) {}

  /** Starts opening sessions to these routers (their answers are awaited only when asked). */
  prewarm(routers: Iterable<string>): void {
    for (const router of routers) void this.of(router);
  }

  of(router: string): Promise<VtyshSession | null> {
    let session = this.open.get(router);
    if (!session) {
      const spec = this.deps.store.getState().devices[router]?.spec;
      session =
        this.closed || !spec
          ? Promise.resolve(null)
          : openVtyshSession(this.deps.runnerFor(router), spec).catch(() => null);
      this.open.set(router, session);
    }
    return session;
  }

  /** After a session failed: closed, and this router is asked with exec from now on. */
  drop(router: string): void {
    void this.open.get(router)?.then((s) => s?.close());
    this.open.set(router, Promise.resolve(null));
  }

  close(): void {
    this.closed = true;
    for (const session of this.open.values()) void session.then((s) => s?.close());
    this.open.clear();
  }
}
