import { Box, Text } from 'ink';
import { safeText } from '../../src/model/text.ts';
import { formatAge, formatClock } from '../format.ts';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { useNow, useStoreAtTicks } from '../hooks/useNow.ts';

/** Line 1: where the data comes from (a lab says so on every screen), device health, polling, clock. */
export function Header({ width }: { width: number }) {
  const { theme, readOnly } = useConsole();
  const now = useNow();
  // Counted when the clock ticks, not at every published state: at fleet size the polling count moves
  // with every publish, and each was a frame (useStoreAtTicks).
  const { label, ok, degraded, unreachable, unknown, polling, lastPoll } = useStoreAtTicks((s) => {
    const counts = {
      label: s.source.label,
      ok: 0,
      degraded: 0,
      unreachable: 0,
      unknown: 0,
      polling: 0,
      lastPoll: 0,
    };
    for (const name of s.deviceOrder) {
      const entry = s.devices[name];
      if (!entry) continue;
      counts[entry.health] += 1;
      if (entry.polling) counts.polling += 1;
      counts.lastPoll = Math.max(counts.lastPoll, entry.lastSuccessAt ?? 0);
    }
    return counts;
  });
  const watchers = useAppStore((s) => s.watchers);
  const poll =
    polling > 0
      ? `polling ${polling}`
      : lastPoll > 0
        ? `polled ${formatAge(now - lastPoll)} ago`
        : 'not polled';
  const clock = formatClock(now);
  return (
    <Box width={width} height={1}>
      <Box flexGrow={1} flexShrink={1} overflow="hidden">
        <Text wrap="truncate-end">
          <Text bold color={theme.accent}>
            {safeText(label)}
          </Text>
          {readOnly ? <Text color={theme.warn}> [read-only]</Text> : null}
          <Text> │ </Text>
          <Text color={theme.ok}>ok {ok}</Text>
          {degraded > 0 ? <Text color={theme.warn}> degraded {degraded}</Text> : null}
          {unreachable > 0 ? <Text color={theme.error}> down {unreachable}</Text> : null}
          {unknown > 0 ? <Text color={theme.muted}> unknown {unknown}</Text> : null}
          <Text> │ {poll}</Text>
          {watchers.length > 0 ? (
            <Text color={theme.warn}>
              {' │ '}
              watched by {watchers.length}: {safeText(watchers.map((w) => w.user).join(', '))}
            </Text>
          ) : null}
        </Text>
      </Box>
      <Box flexShrink={0}>
        <Text> {clock}</Text>
      </Box>
    </Box>
  );
}
