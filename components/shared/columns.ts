import type { ThemeColor } from '../theme.ts';

/** ink-table's idea (data + columns), with room for a million rows: `data` is anything indexable. */
export interface RowSource<T> {
  readonly length: number;
  at(index: number): T | undefined;
}

export interface Column<T> {
  header: string;
  value(row: T): string;
  align?: 'left' | 'right';
  /** Narrowest the column may be squeezed to (defaults to the header's width, at most 6). */
  min?: number;
  /** Widest it may grow to from its content. */
  max?: number;
  color?(row: T): ThemeColor | undefined;
  /** Gives way first when the terminal is narrow (1 before 2; unset columns last): errors, peer names. */
  squeeze?: number;
  /** Shown in full on the status line when cut in the selected row (errors, peers, hosts). */
  detail?: boolean;
}

const GAP = 1;

/**
 * Column widths for a terminal `width` wide, from the headers and the rows on screen (never all rows).
 * Too wide: columns give way in `squeeze` order, the widest of a rank a cell at a time, so long errors
 * and peer names shrink before short status columns.
 */
export function fitColumns<T>(columns: readonly Column<T>[], visible: readonly T[], width: number): number[] {
  const floors = columns.map((column) => column.min ?? Math.min(column.header.length, 6));
  const widths = columns.map((column, i) => {
    let natural = column.header.length;
    for (const row of visible) natural = Math.max(natural, column.value(row).length);
    return Math.max(floors[i]!, Math.min(natural, column.max ?? 60));
  });
  const total = () => widths.reduce((sum, w) => sum + w, 0) + GAP * Math.max(0, widths.length - 1);
  let excess = total() - width;
  const priorities = [...new Set(columns.map((column) => column.squeeze ?? Infinity))].sort((a, b) => a - b);
  for (const priority of priorities) {
    while (excess > 0) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if ((columns[i]!.squeeze ?? Infinity) !== priority || widths[i]! <= floors[i]!) continue;
        if (widest < 0 || widths[i]! > widths[widest]!) widest = i;
      }
      if (widest < 0) break;
      widths[widest]! -= 1;
      excess -= 1;
    }
  }
  return widths;
}

export const COLUMN_GAP = GAP;
