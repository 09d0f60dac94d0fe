import { safeText } from '../../src/model/text.ts';
import { fitColumns, type Column, type RowSource } from './columns.ts';
import { clampTable, type TableState } from './table-state.ts';

export interface TableLayout<T> {
  cursor: number;
  offset: number;
  visible: T[];
  /** Widths of the escaped columns, as drawn. */
  widths: number[];
}

/** The rows on screen and the column widths: what the table draws and what its detail line reads. */
export function tableLayout<T>(
  data: RowSource<T>,
  columns: readonly Column<T>[],
  state: TableState,
  height: number,
  width: number,
): TableLayout<T> {
  const { cursor, offset } = clampTable(state, data.length, height);
  const visible: T[] = [];
  for (let i = offset; i < Math.min(data.length, offset + height); i++) {
    const row = data.at(i);
    if (row !== undefined) visible.push(row);
  }
  return { cursor, offset, visible, widths: fitColumns(columns.map(escapedColumn), visible, width) };
}

/**
 * The selected row's cells that the narrow terminal cut (`ERROR: Cannot connect…`), in full, for the
 * status line: at 80 columns the reason for a failure stays readable on one line. Null when none was cut.
 */
export function clippedDetail<T>(layout: TableLayout<T>, columns: readonly Column<T>[]): string | null {
  const row = layout.visible[layout.cursor - layout.offset];
  if (row === undefined) return null;
  const parts: { text: string; rank: number }[] = [];
  columns.forEach((column, i) => {
    if (!column.detail) return;
    const value = column.value(row);
    if (safeText(value).length > (layout.widths[i] ?? 0))
      parts.push({ text: `${column.header}: ${value}`, rank: column.squeeze ?? Infinity });
  });
  // The columns that give way first (errors, conflicts) are the ones read first.
  parts.sort((a, b) => a.rank - b.rank);
  return parts.length > 0 ? parts.map((p) => p.text).join(' · ') : null;
}

/**
 * Every cell is device text (peer hostnames, VRF and interface names, errors): shown as visible
 * escapes, never executed, and measured after escaping so widths and truncation stay right.
 */
export function escapedColumn<T>(column: Column<T>): Column<T> {
  const value = (row: T) => safeText(column.value(row));
  return { ...column, header: safeText(column.header), value };
}
