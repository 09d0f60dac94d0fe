/** Plain aligned text tables for the non-interactive commands (the TUI has its own table component). */
export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** ANSI colour for a cell, applied only when colour is on. */
  color?: (row: T) => 'red' | 'yellow' | 'green' | 'dim' | null;
}

const CODES = { red: 31, yellow: 33, green: 32, dim: 2 } as const;

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
}

export function renderTable<T>(rows: T[], columns: Column<T>[], color = false): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row).replace(/[\r\n\t]/g, ' ')));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, ...cells.map((row) => row[i]!.length)),
  );
  const pad = (text: string, i: number) =>
    columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const lines = [
    columns
      .map((column, i) => pad(column.header, i))
      .join('  ')
      .trimEnd(),
  ];
  rows.forEach((row, r) => {
    const line = columns.map((column, i) => {
      const text = pad(cells[r]![i]!, i);
      const tint = color ? column.color?.(row) : null;
      return tint ? `\x1b[${CODES[tint]}m${text}\x1b[0m` : text;
    });
    lines.push(line.join('  ').trimEnd());
  });
  return `${lines.join('\n')}\n`;
}

export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86400)}d${String(Math.floor((s % 86400) / 3600)).padStart(2, '0')}h`;
}
