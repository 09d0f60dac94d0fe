/**
 * The fabric's BGP transport: every UPDATE reaches its peer after `hopDelayMs ± jitterMs` on a
 * real timer, in order per session (TCP never reorders, so an announce and the withdrawal right
 * after it arrive as sent). While the fabric is being built messages are delivered synchronously,
 * so the lab starts converged.
 */
import type { SessionEnd } from './bgp-types.ts';
import type { Prng } from './prng.ts';

export class Wire {
  private synchronous = true;
  private readonly queue: (() => void)[] = [];
  private draining = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;

  constructor(
    private readonly hopDelayMs: number,
    private readonly jitterMs: number,
    private readonly prng: Prng,
  ) {}

  /** From now on messages take real time. */
  goLive(): void {
    this.drain();
    this.synchronous = false;
  }

  /** Queues one message from `from` to its peer; dropped if the session resets before it lands. */
  send(from: SessionEnd, deliver: () => void): void {
    if (this.closed) return;
    const generation = from.generation;
    const fire = (): void => {
      if (from.generation !== generation || from.state !== 'Established') return;
      from.msgSent++;
      from.remote.msgRcvd++;
      deliver();
    };
    if (this.synchronous) {
      this.queue.push(fire);
      this.drain();
      return;
    }
    const now = Date.now();
    const delay = Math.max(0, this.hopDelayMs + (this.prng.next() * 2 - 1) * this.jitterMs);
    const at = Math.max(now + delay, from.lastArrival);
    from.lastArrival = at;
    this.after(at - now, fire);
  }

  /** A timer that close() cancels. */
  after(ms: number, fn: () => void): void {
    if (this.closed) return;
    if (this.synchronous) {
      this.queue.push(fn);
      this.drain();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let fn = this.queue.shift(); fn; fn = this.queue.shift()) fn();
    } finally {
      this.draining = false;
    }
  }

  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue.length = 0;
  }
}
