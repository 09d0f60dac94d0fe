import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { safeText } from '../../src/model/text.ts';
import type { Theme } from '../theme.ts';
import { pad } from '../format.ts';
import { COLUMN_GAP, type Column, type RowSource } from './columns.ts';
import { escapedColumn, tableLayout } from './table-layout.ts';
import type { TableState } from './table-state.ts';

export interface TableProps<T> {
  data: RowSource<T>;
  columns: readonly Column<T>[];
  state: TableState;
  /** Rows of data on screen (the header line comes on top of these). */
  height: number;
  width: number;
  theme: Theme;
  /** Colours a whole row (e.g. a session that is down). */
  rowColor?: (row: T) => 'error' | 'warn' | undefined;
  empty?: string;
}

/**
 * The one table of the console. Only the window `offset … offset+height` is read from `data`, so a
 * million-route table costs the same to draw as a ten-row one.
 */
export function Table<T>({
  data,
  columns: given,
  state,
  height,
  width,
  theme,
  rowColor,
  empty,
}: TableProps<T>) {
  const columns = useMemo(() => given.map(escapedColumn), [given]);
  const { cursor, offset, visible, widths } = tableLayout(data, given, state, height, width);
  const gap = ' '.repeat(COLUMN_GAP);
  const header = columns.map((column, i) => pad(column.header, widths[i]!, column.align)).join(gap);
  const lines = visible.map((row, index) => {
    const selected = offset + index === cursor;
    const whole = rowColor?.(row);
    return (
      <Text key={offset + index} inverse={selected} wrap="truncate-end">
        {columns.map((column, i) => {
          const cell = pad(column.value(row), widths[i]!, column.align);
          const color = column.color?.(row) ?? whole;
          return (
            <Text key={i} color={color ? theme[color] : undefined}>
              {i === 0 ? cell : gap + cell}
            </Text>
          );
        })}
        {selected ? ' '.repeat(Math.max(0, width - header.length)) : ''}
      </Text>
    );
  });
  return (
    <Box flexDirection="column" height={height + 1} width={width}>
      <Text bold color={theme.accent} wrap="truncate-end">
        {header}
      </Text>
      {data.length === 0 ? (
        <Text color={theme.muted} wrap="truncate-end">
          {safeText(empty ?? 'nothing to show')}
        </Text>
      ) : (
        lines
      )}
    </Box>
  );
}
