import { Box, Text } from 'ink';
import { useMemo } from 'react';
import { safeText } from '../../src/model/text.ts';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { rowToAnsi } from './render.ts';
import type { ShellSession } from './session.ts';
import { useShellsState } from './useShells.ts';

/** The key that leaves a shell pane for the console (telnet's escape; no shell or editor binds it). */
export const SHELL_ESCAPE = '\u001d';

const NONE: readonly ShellSession[] = [];

export interface ShellPaneProps {
  id: number;
  width: number;
  /** Rows of the emulator (the title line is extra). */
  height: number;
}

/** A shell: one title line, then the emulator's screen cell by cell with colours and the cursor. */
export function ShellPane({ id, width, height }: ShellPaneProps) {
  const sessions = useShellsState((s) => s.sessions, NONE);
  const index = sessions.findIndex((s) => s.id === id);
  const session = sessions[index];
  return session ? (
    <ShellScreen session={session} index={index + 1} count={sessions.length} width={width} height={height} />
  ) : null;
}

function ShellScreen({
  session,
  index,
  count,
  width,
  height,
}: {
  session: ShellSession;
  index: number;
  count: number;
  width: number;
  height: number;
}) {
  const { theme } = useConsole();
  const simulated = useAppStore((s) => s.devices[session.device]?.spec.simulated === true);
  const { term, version } = session;
  const rows = useMemo(() => {
    const buffer = term.buffer.active;
    const cell = buffer.getNullCell();
    const cursorRow = buffer.baseY + buffer.cursorY;
    const out: string[] = [];
    for (let y = 0; y < Math.min(height, term.rows); y++) {
      const at = buffer.viewportY + y;
      const cursorX = at === cursorRow && session.state === 'open' ? buffer.cursorX : -1;
      out.push(rowToAnsi(buffer.getLine(at), Math.min(width, term.cols), cursorX, cell, theme.noColor));
    }
    return out;
    // `version` is what changes when the emulator's screen did.
  }, [term, version, width, height, session.state, theme.noColor]);
  const which = count > 1 ? ` ${index}/${count}` : '';
  return (
    <Box flexDirection="column" width={width} height={height + 1} overflow="hidden">
      <Box width={width} height={1}>
        <Text wrap="truncate-end">
          <Text bold color={theme.accent}>
            {`shell${which} ${safeText(session.device)}${simulated ? ' (sim)' : ''}`}
          </Text>
          <Text color={theme.muted}>
            {session.state === 'opening' ? ' connecting…' : ''}
            {` — Ctrl-] back to console${count > 1 ? ' · :shells to switch' : ''}`}
          </Text>
        </Text>
      </Box>
      {rows.map((row, y) => (
        <Text key={y} wrap="truncate-end">
          {row}
        </Text>
      ))}
    </Box>
  );
}
