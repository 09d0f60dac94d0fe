/**
 * A deadline that can be suspended. Used for the handshake and for command deadlines, which
 * must not run while an operator reads a host key fingerprint and decides whether to trust it.
 */
export class PausableDeadline {
  private timer: NodeJS.Timeout | undefined;
  private remaining: number;
  private startedAt = 0;
  private readonly onExpire: () => void;

  constructor(ms: number, onExpire: () => void) {
    // setTimeout turns anything above 2^31-1 ms into 1 ms; clamp instead (~24 days).
    this.remaining = Math.min(ms, 2 ** 31 - 1);
    this.onExpire = onExpire;
  }

  /** Starts or continues counting down; a no-op while already running. */
  resume(): void {
    if (this.timer || this.remaining <= 0) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.remaining = 0;
      this.onExpire();
    }, this.remaining);
  }

  /** Stops counting down, keeping the time left; also how a deadline is cancelled for good. */
  pause(): void {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.remaining -= Date.now() - this.startedAt;
  }
}
