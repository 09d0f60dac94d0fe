/**
 * ink's frames built with components/render's leaner ANSI handling are byte for byte the frames the
 * library gives (issue 16: the lean module only allocates less), and ink really uses it once
 * useFastAnsi() ran (a process of its own: module hooks are per process).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as library from '@alcalzone/ansi-tokenize';
import { describe, expect, it } from 'vitest';
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';
import * as lean from '../../../components/render/fast-ansi-tokenize.mjs';
import fastSliceAnsi, {
  REMEMBERED_LINES,
  rememberedWidths,
} from '../../../components/render/fast-slice-ansi.mjs';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./frame-child.tsx', import.meta.url));

async function frames(
  mode: 'fast' | 'plain',
): Promise<{ written: string; remembered: number; widths: number }> {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD, mode], {
    env: { ...process.env, FORCE_COLOR: '3' },
    timeout: 120_000,
  });
  return JSON.parse(stdout) as { written: string; remembered: number; widths: number };
}

/** A seeded generator: the same strings every run. */
function strings(seed: number, count: number): string[] {
  let s = seed;
  const next = (n: number) => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s % n;
  };
  const parts = [
    'a',
    'b',
    ' ',
    'spine1',
    '宽',
    'é',
    '👍🏽',
    '\u001b[1m',
    '\u001b[2m',
    '\u001b[22m',
    '\u001b[31m',
    '\u001b[39m',
    '\u001b[7m',
    '\u001b[27m',
    '\u001b[0m',
    '\u001b[4m',
    '\u001b[24m',
    '\u001b[38;5;208m',
    '\u001b[48;2;1;2;3m',
    '\u001b[49m',
    '\u001b[1;31m',
    '\u001b]8;;https://example.invalid\u0007',
    '\u001b]8;;\u0007',
  ];
  return Array.from({ length: count }, () =>
    Array.from({ length: next(30) }, () => parts[next(parts.length)]).join(''),
  );
}

describe('lean ANSI handling for ink', () => {
  it('gives the library’s lines for every mix of styles, wide characters and links (2,000 seeded lines)', () => {
    for (const line of strings(16, 2000)) {
      const expected = library.styledCharsToString(library.styledCharsFromTokens(library.tokenize(line)));
      expect(lean.styledCharsToString(lean.styledCharsFromTokens(lean.tokenize(line)))).toBe(expected);
      // Twice: the second time from what it remembered.
      expect(lean.styledCharsToString(lean.styledCharsFromTokens(lean.tokenize(line)))).toBe(expected);
      // ink also joins characters of several lines in one row (a cell's text beside another's).
      const chars = [
        ...library.styledCharsFromTokens(library.tokenize(line)),
        ...library.styledCharsFromTokens(library.tokenize(`x${line}`)),
      ];
      expect(lean.styledCharsToString(chars)).toBe(library.styledCharsToString(chars));
    }
  });

  it('forgets a line no frame drew since the one before (an age that changed), keeps the ones redrawn', async () => {
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    const stamp = Date.now();
    const aged = `hv1 \u001b[33m3.${stamp} s\u001b[39m`;
    const kept = `hv2 \u001b[32mEstablished ${stamp}\u001b[39m`;
    const first = lean.tokenize(aged);
    const stay = lean.tokenize(kept);
    expect(lean.tokenize(aged)).toBe(first);
    await turn();
    expect(lean.tokenize(kept)).toBe(stay);
    await turn();
    expect(lean.tokenize(kept)).toBe(stay);
    await turn();
    // Two frames without it: made anew, not the remembered tokens.
    const again = lean.tokenize(aged);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    expect(lean.tokenize(kept)).toBe(stay);
  });

  it('remembers a bounded number of characters, and not a line longer than an eighth of them', () => {
    for (const line of strings(7, 3000)) lean.tokenize(`${line}|${Math.random()}`);
    expect(lean.rememberedCharacters()).toBeLessThanOrEqual(lean.REMEMBERED_CHARS);
    expect(lean.rememberedCharacters()).toBeGreaterThan(lean.REMEMBERED_CHARS / 2);
    const lines = lean.rememberedLines();
    const long = 'x'.repeat(lean.REMEMBERED_CHARS / 8 + 1);
    expect(lean.tokenize(long)).toHaveLength(long.length);
    expect(lean.rememberedLines()).toBe(lines);
  });

  it('its characters share one hidden class, however many lines it has seen (a spread gave each its own: ~6× the memory)', async () => {
    // V8's own view (natives syntax, so a process of its own): 3,000 lines of styles, wide characters
    // and numbers, then every 50th character compared with the one before it.
    const module = new URL('../../../components/render/fast-ansi-tokenize.mjs', import.meta.url).href;
    const script = `
      const lean = await import(${JSON.stringify(module)});
      const chars = [];
      for (let i = 0; i < 3000; i++) {
        const line = '\\u001b[' + (31 + (i % 7)) + 'm hv' + i + ' \\u001b[39m ' + 'x'.repeat(i % 40) + ' \\u001b[1m' + i * 7 + '\\u001b[22m 宽 ✓';
        chars.push(...lean.styledCharsFromTokens(lean.tokenize(line)));
      }
      let pairs = 0, same = 0;
      for (let i = 1; i < chars.length; i += 50, pairs++) if (%HaveSameMap(chars[i], chars[i - 1])) same++;
      console.log(JSON.stringify({ pairs, same, chars: chars.length }));`;
    const { stdout } = await run(
      process.execPath,
      ['--allow-natives-syntax', '--input-type=module', '-e', script],
      { timeout: 120_000 },
    );
    const { pairs, same, chars } = JSON.parse(stdout) as { pairs: number; same: number; chars: number };
    expect(chars).toBeGreaterThan(100_000);
    expect(same).toBe(pairs);
  });

  it('a line inside the clip comes back as it is, the same characters and styles; every cut is slice-ansi’s (2,000 seeded lines)', () => {
    // What the terminal shows: each character with its set of styles (slice-ansi may reorder the codes
    // that open them: the same attributes, other bytes).
    const cells = (text: string) =>
      library
        .styledCharsFromTokens(library.tokenize(text))
        .map(
          (c) =>
            `${c.value}{${c.styles
              .map((s) => s.code)
              .sort()
              .join()}}`,
        )
        .join('');
    let asItIs = 0;
    for (const line of strings(23, 2000)) {
      const width = stringWidth(line);
      // What ink asks when the line lies wholly inside the clip: the same characters and styles.
      expect(cells(fastSliceAnsi(line, 0, width))).toBe(cells(sliceAnsi(line, 0, width)));
      expect(cells(fastSliceAnsi(line, 0, width + 3))).toBe(cells(sliceAnsi(line, 0, width + 3)));
      if (fastSliceAnsi(line, 0, width) === line) asItIs++;
      // Real cuts: slice-ansi's own answer.
      for (const [from, to] of [
        [0, Math.max(0, width - 1)],
        [1, width],
        [2, Math.max(2, width - 2)],
      ] as const)
        expect(fastSliceAnsi(line, from, to)).toBe(sliceAnsi(line, from, to));
    }
    // A good share skip slice-ansi (these seeded lines are dense in hyperlinks and bold with dim, which do not).
    expect(asItIs).toBeGreaterThan(400);
    expect(rememberedWidths()).toBeLessThanOrEqual(REMEMBERED_LINES);
  });

  it('ink renders the same frames with it, and uses it once useFastAnsi() ran', async () => {
    const [fast, plain] = await Promise.all([frames('fast'), frames('plain')]);
    expect(plain.remembered).toBe(0);
    expect(plain.widths).toBe(0);
    expect(fast.remembered).toBeGreaterThan(0);
    expect(fast.widths).toBeGreaterThan(0);
    // Styled (FORCE_COLOR), six frames with a moving highlight, a clipped wide-character cell.
    expect(fast.written).toContain('\u001b[7m');
    expect(fast.written).toContain('frame 5');
    expect(fast.written).toBe(plain.written);
  });
});
