/**
 * Limits how many exec channels are open at once on one connection.
 *
 * Servers cap sessions per connection (OpenSSH MaxSessions, default 10) and refuse the channel
 * open past it. We start at a configured limit and, when the server refuses while we already
 * hold channels, lower the limit to what it accepted and queue the refused request instead of
 * failing it: it runs as soon as another channel closes.
 */
export class ChannelSlots {
  private open = 0;
  private limit: number;
  private readonly waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.limit = Math.max(1, limit);
  }

  get inUse(): number {
    return this.open;
  }

  get currentLimit(): number {
    return this.limit;
  }

  /** Resolves when a slot is ours; the returned cancel() withdraws a request still queued. */
  acquire(): { ready: Promise<void>; cancel: () => void } {
    if (this.open < this.limit) {
      this.open++;
      return { ready: Promise.resolve(), cancel: () => undefined };
    }
    let grant!: () => void;
    const ready = new Promise<void>((resolve) => {
      grant = resolve;
    });
    this.waiting.push(grant);
    const cancel = (): void => {
      const i = this.waiting.indexOf(grant);
      if (i >= 0) this.waiting.splice(i, 1);
    };
    return { ready, cancel };
  }

  release(): void {
    this.open = Math.max(0, this.open - 1);
    this.pump();
  }

  /**
   * The server refused a channel while `open` (including the refused one) were held: it allows
   * at most the others. Returns false when no other channel is open, i.e. it was not a limit.
   */
  refusedAt(): boolean {
    const others = this.open - 1;
    if (others < 1) return false;
    this.limit = Math.min(this.limit, others);
    return true;
  }

  private pump(): void {
    while (this.open < this.limit) {
      const next = this.waiting.shift();
      if (!next) return;
      this.open++;
      next();
    }
  }
}
