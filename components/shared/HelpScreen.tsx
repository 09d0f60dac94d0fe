import { Box, Text } from 'ink';
import { useConsole } from '../hooks/context.ts';
import { displayKey, visibleBindings, type KeyBinding, type ViewId } from '../keys.ts';
import { pad } from '../format.ts';

interface HelpLine {
  key: string;
  text: string;
}

/** Word-wraps `text` to `width` (a word longer than the line is cut hard). */
function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    let rest = word;
    while (rest.length > width) {
      if (line) out.push(line);
      out.push(rest.slice(0, width));
      rest = rest.slice(width);
      line = '';
    }
    if (!line) line = rest;
    else if (line.length + 1 + rest.length <= width) line += ` ${rest}`;
    else {
      out.push(line);
      line = rest;
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

/** Every binding's keys and description, the description wrapped under itself (never cut with `…`). */
export function helpLines(
  bindings: readonly KeyBinding[],
  width: number,
): { keyWidth: number; lines: HelpLine[] } {
  const keyWidth = Math.min(18, Math.max(...bindings.map((b) => b.keys.map(displayKey).join(' ').length)));
  const textWidth = Math.max(10, width - keyWidth - 2);
  const lines = bindings.flatMap((binding) =>
    wrap(binding.description, textWidth).map((text, i) => ({
      key: i === 0 ? binding.keys.map(displayKey).join(' ') : '',
      text,
    })),
  );
  return { keyWidth, lines };
}

/** Scroll offsets the help accepts: the last page ends at the last line. */
export function clampHelpOffset(offset: number, total: number, height: number): number {
  return Math.max(0, Math.min(offset, total - Math.max(1, height - 1)));
}

/**
 * `?`: every key of this view with its description, generated from the same table the handlers use;
 * taller than the terminal, it scrolls (j/k, PgUp/PgDn) and the title says where you are.
 */
export function HelpScreen({
  width,
  height,
  view,
  offset,
}: {
  width: number;
  height: number;
  view: ViewId;
  offset: number;
}) {
  const { keys, theme, readOnly, poller, workflows, shells } = useConsole();
  const bindings = visibleBindings(keys, {
    view,
    readOnly,
    hasPoller: poller !== null,
    hasWorkflows: workflows !== null,
    hasShells: shells !== null,
  });
  const { keyWidth, lines } = helpLines(bindings, width);
  const page = Math.max(1, height - 1);
  const start = clampHelpOffset(offset, lines.length, height);
  const shown = lines.slice(start, start + page);
  const position =
    lines.length > page
      ? ` lines ${start + 1}–${start + shown.length} of ${lines.length} · j/k PgUp/PgDn scroll`
      : '';
  return (
    <Box flexDirection="column" width={width} height={height + 1}>
      <Text bold color={theme.accent} wrap="truncate-end">
        {`KEYS (${view}${readOnly ? ', read-only' : ''})${position}`}
      </Text>
      {shown.map((line, i) => (
        <Text key={start + i} wrap="truncate-end">
          <Text color={theme.key} bold>
            {pad(line.key, keyWidth)}
          </Text>
          <Text>{`  ${line.text}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
