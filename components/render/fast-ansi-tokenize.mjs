// What ink's frame builder (ink/build/output.js) imports from @alcalzone/ansi-tokenize, the same
// results with less garbage (issue 16: at 1,000 hosts each frame allocated ~10 MB, most of it here;
// every frame forced a young-generation collection, which promoted the polls' in-flight data and
// brought a full collection every ~15 s — each a slow keystroke). Loaded in its place for ink only by
// ./ansi-hooks.mjs; every other export is the library's own.
//  - styledCharsToString: two neighbouring characters with the same styles need no codes between
//    them (the library's diff of equal style lists is empty, built from three Sets a character).
//  - styledCharsFromTokens: characters between two ANSI codes share one styles array (the library
//    copies it per character; nothing changes a styles array once made).
//  - tokenize and styledCharsFromTokens remember the lines of the last two frames (at most
//    REMEMBERED_CHARS characters): a frame redraws the whole screen, and most of its lines read as in
//    the frame before. Their results are never changed by their callers (ink only reads them), so
//    handing the same arrays out again is safe. A line no frame drew since the one before is forgotten
//    at once (a frame is one synchronous run of ink's Output.get: the turn ends in a microtask) — an age
//    or counter that changed would otherwise stay until pushed out, seconds later, outliving young
//    collections: remembered lines were a fifth of what a steady fleet console promoted.
import {
  ansiCodesToString,
  diffAnsiCodes,
  reduceAnsiCodesIncremental,
  tokenize as tokenizeOnce,
} from '@alcalzone/ansi-tokenize';

export * from '@alcalzone/ansi-tokenize';

/**
 * Characters remembered, over all lines (a 200×60 screen is 12,000; each held character costs ~300
 * bytes with its token, styled character and line: ~5 MB in all): the oldest lines are forgotten first.
 */
export const REMEMBERED_CHARS = 16_384;
const tokensByLine = new Map();
let rememberedChars = 0;
const charsByTokens = new WeakMap();
/** The turn (a frame: one synchronous run) in which each remembered line was last asked for. */
const lastTurn = new Map();
let turn = 0;
let turnEnding = false;

/** Forgets the lines neither this turn nor the one before asked for; the next call starts a new turn. */
function endTurn() {
  turnEnding = false;
  for (const [line, at] of lastTurn) {
    if (at >= turn - 1) continue;
    lastTurn.delete(line);
    tokensByLine.delete(line);
    rememberedChars -= line.length;
  }
  turn++;
}

/** How many lines are remembered now (a test's way to see that ink used this module). */
export function rememberedLines() {
  return tokensByLine.size;
}

/** How many characters those lines hold together (bounded by REMEMBERED_CHARS). */
export function rememberedCharacters() {
  return rememberedChars;
}

export function tokenize(str, endChar) {
  if (endChar !== undefined || typeof str !== 'string') return tokenizeOnce(str, endChar);
  if (!turnEnding) {
    turnEnding = true;
    Promise.resolve().then(endTurn);
  }
  let tokens = tokensByLine.get(str);
  if (tokens !== undefined) {
    lastTurn.set(str, turn);
    return tokens;
  }
  tokens = tokenizeOnce(str);
  if (str.length > REMEMBERED_CHARS / 8) return tokens;
  rememberedChars += str.length;
  tokensByLine.set(str, tokens);
  lastTurn.set(str, turn);
  for (const [line] of tokensByLine) {
    if (rememberedChars <= REMEMBERED_CHARS) break;
    tokensByLine.delete(line);
    lastTurn.delete(line);
    rememberedChars -= line.length;
  }
  return tokens;
}

export function styledCharsFromTokens(tokens) {
  const known = charsByTokens.get(tokens);
  if (known !== undefined) return known;
  let codes = [];
  const chars = [];
  for (const token of tokens) {
    if (token.type === 'ansi') codes = reduceAnsiCodesIncremental(codes, [token]);
    // Written out, not `{ ...token, styles }`: on Node 20's V8 a spread here gave each character a
    // map of its own (a map, its descriptors and a property array: ~280 bytes where 48 do), and
    // remembered lines outlive young collections. A char token is these three fields (the library's
    // tokenize).
    else if (token.type === 'char')
      chars.push({ type: 'char', value: token.value, fullWidth: token.fullWidth, styles: codes });
  }
  charsByTokens.set(tokens, chars);
  return chars;
}

/** Whether two reduced style lists are the same codes in the same order (their diff is then empty). */
function sameStyles(a, b) {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++)
    if (a[i].code !== b[i].code || a[i].endCode !== b[i].endCode) return false;
  return true;
}

export function styledCharsToString(chars) {
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i];
    if (i === 0) {
      if (char.styles.length > 0) out += ansiCodesToString(char.styles);
    } else if (!sameStyles(chars[i - 1].styles, char.styles)) {
      out += ansiCodesToString(diffAnsiCodes(chars[i - 1].styles, char.styles));
    }
    out += char.value;
    if (i === chars.length - 1 && char.styles.length > 0)
      out += ansiCodesToString(diffAnsiCodes(char.styles, []));
  }
  return out;
}
