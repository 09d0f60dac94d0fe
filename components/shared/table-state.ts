/** Cursor and scroll position of a virtual table: two integers, whatever the number of rows. */
export interface TableState {
  cursor: number;
  offset: number;
}

export type TableMove = 'up' | 'down' | 'page-up' | 'page-down' | 'top' | 'bottom';

export const INITIAL_TABLE: TableState = { cursor: 0, offset: 0 };

/** Keeps the cursor inside the rows and the window around the cursor (rows come and go between polls). */
export function clampTable(state: TableState, rowCount: number, height: number): TableState {
  const page = Math.max(1, height);
  const cursor = Math.min(Math.max(0, state.cursor), Math.max(0, rowCount - 1));
  let offset = Math.min(state.offset, Math.max(0, rowCount - page));
  if (cursor < offset) offset = cursor;
  if (cursor >= offset + page) offset = cursor - page + 1;
  offset = Math.max(0, offset);
  if (state.cursor === cursor && state.offset === offset) return state;
  return { cursor, offset };
}

export function moveTable(state: TableState, move: TableMove, rowCount: number, height: number): TableState {
  const page = Math.max(1, height);
  const current = clampTable(state, rowCount, height);
  const last = Math.max(0, rowCount - 1);
  switch (move) {
    case 'up':
      return clampTable({ ...current, cursor: current.cursor - 1 }, rowCount, height);
    case 'down':
      return clampTable({ ...current, cursor: current.cursor + 1 }, rowCount, height);
    case 'page-up':
      return clampTable({ cursor: current.cursor - page, offset: current.offset - page }, rowCount, height);
    case 'page-down':
      return clampTable(
        { cursor: Math.min(last, current.cursor + page), offset: current.offset + page },
        rowCount,
        height,
      );
    case 'top':
      return { cursor: 0, offset: 0 };
    case 'bottom':
      return clampTable({ cursor: last, offset: Math.max(0, rowCount - page) }, rowCount, height);
  }
}
