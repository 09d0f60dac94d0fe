/**
 * The three JSON dialects the simulated tools print: json-c's PRETTY layout (FRR's vty_json:
 * two-space indent, `"key":value`, empty containers as `{\n}`), iproute2's compact one, and
 * nftables' jansson layout (`", "` and `": "`). Parsers do not care, people diffing outputs do.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

function pretty(v: Json | undefined, level: number, out: string[]): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v ?? null));
    return;
  }
  const pad = '  '.repeat(level + 1);
  const entries: [string | null, Json][] = Array.isArray(v)
    ? v.map((x) => [null, x])
    : Object.entries(v).flatMap(([k, x]) => (x === undefined ? [] : [[k, x] as [string, Json]]));
  out.push(Array.isArray(v) ? '[\n' : '{\n');
  entries.forEach(([k, x], i) => {
    if (i > 0) out.push(',\n');
    out.push(pad);
    if (k !== null) out.push(`${JSON.stringify(k)}:`);
    pretty(x, level + 1, out);
  });
  if (entries.length > 0) out.push('\n');
  out.push('  '.repeat(level), Array.isArray(v) ? ']' : '}');
}

/** json-c `JSON_C_TO_STRING_PRETTY | NOSLASHESCAPE`, without the trailing newline vty_json adds. */
export function jsonC(v: Json, level = 0): string {
  const out: string[] = [];
  pretty(v, level, out);
  return out.join('');
}

/** iproute2 `-j`: compact, one line. */
export function compact(v: unknown): string {
  return JSON.stringify(v);
}

/** nftables `-j`: jansson with `", "` / `": "` separators on one line. */
export function jansson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  if (Array.isArray(v)) return `[${v.map(jansson).join(', ')}]`;
  const parts = Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== undefined)
    .map(([k, x]) => `${JSON.stringify(k)}: ${jansson(x)}`);
  return `{${parts.join(', ')}}`;
}
