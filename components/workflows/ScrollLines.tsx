import { Box, Text } from 'ink';
import { safeText } from '../../src/model/text.ts';
import { useConsole } from '../hooks/context.ts';
import type { Theme, ThemeColor } from '../theme.ts';
import type { Line } from './lines.ts';

export function colorOf(theme: Theme, color: ThemeColor | undefined): string | undefined {
  return color ? theme[color] : undefined;
}

/** Lines from `offset`, exactly `height` rows (padded), each cut to the width: the body of a flow screen. */
export function ScrollLines({
  lines,
  offset,
  height,
  width,
}: {
  lines: readonly Line[];
  offset: number;
  height: number;
  width: number;
}) {
  const { theme } = useConsole();
  const shown = lines.slice(offset, offset + height);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((line, i) => (
        <Text key={offset + i} color={colorOf(theme, line.color)} bold={line.bold} wrap="truncate-end">
          {safeText(line.text) || ' '}
        </Text>
      ))}
    </Box>
  );
}

/** Where a scroll offset may go for this many lines in this height. */
export function clampScroll(offset: number, total: number, height: number): number {
  return Math.max(0, Math.min(offset, total - height));
}

/** ↑ ↓ PgUp PgDn Home End on a scrolled text; null for any other key. */
export function scrollBy(name: string, offset: number, total: number, height: number): number | null {
  const page = Math.max(1, height - 1);
  const moves: Record<string, number> = {
    up: offset - 1,
    down: offset + 1,
    pgup: offset - page,
    pgdn: offset + page,
    'ctrl+b': offset - page,
    'ctrl+f': offset + page,
    home: 0,
    end: total,
  };
  const next = moves[name];
  return next === undefined ? null : clampScroll(next, total, height);
}
