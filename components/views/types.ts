import type { ViewId } from '../keys.ts';
import type { Frame, NavDispatch, ViewArgs } from '../nav.ts';
import type { Column, RowSource } from '../shared/columns.ts';

export type ViewKeyHandler = (actionId: string) => void;

export interface ViewProps {
  frame: Frame;
  /** Data rows that fit under the table header. */
  height: number;
  width: number;
  /** The view hands the shell its handler for row actions (`down`, `drill`, …); null on unmount. */
  bindKeys(handler: ViewKeyHandler | null): void;
  dispatch: NavDispatch;
  onMeta(meta: ViewMeta): void;
  /** A key acting on the selected row's workload (`m`, `d`) or device (`s`): the view names it, the shell acts. */
  onRowAction?(actionId: string, subject: string | null): void;
}

/** What the shell shows about the view around the table: counts, filter progress and problems. */
export interface ViewMeta {
  shown: number;
  total: number;
  progress: number | null;
  filterError: string | null;
  note: string | null;
  /** The selected row's cells cut by a narrow terminal, in full (`ERROR: …`); null when none was cut. */
  detail?: string | null;
}

export interface OpenTarget {
  view: ViewId;
  args: ViewArgs;
}

export interface ViewModel<T> {
  rows: RowSource<T>;
  total: number;
  columns: readonly Column<T>[];
  progress: number | null;
  filterError: string | null;
  note?: string | null;
  rowColor?: (row: T) => 'error' | 'warn' | undefined;
  /** The workload a row belongs to, for the row actions (null: none the registry knows). */
  subject?: (row: T) => string | null;
  /** The device a row is on, for `s` (a shell there). */
  device?: (row: T) => string | null;
  /** Where Enter (`drill`) or another view key leads from a row. */
  open?: (row: T, action: string) => OpenTarget | null;
  empty?: string;
}
