import { Box, Text } from 'ink';
import { useSyncExternalStore } from 'react';
import { safeText } from '../../src/model/text.ts';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { truncate } from '../format.ts';
import type { Flash } from '../nav.ts';

const RECENT_EVENT_MS = 60_000;
/** A long message may take the footer's line too (the footer comes back when it clears). */
export const STATUS_LINES = 2;

export interface StatusBarProps {
  width: number;
  flash: Flash | null;
  filterError: string | null;
  note: string | null;
  /** The selected row's cells a narrow terminal cut, in full. */
  detail?: string | null;
  /** A workflow running while the engineer looks elsewhere. */
  activity?: string | null;
  now: number;
}

/**
 * The line of news: a flash from the last key, a bad filter, a lookup result, or the latest fabric event.
 * Most of it quotes devices (an SSH error, a `% …` reply, a peer's hostname): escaped here, once.
 */
export function StatusBar({ width, flash, filterError, note, detail, activity, now }: StatusBarProps) {
  const { theme, logs } = useConsole();
  const log = useSyncExternalStore(logs.subscribe, logs.last);
  const event = useAppStore((s) => s.events[s.events.length - 1] ?? null);
  let text = '';
  let color: string | undefined;
  if (flash) {
    text = flash.text;
    color = flash.level === 'error' ? theme.error : theme.ok;
  } else if (filterError) {
    text = filterError;
    color = theme.error;
  } else if (activity) {
    text = activity;
    color = theme.warn;
  } else if (note) {
    text = note;
    color = theme.accent;
  } else if (detail) {
    text = detail;
  } else if (log && now - log.at < RECENT_EVENT_MS) {
    text = log.text;
    color = log.level === 'error' ? theme.error : theme.muted;
  } else if (event && now - event.at < RECENT_EVENT_MS) {
    text = `${event.device}: ${event.message}`;
    color = event.level === 'info' ? theme.muted : event.level === 'warn' ? theme.warn : theme.error;
  }
  // A message (the answer to a key) may take two lines, over the footer, rather than lose its end;
  // news and the selected row's detail keep to one.
  const lines = flash || filterError ? STATUS_LINES : 1;
  return (
    <Box width={width} flexShrink={0}>
      <Text color={color} wrap={lines > 1 ? 'wrap' : 'truncate-end'}>
        {truncate(safeText(text), width * lines) || ' '}
      </Text>
    </Box>
  );
}
