/**
 * The three JSON dialects the simulated tools print: json-c's PRETTY layout (FRR's vty_json:
 * two-space indent, `"key":value`, empty containers as `{\n}`), iproute2's compact one, and
 * nftables' jansson layout (`", "` and `": "`). Parsers do not care, people diffing outputs do.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json | undefined };

const PADS: string[] = [];
const pad = (level: number): string => (PADS[level] ??= '  '.repeat(level));

/** A line that opens with a key: JSON.stringify's `"key": ` (no string value starts a line and is followed by `: `). */
const KEY_SPACE = /^( *"(?:[^"\\\n]|\\.)*":) /gm;
/** An empty container opening a line (after its key, if any): json-c prints `{\n<pad>}`. */
const EMPTY_OBJECT = /^( *)((?:"(?:[^"\\\n]|\\.)*":)?)\{\}/gm;
const EMPTY_ARRAY = /^( *)((?:"(?:[^"\\\n]|\\.)*":)?)\[\]/gm;

/**
 * json-c `JSON_C_TO_STRING_PRETTY | NOSLASHESCAPE`, without the trailing newline vty_json adds; at
 * `level`, as a value nested that deep (every line after the first indented by it). V8's own
 * `JSON.stringify(v, null, 2)`, then its two differences from json-c made good: `"key":value` without
 * the space, and an empty container over two lines. A simulated router's 20 MB BGP summary or a host's
 * 95 kB, printed value by value in JavaScript, was most of the lab's CPU while 1,000 hosts were first read.
 */
export function jsonC(v: Json, level = 0): string {
  let text = JSON.stringify(v ?? null, null, 2).replace(KEY_SPACE, '$1');
  if (text.includes('{}')) text = text.replace(EMPTY_OBJECT, '$1$2{\n$1}');
  if (text.includes('[]')) text = text.replace(EMPTY_ARRAY, '$1$2[\n$1]');
  return level > 0 ? text.replaceAll('\n', `\n${pad(level)}`) : text;
}

/** iproute2 `-j`: compact, one line. */
export function compact(v: unknown): string {
  return JSON.stringify(v);
}

/**
 * nftables `-j`: jansson with `", "` / `": "` separators on one line. JSON.stringify with a tab indent
 * gives `": "` after keys and a newline and tabs between items — neither can occur inside a string
 * (JSON escapes both) — so the items' newlines become `", "` and the rest go.
 */
export function jansson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v ?? null);
  return JSON.stringify(v, null, '\t').replace(ITEM_BREAK, ', ').replace(LINE_BREAK, '');
}
const ITEM_BREAK = /,\n\t*/g;
const LINE_BREAK = /\n\t*/g;
