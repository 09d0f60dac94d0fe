import type { AppStore, AppState } from '../../state/store.ts';

/**
 * Records the live workloads the registry does not know (the lab's), so they can be migrated and
 * decommissioned from the console: each time another hypervisor's first snapshot is in the workload
 * index (a host that was slow or down at start is adopted when it answers), until every one has.
 *
 * Adoption reads the index, not the snapshots, and the store publishes a host's snapshot before the
 * index that includes it: a small lab builds it right after, in the same call; a fleet defers the
 * build (`indexPending`). Checked when that call is over, and only while no build waits — adopting at
 * the snapshot itself left the last host's workloads unnamed for the whole run (seen in tmux: `-`
 * for acme-2 and acme-6 on hv1 in two of three starts of the embedded lab).
 *
 * `adopt` may take a while (a fleet's 50,000 workloads are recorded a batch at a time): one runs at a
 * time, and hosts that reported meanwhile are adopted by one more run after it. It is told when the
 * console stops (`stopped()`), to end between batches.
 */
export function adoptAsHostsArrive(store: AppStore, adopt: (stopped: () => boolean) => unknown): () => void {
  let seen = 0;
  let queued = false;
  let closed = false;
  let running = false;
  let again = false;
  const run = async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      await adopt(() => closed);
    } catch {
      // A registry another console is writing to: a later snapshot or the next start adopts them.
    } finally {
      running = false;
    }
    if (again && !closed) {
      again = false;
      void run();
    }
  };
  const check = () => {
    queued = false;
    if (closed) return;
    const state = store.getState();
    // Routers must have answered too: adoption needs the tenant's routes to be live, not only the host's.
    if (state.deviceOrder.some((n) => state.devices[n]?.health === 'unknown')) return;
    // A build is due (or routers are held to join): the index does not yet show every snapshot.
    if (state.indexPending) return;
    const { polled, hosts } = hostsPolled(state);
    if (polled <= seen) return;
    seen = polled;
    if (polled === hosts) unsubscribe();
    void run();
  };
  const unsubscribe = store.subscribe(() => {
    if (queued || closed) return;
    queued = true;
    queueMicrotask(check);
  });
  return () => {
    closed = true;
    unsubscribe();
  };
}

/**
 * A console's adoption at start, as `routedeck` (src/cli/common/console.ts) and the fleet bench run it:
 * the service says an adoption waits (views do not judge drift meanwhile), then adopts gradually as
 * hosts first report. Returns the stop for the console's close.
 */
export function adoptOnStart(
  store: AppStore,
  service: { expectAdoption(): void; adoptLiveGradually(stopped: () => boolean): Promise<unknown> },
): () => void {
  service.expectAdoption();
  return adoptAsHostsArrive(store, (stopped) => service.adoptLiveGradually(stopped));
}

function hostsPolled(state: AppState): { polled: number; hosts: number } {
  let polled = 0;
  let hosts = 0;
  for (const name of state.deviceOrder) {
    const device = state.devices[name];
    if (device?.spec.role !== 'hypervisor') continue;
    hosts++;
    if (device.snapshot !== null) polled++;
  }
  return { polled, hosts };
}
