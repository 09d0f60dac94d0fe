import { useInput } from 'ink';
import { useEffect } from 'react';
import { useConsole } from '../hooks/context.ts';
import { keyName, resolveKey, TABLE_ACTIONS } from '../keys.ts';
import { currentFrame } from '../nav.ts';
import { Table } from '../shared/Table.tsx';
import { clampTable, type TableMove } from '../shared/table-state.ts';
import type { ViewModel, ViewProps } from './types.ts';

/** Binds a view's model to the shared table: movement keys, drill-in, and the meta the shell shows. */
export function TableView<T>({
  model,
  frame,
  height,
  width,
  active,
  dispatch,
  onMeta,
}: ViewProps & { model: ViewModel<T> }) {
  const { keys, readOnly, poller, theme } = useConsole();
  const rowCount = model.rows.length;
  const { cursor } = clampTable(frame.table, rowCount, height);
  useInput(
    (input, key) => {
      // Keys can outrun React: `:` then `r` in one tick must not reach the table as "routes".
      const nav = dispatch.latest();
      const latest = currentFrame(nav);
      if (nav.mode !== 'normal' || latest.id !== frame.id) return;
      const resolved = resolveKey(keys, keyName(input, key), {
        view: frame.view,
        readOnly,
        hasPoller: poller !== null,
      });
      if (!resolved || resolved.refused) return;
      const id = resolved.binding.id;
      if (TABLE_ACTIONS.has(id)) {
        dispatch({ type: 'move', move: id as TableMove, rowCount, height });
        return;
      }
      const row = model.rows.at(clampTable(latest.table, rowCount, height).cursor);
      const target = row !== undefined && model.open ? model.open(row, id) : null;
      if (target) dispatch({ type: 'open', ...target });
    },
    { isActive: active },
  );
  const { total, progress, filterError } = model;
  const note = model.note ?? null;
  useEffect(() => {
    onMeta({ shown: rowCount, total, cursor, progress, filterError, note });
  }, [onMeta, rowCount, total, cursor, progress, filterError, note]);
  return (
    <Table
      data={model.rows}
      columns={model.columns}
      state={frame.table}
      height={height}
      width={width}
      theme={theme}
      rowColor={model.rowColor}
      empty={model.empty}
    />
  );
}
