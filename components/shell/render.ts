/**
 * One emulator row as text with SGR escapes, for an ink <Text>: ink keeps SGR (and strips every
 * cursor movement), so a row costs one string instead of one element per coloured run.
 */
import type { IBufferCell, IBufferLine } from '@xterm/headless';
import { isSafeText } from '../../src/model/text.ts';

const ESC = '\u001b[';

interface Attrs {
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  inverse: boolean;
  strike: boolean;
  fg: string;
  bg: string;
}

const PLAIN: Attrs = {
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  inverse: false,
  strike: false,
  fg: '',
  bg: '',
};

/** The SGR parameters of a colour: 0–7 and 8–15 as their own codes (they follow the terminal's palette), else 256 or RGB. */
function colour(cell: IBufferCell, fg: boolean): string {
  const isDefault = fg ? cell.isFgDefault() : cell.isBgDefault();
  if (isDefault) return '';
  const value = fg ? cell.getFgColor() : cell.getBgColor();
  if (fg ? cell.isFgRGB() : cell.isBgRGB())
    return `${fg ? 38 : 48};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`;
  if (value < 8) return String((fg ? 30 : 40) + value);
  if (value < 16) return String((fg ? 90 : 100) + value - 8);
  return `${fg ? 38 : 48};5;${value}`;
}

function attrsOf(cell: IBufferCell, noColor: boolean, cursor: boolean): Attrs {
  return {
    bold: cell.isBold() !== 0,
    dim: cell.isDim() !== 0,
    italic: cell.isItalic() !== 0,
    underline: cell.isUnderline() !== 0,
    // The cursor is drawn as the cell with its colours swapped, as a block cursor looks.
    inverse: (cell.isInverse() !== 0) !== cursor,
    strike: cell.isStrikethrough() !== 0,
    fg: noColor ? '' : colour(cell, true),
    bg: noColor ? '' : colour(cell, false),
  };
}

function same(a: Attrs, b: Attrs): boolean {
  return (
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse &&
    a.strike === b.strike &&
    a.fg === b.fg &&
    a.bg === b.bg
  );
}

/** A full reset then what is set: simpler than diffing, and a row has few runs. */
function sgr(a: Attrs): string {
  const params = ['0'];
  if (a.bold) params.push('1');
  if (a.dim) params.push('2');
  if (a.italic) params.push('3');
  if (a.underline) params.push('4');
  if (a.inverse) params.push('7');
  if (a.strike) params.push('9');
  if (a.fg) params.push(a.fg);
  if (a.bg) params.push(a.bg);
  return `${ESC}${params.join(';')}m`;
}

/**
 * `cols` cells of `line` (blank past its end) with SGR runs; `cursorX` (or -1) is drawn inverted.
 * `cell` is a scratch cell reused across calls (xterm's advice for hot loops).
 */
export function rowToAnsi(
  line: IBufferLine | undefined,
  cols: number,
  cursorX: number,
  cell: IBufferCell | undefined,
  noColor: boolean,
): string {
  let out = '';
  let current = PLAIN;
  for (let x = 0; x < cols; x++) {
    const c = line?.getCell(x, cell);
    let attrs = PLAIN;
    let chars = ' ';
    if (c) {
      const width = c.getWidth();
      if (width === 0) continue; // the right half of a wide character
      chars = c.getChars() || ' ';
      // The emulator ran the controls, but keeps bidi marks with the cell before them: they would
      // reorder the real terminal's row. A cell is one column, too narrow for a visible escape.
      if (!isSafeText(chars)) chars = width === 2 ? '\ufffd ' : '\ufffd';
      attrs = attrsOf(c, noColor, x === cursorX);
      if (width === 2 && x === cols - 1) chars = ' '; // a wide character cut by the edge
    } else if (x === cursorX) attrs = { ...PLAIN, inverse: true };
    if (!same(attrs, current)) {
      out += same(attrs, PLAIN) ? `${ESC}0m` : sgr(attrs);
      current = attrs;
    }
    out += chars;
  }
  if (!same(current, PLAIN)) out += `${ESC}0m`;
  return out;
}
