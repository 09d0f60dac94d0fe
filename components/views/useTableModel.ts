import { useMemo } from 'react';
import { compileFilter } from '../filter.ts';
import { useFilteredRows } from '../hooks/useFilteredRows.ts';
import type { Column, RowSource } from '../shared/columns.ts';

/** Filters a view's rows on the text of its columns, the same text the user sees. */
export function useTableModel<T>(source: RowSource<T>, columns: readonly Column<T>[], filterText: string) {
  const filter = useMemo(() => compileFilter(filterText), [filterText]);
  const text = useMemo(() => (row: T) => columns.map((column) => column.value(row)).join(' '), [columns]);
  const { rows, progress } = useFilteredRows(source, text, filter);
  return {
    rows,
    total: source.length,
    progress,
    filterError: filter.kind === 'error' ? filter.message : null,
  };
}
