/**
 * The three JSON dialects the simulated tools print: json-c's PRETTY layout (FRR's vty_json:
 * two-space indent, `"key":value`, empty containers as `{\n}`), iproute2's compact one, and
 * nftables' jansson layout (`", "` and `": "`). Parsers do not care, people diffing outputs do.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

const PADS: string[] = [];
const pad = (level: number): string => (PADS[level] ??= '  '.repeat(level));
const KEYS = new Map<string, string>();
/** `"key":` — a router's 100k entries print the same few dozen keys. */
const keyText = (k: string): string => {
  let text = KEYS.get(k);
  if (text === undefined) {
    text = `${JSON.stringify(k)}:`;
    if (KEYS.size < 4096) KEYS.set(k, text);
  }
  return text;
};

function pretty(v: Json | undefined, level: number, out: string[]): void {
  if (v === null || typeof v !== 'object') {
    out.push(JSON.stringify(v ?? null));
    return;
  }
  const inner = pad(level + 1);
  let n = 0;
  if (Array.isArray(v)) {
    out.push('[\n');
    for (const x of v) {
      out.push(n++ > 0 ? `,\n${inner}` : inner);
      pretty(x, level + 1, out);
    }
  } else {
    out.push('{\n');
    for (const k in v) {
      const x = v[k];
      if (x === undefined) continue;
      out.push(n++ > 0 ? `,\n${inner}` : inner, keyText(k));
      pretty(x, level + 1, out);
    }
  }
  if (n > 0) out.push('\n');
  out.push(pad(level), Array.isArray(v) ? ']' : '}');
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
