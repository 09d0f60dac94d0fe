import { useEffect, useRef } from 'react';
import { useConsole } from '../hooks/context.ts';
import { DEVICE_ACTIONS, ROW_ACTIONS, TABLE_ACTIONS } from '../keys.ts';
import { currentFrame } from '../nav.ts';
import { Table } from '../shared/Table.tsx';
import { clippedDetail, tableLayout } from '../shared/table-layout.ts';
import { clampTable, type TableMove } from '../shared/table-state.ts';
import type { ViewModel, ViewProps } from './types.ts';

/** Binds a view's model to the shared table: movement keys, drill-in, and the meta the shell shows. */
export function TableView<T>({
  model,
  frame,
  height,
  width,
  dispatch,
  bindKeys,
  onMeta,
  onRowAction,
}: ViewProps & { model: ViewModel<T> }) {
  const { theme } = useConsole();
  const rowCount = model.rows.length;
  // The key handler outlives renders; it reads what is on screen now from here.
  const current = useRef({ model, rowCount, height, onRowAction });
  current.current = { model, rowCount, height, onRowAction };
  useEffect(() => {
    bindKeys((id) => {
      const { model, rowCount, height, onRowAction } = current.current;
      const latest = currentFrame(dispatch.latest());
      if (latest.id !== frame.id) return;
      if (TABLE_ACTIONS.has(id)) {
        dispatch({ type: 'move', move: id as TableMove, rowCount, height });
        return;
      }
      const row = model.rows.at(clampTable(latest.table, rowCount, height).cursor);
      if (ROW_ACTIONS.has(id)) {
        onRowAction?.(id, row !== undefined && model.subject ? model.subject(row) : null);
        return;
      }
      if (DEVICE_ACTIONS.has(id)) {
        onRowAction?.(id, row !== undefined && model.device ? model.device(row) : null);
        return;
      }
      const target = row !== undefined && model.open ? model.open(row, id) : null;
      if (target) dispatch({ type: 'open', ...target });
    });
    return () => bindKeys(null);
  }, [bindKeys, dispatch, frame.id]);
  const { total, progress, filterError } = model;
  const note = model.note ?? null;
  const detail = clippedDetail(
    tableLayout(model.rows, model.columns, frame.table, height, width),
    model.columns,
  );
  // The cursor is not reported here: the shell derives it from the frame in the same render, so a
  // keystroke costs one frame, not two (measured: scroll p99 100 → 66 ms with this alone).
  useEffect(() => {
    onMeta({ shown: rowCount, total, progress, filterError, note, detail });
  }, [onMeta, rowCount, total, progress, filterError, note, detail]);
  return (
    <Table
      data={model.rows}
      columns={model.columns}
      state={frame.table}
      height={height}
      width={width}
      theme={theme}
      rowColor={model.rowColor}
      empty={
        rowCount === 0 && frame.filter !== '' && total > 0
          ? `no row matches /${frame.filter}/ (${total} hidden)`
          : model.empty
      }
    />
  );
}
