/**
 * IP text <-> 32-bit words, for the compact route table (the model layer can't use src/addr, and
 * ip-num objects are too heavy for a million routes). IPv4 is one word, IPv6 four, big-endian.
 */

/** Parses `a.b.c.d[/len]` or IPv6 text into `out` (words 0–3, then the length); returns the family, or 0. */
export function parseIpWords(text: string, out: Uint32Array): 0 | 4 | 6 {
  const slash = text.indexOf('/');
  const end = slash < 0 ? text.length : slash;
  let family: 0 | 4 | 6 = 0;
  if (text.indexOf(':') < 0) {
    const v = parseV4(text, 0, end);
    if (v < 0) return 0;
    out[0] = v;
    family = 4;
  } else if (parseV6(text.slice(0, end), out)) family = 6;
  else return 0;
  const max = family === 4 ? 32 : 128;
  if (slash < 0) out[4] = max;
  else {
    const lenText = text.slice(slash + 1);
    const len = Number(lenText);
    if (!/^\d{1,3}$/.test(lenText) || len > max) return 0;
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

function parseV6(t: string, out: Uint32Array): boolean {
  const halves = t.split('::');
  if (halves.length > 2) return false;
  const sides: number[][] = [[], []];
  for (const [h, half] of halves.entries()) {
    if (half === '') continue;
    const parts = half.split(':');
    for (const [i, p] of parts.entries()) {
      if (p.includes('.') && i === parts.length - 1 && h === halves.length - 1) {
        const v = parseV4(p, 0, p.length);
        if (v < 0) return false;
        sides[h]!.push(v >>> 16, v & 0xffff);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) sides[h]!.push(parseInt(p, 16));
      else return false;
    }
  }
  const [head = [], tail = []] = sides;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return false;
  const all = [...head, ...new Array<number>(missing).fill(0), ...tail];
  for (let w = 0; w < 4; w++) out[w] = ((all[2 * w] ?? 0) * 0x10000 + (all[2 * w + 1] ?? 0)) >>> 0;
  return true;
}

export function formatV4(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** FRR's own inet_ntop (lib/ntop.c): longest zero run (first on ties, ≥ 2 groups), `::A.B.C.D` when v4-compatible. */
export function formatV6(w: ArrayLike<number>, at = 0): string {
  const g: number[] = [];
  for (let i = 0; i < 4; i++) g.push((w[at + i] ?? 0) >>> 16, (w[at + i] ?? 0) & 0xffff);
  let best = 0;
  let bestLen = 0;
  for (let i = 0, run = 0; i <= 8; i++) {
    if (i < 8 && g[i] === 0) run++;
    else {
      if (run > bestLen) [best, bestLen] = [i - run, run];
      run = 0;
    }
  }
  if (best === 0 && bestLen === 6) return `::${formatV4(w[at + 3] ?? 0)}`;
  if (bestLen < 2) return g.map((x) => x.toString(16)).join(':');
  const hex = (x: number): string => x.toString(16);
  return `${g.slice(0, best).map(hex).join(':')}::${g
    .slice(best + bestLen)
    .map(hex)
    .join(':')}`;
}

/** The network mask of word `word` (0–3) for a prefix length. */
export function maskWord(len: number, word: number): number {
  const bits = Math.min(32, Math.max(0, len - 32 * word));
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}
