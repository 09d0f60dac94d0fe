/**
 * The table modules write SQL once, with `?` or `@name` placeholders (better-sqlite3's); PostgreSQL
 * wants `$1…$n`. Quoted text is left alone. The same `@name` used twice maps to one `$n`, so
 * `(@plan IS NULL OR plan_id = @plan)` gets one parameter whose type PostgreSQL can infer.
 */
export interface Translated {
  sql: string;
  /** Positional: how many `?`; named: the name of each `$n` in order. */
  names: string[] | number;
}

const cache = new Map<string, Translated>();

export function translate(sql: string): Translated {
  const hit = cache.get(sql);
  if (hit) return hit;
  let out = '';
  let positional = 0;
  const names: string[] = [];
  let quote: string | null = null;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      out += c;
      if (c === quote) quote = null;
      continue;
    }
    if (c === "'" || c === '"') {
      quote = c;
      out += c;
    } else if (c === '?') {
      out += `$${++positional}`;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_]\w*/.exec(sql.slice(i + 1))![0];
      let index = names.indexOf(name);
      if (index < 0) index = names.push(name) - 1;
      out += `$${index + 1}`;
      i += name.length;
    } else out += c;
  }
  const result: Translated = { sql: out, names: names.length > 0 ? names : positional };
  cache.set(sql, result);
  return result;
}

/** The parameter array for a translated statement, from better-sqlite3-style arguments. */
export function bind(t: Translated, args: readonly unknown[]): unknown[] {
  if (typeof t.names === 'number') return args.map(value);
  const named = (args[0] ?? {}) as Record<string, unknown>;
  return t.names.map((n) => {
    if (!(n in named)) throw new Error(`missing named parameter @${n}`);
    return value(named[n]);
  });
}

// SQLite takes booleans as 0/1; PostgreSQL's integer columns want the same.
const value = (v: unknown): unknown => (typeof v === 'boolean' ? (v ? 1 : 0) : v === undefined ? null : v);
