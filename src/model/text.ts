/**
 * The one sanitizer for text a device or a network client supplied (peer hostnames, VRF and interface
 * names, error messages, usernames) before any renderer sees it. Control characters are shown as
 * visible escapes, never executed: C0 and DEL (`\x1b`, `\x07`), C1 (`\x9b`, which some terminals read
 * as CSI), bidi controls that reorder what follows (`\u202e`) and unpaired surrogates.
 */

// C0, DEL, C1, bidi embeddings/overrides/isolates and marks, lone surrogates.
// Matching control characters is this module's job.
const UNSAFE =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const UNSAFE_TEST = new RegExp(UNSAFE.source);

function escape(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One line of device text for a table cell, status line or title: line breaks and tabs become spaces. */
export function safeText(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text;
  return text.replace(/\r\n|[\r\n\t]/g, ' ').replace(UNSAFE, escape);
}

/** Device text of several lines (a router's error reply): keeps `\n`, escapes every other control. */
export function safeBlock(text: string): string {
  if (!UNSAFE_TEST.test(text)) return text;
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\t/g, '  ')
    .replace(UNSAFE, (char) => (char === '\n' ? char : escape(char)));
}

/** True when `text` holds nothing a terminal would interpret (for assertions and cheap checks). */
export function isSafeText(text: string): boolean {
  return !UNSAFE_TEST.test(text);
}

// What JSON.stringify leaves raw but a terminal may act on: DEL, C1, bidi controls.
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * JSON for a terminal: the same document as JSON.stringify (a parser reads back the exact device
 * text), with DEL, C1 and bidi controls written as `\uXXXX` escapes instead of raw characters.
 * JSON.stringify already escapes C0 controls and lone surrogates.
 */
export function safeJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(
    JSON_UNSAFE,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
