import { secretPattern } from '../transport/secrets.ts';

export const REDACTED = '[redacted]';

/**
 * Values that must never reach the database file (resolved API keys, passwords). Matching covers
 * every encoding a secret comes back in (as is, URL-encoded, form-encoded, JSON-escaped, base64;
 * see secretPattern), because stored diffs are JSON text and device errors quote what servers echo.
 * Empty strings are ignored (they would match everywhere).
 */
export class SecretScrubber {
  private values: string[] = [];
  private pattern: RegExp | null = null;

  constructor(initial: readonly string[] = []) {
    this.add(initial);
  }

  add(values: readonly string[]): void {
    // Longest first, so a secret that contains another is replaced whole.
    this.values = [...new Set([...this.values, ...values.filter((v) => v.length > 0)])].sort(
      (a, b) => b.length - a.length,
    );
    this.pattern =
      this.values.length === 0 ? null : new RegExp(this.values.map(secretPattern).join('|'), 'g');
  }

  scrub(text: string): string {
    return this.pattern ? text.replace(this.pattern, REDACTED) : text;
  }

  contains(text: string): boolean {
    if (!this.pattern) return false;
    this.pattern.lastIndex = 0;
    return this.pattern.test(text);
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
