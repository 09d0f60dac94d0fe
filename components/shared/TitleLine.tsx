import { Box, Text } from 'ink';
import { safeText } from '../../src/model/text.ts';
import { suggest, type CommandContext } from '../command.ts';
import { useConsole } from '../hooks/context.ts';
import type { Mode } from '../nav.ts';
import type { ViewMeta } from '../views/types.ts';

export interface TitleLineProps {
  width: number;
  crumbs: string[];
  filter: string;
  mode: Mode;
  input: string;
  /** The view's counts, with the cursor the shell derived from the current frame. */
  meta: (ViewMeta & { cursor: number }) | null;
  commands: CommandContext;
}

const SEPARATOR = ' › ';

/** The last crumbs that fit in `room` cells, oldest dropped first: the current view always shows. */
export function fitCrumbs(crumbs: readonly string[], room: number): { shown: string[]; dropped: boolean } {
  const length = (list: readonly string[]) => list.join(SEPARATOR).length;
  let first = 0;
  while (first < crumbs.length - 1 && length(crumbs.slice(first)) + (first > 0 ? 4 : 0) > room) first++;
  return { shown: crumbs.slice(first), dropped: first > 0 };
}

/**
 * Line 2: the breadcrumb and counts; while `:` or `/` is typed, the prompt (k9s puts it above the table).
 * Crumbs name devices and VRFs as the devices reported them: escaped.
 */
export function TitleLine({ width, crumbs, filter, mode, input, meta, commands }: TitleLineProps) {
  const { theme } = useConsole();
  const counts = meta
    ? `[${meta.shown === 0 ? 0 : meta.cursor + 1}/${meta.shown}${meta.shown !== meta.total ? ` of ${meta.total}` : ''}]`
    : '';
  const progress = meta?.progress != null ? ` filtering… ${meta.progress}%` : '';
  let left;
  if (mode === 'command' || mode === 'filter') {
    const hint = mode === 'command' ? (suggest(input, commands)[0] ?? '') : '';
    const word = input.split(/\s+/).pop() ?? '';
    left = (
      <Text wrap="truncate-end">
        <Text bold color={theme.key}>
          {mode === 'command' ? ':' : '/'}
        </Text>
        <Text>{safeText(input)}</Text>
        <Text inverse> </Text>
        <Text color={theme.muted}>{safeText(hint.slice(word.length))}</Text>
      </Text>
    );
  } else {
    const room = width - counts.length - progress.length - 1 - (filter ? safeText(filter).length + 2 : 0);
    const { shown, dropped } = fitCrumbs(crumbs.map(safeText), room);
    left = (
      <Text wrap="truncate-end">
        {dropped ? <Text color={theme.muted}>… › </Text> : null}
        {shown.map((crumb, i) => (
          <Text key={i}>
            {i > 0 ? <Text color={theme.muted}> › </Text> : null}
            <Text bold={i === shown.length - 1}>{crumb}</Text>
          </Text>
        ))}
        {filter ? <Text color={theme.key}> /{safeText(filter)}</Text> : null}
      </Text>
    );
  }
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        {left}
      </Box>
      <Box flexShrink={0}>
        <Text color={theme.warn}>{progress}</Text>
        <Text> {counts}</Text>
      </Box>
    </Box>
  );
}
