export const REDACTED = '[redacted]';

/**
 * Values that must never reach the database file (resolved API keys, passwords). Matching is on the
 * exact value and on its JSON-escaped form, because stored diffs are JSON text. Empty strings are
 * ignored (they would match everywhere).
 */
export class SecretScrubber {
  private values: string[] = [];

  constructor(initial: readonly string[] = []) {
    this.add(initial);
  }

  add(values: readonly string[]): void {
    const forms = values.filter((v) => v.length > 0).flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]);
    // Longest first, so a secret that contains another is replaced whole.
    this.values = [...new Set([...this.values, ...forms])].sort((a, b) => b.length - a.length);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.values) out = out.split(secret).join(REDACTED);
    return out;
  }

  contains(text: string): boolean {
    return this.values.some((secret) => text.includes(secret));
  }

  /** Scrubs every string (and object key) inside a JSON-like value. */
  scrubDeep<T>(value: T): T {
    return this.walk(value) as T;
  }

  private walk(value: unknown): unknown {
    if (typeof value === 'string') return this.scrub(value);
    if (Array.isArray(value)) return value.map((v) => this.walk(v));
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.walk(v)]));
    }
    return value;
  }
}
