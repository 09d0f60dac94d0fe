/**
 * The driver's notices about clients, at most one per kind and source per window: a client that
 * reconnects in a loop must not flood the console's events and log (each is a store update and a
 * log line). The next notice after a quiet window says how many were held back. Across sources
 * each kind is capped too (many addresses, e.g. an IPv6 prefix, must not flood either).
 */
const PER_KIND = 10;

export class NoticeLimiter {
  readonly #windowMs: number;
  readonly #emit: (message: string) => void;
  readonly #now: () => number;
  readonly #seen = new Map<string, { until: number; held: number }>();
  readonly #kinds = new Map<string, { until: number; n: number }>();

  constructor(windowMs: number, emit: (message: string) => void, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#emit = emit;
    this.#now = now;
  }

  /** `key` groups notices (e.g. `auth-timeout|10.0.0.9`); `message` is already safe text. */
  notice(key: string, message: string): void {
    const t = this.#now();
    const seen = this.#seen.get(key);
    if (seen && t < seen.until) {
      seen.held += 1;
      return;
    }
    const kindKey = key.split('|')[0] ?? key;
    let kind = this.#kinds.get(kindKey);
    if (!kind || t >= kind.until) this.#kinds.set(kindKey, (kind = { until: t + this.#windowMs, n: 0 }));
    if (kind.n >= PER_KIND) return;
    kind.n += 1;
    const held = seen?.held ?? 0;
    if (this.#seen.size >= 1000) this.#prune(t);
    this.#seen.set(key, { until: t + this.#windowMs, held: 0 });
    this.#emit(held > 0 ? `${message} (and ${held} more like it before)` : message);
  }

  #prune(t: number): void {
    for (const [key, seen] of this.#seen) if (t >= seen.until) this.#seen.delete(key);
    // Still full (a flood from many sources): forget the oldest half rather than grow.
    if (this.#seen.size >= 1000) [...this.#seen.keys()].slice(0, 500).forEach((k) => this.#seen.delete(k));
  }
}
