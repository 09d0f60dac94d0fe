import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { safeText } from '../../src/model/text.ts';
import type { Theme } from '../theme.ts';
import { pad } from '../format.ts';
import { paint } from './paint.ts';
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
  // One <Text> a row, its cells painted into one string: a <Text> per cell made ~400 elements a frame,
  // whose props the committed tree holds until the next frame — at fleet size a steady console's
  // frames were half of what it promoted to the old generation. The same bytes on screen (paint.ts).
  const lines = visible.map((row, index) => {
    const selected = offset + index === cursor;
    const whole = rowColor?.(row);
    let text = '';
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i]!;
      const cell = pad(column.value(row), widths[i]!, column.align);
      const color = column.color?.(row) ?? whole;
      text += paint(i === 0 ? cell : gap + cell, color ? theme[color] : undefined);
    }
    if (selected) text += ' '.repeat(Math.max(0, width - header.length));
    return (
      <Text key={offset + index} inverse={selected} wrap="truncate-end">
        {text}
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
