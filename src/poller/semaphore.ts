/**
 * Limits how many device polls run at once (1,000 hypervisors must not mean 1,000 SSH sessions at
 * once). Waiters are served by priority, then in arrival order: a router's poll waits for a free slot,
 * not behind a thousand queued host polls (which made a router's 2 s cadence one round of all hosts).
 * A freed slot passes straight to the next waiter, so the limit holds exactly.
 */
export class Semaphore {
  private active = 0;
  /** Waiters per priority (index 0 first). */
  private readonly waiting: (() => void)[][] = [];

  constructor(private readonly limit: number) {}

  /** `priority`: 0 goes first; higher numbers wait behind every lower one. */
  async run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    if (this.active < this.limit) this.active++;
    else
      await new Promise<void>((resolve) => {
        (this.waiting[priority] ??= []).push(resolve);
      });
    try {
      return await task();
    } finally {
      const next = this.waiting.find((queue) => queue !== undefined && queue.length > 0)?.shift();
      // The slot goes to the next waiter as it is; only when nobody waits is it given back.
      if (next) next();
      else this.active--;
    }
  }

  /** Polls waiting for a slot (the tests read it). */
  get queued(): number {
    return this.waiting.reduce((n, queue) => n + (queue?.length ?? 0), 0);
  }
}
