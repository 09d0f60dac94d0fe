/**
 * IP text <-> 32-bit words, for the compact route table (the model layer can't use src/addr, and
 * ip-num objects are too heavy for a million routes). IPv4 is one word, IPv6 four, big-endian.
 */

/** Parses `a.b.c.d[/len]` or IPv6 text into `out` (words 0–3, then the length); returns the family, or 0. */
export function parseIpWords(text: string, out: Uint32Array): 0 | 4 | 6 {
  const slash = text.indexOf('/');
  const end = slash < 0 ? text.length : slash;
  let family: 0 | 4 | 6 = 0;
  if (text.lastIndexOf(':', end - 1) < 0) {
    const v = parseV4(text, 0, end);
    if (v < 0) return 0;
    out[0] = v;
    family = 4;
  } else if (parseV6(text, end, out)) family = 6;
  else return 0;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) out[4] = max;
  else {
    // One to three decimal digits, at most the family's width.
    const digits = text.length - slash - 1;
    if (digits < 1 || digits > 3) return 0;
    let len = 0;
    for (let i = slash + 1; i < text.length; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return 0;
      len = len * 10 + c;
    }
    if (len > max) return 0;
    out[4] = len;
  }
  return family;
}

/** Dotted quad to a number, or -1. Leading zeros are refused: neither FRR nor iproute2 prints them. */
export function parseV4(t: string, start: number, end: number): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < end; i++) {
    const c = t.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + c - 48;
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 && digits > 0 && dots < 3) {
      value = value * 256 + part;
      part = digits = 0;
      dots++;
    } else return -1;
  }
  return dots === 3 && digits > 0 ? value * 256 + part : -1;
}

// Scratch for parseV6 and formatV6 (never held across calls): a route table's build parses and prints
// every IPv6 prefix, and the split/array/closure versions were ~3 s of a 1,000-host console's start.
const GROUPS = new Uint32Array(8);

/**
 * IPv6 text `t[0, end)` (without a length) into four words: groups of one to four hex digits, at most
 * one `::` standing for at least one zero group, and a dotted quad as the last two groups.
 */
function parseV6(t: string, end: number, out: Uint32Array): boolean {
  const g = GROUPS;
  let n = 0;
  let gap = -1;
  let i = 0;
  if (t.charCodeAt(0) === 58) {
    if (end < 2 || t.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
  }
  while (i < end) {
    let j = i;
    let value = 0;
    for (; j < end && j - i < 5; j++) {
      const d = hexDigit(t.charCodeAt(j));
      if (d < 0) break;
      value = value * 16 + d;
    }
    if (j < end && t.charCodeAt(j) === 46) {
      // A dotted quad: the rest of the text, two groups.
      const v = parseV4(t, i, end);
      if (v < 0 || n > 6) return false;
      g[n++] = v >>> 16;
      g[n++] = v & 0xffff;
      break;
    }
    if (j === i || j - i > 4 || n === 8) return false;
    g[n++] = value;
    i = j;
    if (i === end) break;
    if (t.charCodeAt(i) !== 58) return false;
    i++;
    if (i < end && t.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i++;
    } else if (i === end) return false;
  }
  const missing = 8 - n;
  if (gap < 0 ? missing !== 0 : missing < 1) return false;
  // Groups after the gap move to the end; the gap is zeros.
  for (let w = 0; w < 4; w++)
    out[w] = (groupAt(g, n, gap, 2 * w) * 0x10000 + groupAt(g, n, gap, 2 * w + 1)) >>> 0;
  return true;
}

/** Group `k` (0–7) of the address whose `n` parsed groups have the zero gap at `gap` (-1: none). */
function groupAt(g: Uint32Array, n: number, gap: number, k: number): number {
  if (gap < 0 || k < gap) return g[k]!;
  const after = k - (8 - n);
  return after < gap ? 0 : g[after]!;
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

export function formatV4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** FRR's own inet_ntop (lib/ntop.c): longest zero run (first on ties, ≥ 2 groups), `::A.B.C.D` when v4-compatible. */
export function formatV6(w: ArrayLike<number>, at = 0): string {
  const g = GROUPS;
  for (let i = 0; i < 4; i++) {
    const word = w[at + i] ?? 0;
    g[2 * i] = word >>> 16;
    g[2 * i + 1] = word & 0xffff;
  }
  let best = 0;
  let bestLen = 0;
  for (let i = 0, run = 0; i <= 8; i++) {
    if (i < 8 && g[i] === 0) run++;
    else {
      if (run > bestLen) {
        best = i - run;
        bestLen = run;
      }
      run = 0;
    }
  }
  if (best === 0 && bestLen === 6) return `::${formatV4(w[at + 3] ?? 0)}`;
  if (bestLen < 2) bestLen = 0;
  let text = '';
  // A colon before every group but the first and the one right after the `::`.
  let colon = false;
  for (let i = 0; i < 8; i++) {
    if (bestLen > 0 && i === best) {
      text += '::';
      i += bestLen - 1;
      colon = false;
      continue;
    }
    if (colon) text += ':';
    text += g[i]!.toString(16);
    colon = true;
  }
  return text;
}

/** The network mask of word `word` (0–3) for a prefix length. */
export function maskWord(len: number, word: number): number {
  const bits = Math.min(32, Math.max(0, len - 32 * word));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}
