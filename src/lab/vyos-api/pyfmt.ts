/**
 * Python formatting, so emulator replies are byte-for-byte what the FastAPI server sends:
 * `json.dumps` (", " and ": " separators, non-ASCII escaped) and `repr()` of a dict, which
 * appears in `Malformed command '{...}'` errors.
 */

const escapeNonAscii = (s: string): string =>
  s.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Python `json.dumps(value)` with default arguments. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return escapeNonAscii(JSON.stringify(value));
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  if (typeof value === 'object') {
    const items = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`,
    );
    return `{${items.join(', ')}}`;
  }
  return 'null';
}

function reprString(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(quote === "'" ? /'/g : /"/g, `\\${quote}`);
  return `${quote}${body}${quote}`;
}

/** Python `repr()` of a value decoded from JSON. */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'string') return reprString(value);
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return `[${value.map(pyRepr).join(', ')}]`;
  if (typeof value === 'object') {
    const items = Object.entries(value as Record<string, unknown>).map(
      ([k, v]) => `${reprString(k)}: ${pyRepr(v)}`,
    );
    return `{${items.join(', ')}}`;
  }
  return 'None';
}

/** Python `html.escape(s, quote=False)`, applied by the 1.5 `error()` helper ([V1x] rest/models.py). */
export function htmlEscapeNoQuote(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
