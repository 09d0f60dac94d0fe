import { Box, Text } from 'ink';
import { useConsole } from '../hooks/context.ts';
import { displayKey, visibleBindings, type ViewId } from '../keys.ts';
import { pad } from '../format.ts';

/** `?`: every key of this view with its description, generated from the same table the handlers use. */
export function HelpScreen({ width, height, view }: { width: number; height: number; view: ViewId }) {
  const { keys, theme, readOnly, poller, workflows, shells } = useConsole();
  const bindings = visibleBindings(keys, {
    view,
    readOnly,
    hasPoller: poller !== null,
    hasWorkflows: workflows !== null,
    hasShells: shells !== null,
  });
  const keyWidth = Math.min(18, Math.max(...bindings.map((b) => b.keys.map(displayKey).join(' ').length)));
  const lines = bindings.slice(0, Math.max(0, height - 1));
  return (
    <Box flexDirection="column" width={width} height={height + 1}>
      <Text bold color={theme.accent}>
        {`KEYS (${view}${readOnly ? ', read-only' : ''})`}
      </Text>
      {lines.map((binding) => (
        <Text key={binding.id} wrap="truncate-end">
          <Text color={theme.key} bold>
            {pad(binding.keys.map(displayKey).join(' '), keyWidth)}
          </Text>
          <Text>{`  ${binding.description}`}</Text>
        </Text>
      ))}
    </Box>
  );
}
