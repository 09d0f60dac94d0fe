import { Box, Text } from 'ink';
import { safeText } from '../../src/model/text.ts';
import { useConsole } from '../hooks/context.ts';
import { displayKey, visibleBindings, type ViewId } from '../keys.ts';
import type { Mode } from '../nav.ts';

const PROMPT_KEYS: [string, string][] = [
  ['enter', 'apply'],
  ['esc', 'cancel'],
  ['tab', 'complete'],
];

/** The footer: the keys of this view, from the key table (a read-only console shows no dangerous key). */
export function HelpBar({
  width,
  view,
  mode,
  override,
}: {
  width: number;
  view: ViewId;
  mode: Mode;
  /** A wizard or timeline's own keys, in place of the view's. */
  override?: readonly [string, string][] | null;
}) {
  const { keys, theme, readOnly, poller, workflows, shells } = useConsole();
  const items: readonly [string, string][] = override
    ? override
    : mode === 'command' || mode === 'filter'
      ? PROMPT_KEYS.filter(([key]) => mode === 'command' || key !== 'tab')
      : mode === 'help'
        ? [
            ['esc', 'close'],
            ['j/k pgdn', 'scroll'],
          ]
        : visibleBindings(keys, {
            view,
            readOnly,
            hasPoller: poller !== null,
            hasWorkflows: workflows !== null,
            hasShells: shells !== null,
          })
            .filter((binding) => binding.footer)
            .map((binding) => [displayKey(binding.keys[0]!), binding.label]);
  return (
    <Box width={width} height={1}>
      <Text wrap="truncate-end">
        {items.map(([key, label], i) => (
          <Text key={i}>
            <Text color={theme.key} bold>
              {`<${safeText(key)}>`}
            </Text>
            <Text>{` ${safeText(label)}${i < items.length - 1 ? ' ' : ''}`}</Text>
          </Text>
        ))}
      </Text>
    </Box>
  );
}
