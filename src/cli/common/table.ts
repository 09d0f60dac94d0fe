/** Plain aligned text tables for the non-interactive commands (the TUI has its own table component). */
import { safeText } from '../../model/text.ts';

export interface Column<T> {
  header: string;
  value: (row: T) => string;
  align?: 'left' | 'right';
  /** ANSI colour for a cell, applied only when colour is on. */
  color?: (row: T) => 'red' | 'yellow' | 'green' | 'dim' | null;
  /** Leave the column out when no row has a value (e.g. PROBLEMS on a healthy fabric). */
  hideWhenEmpty?: boolean;
}

export interface RenderOptions {
  color?: boolean;
  /** Terminal width: lines are clipped with `…` so a table never wraps (only set for a TTY). */
  width?: number;
}

const CODES = { red: 31, yellow: 33, green: 32, dim: 2 } as const;

export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
}

export function renderTable<T>(rows: T[], allColumns: Column<T>[], options: RenderOptions = {}): string {
  const columns = allColumns.filter(
    (column) => !column.hideWhenEmpty || rows.some((row) => column.value(row) !== ''),
  );
  // Cells are device text (hostnames, VRF and interface names, errors): shown as visible escapes,
  // never executed, and measured after escaping so the columns still line up.
  const cells = rows.map((row) => columns.map((column) => safeText(column.value(row))));
  const headers = columns.map((column) => safeText(column.header));
  const widths = columns.map((_column, i) =>
    Math.max(headers[i]!.length, ...cells.map((row) => row[i]!.length)),
  );
  const line = (texts: string[], tints: (string | null)[]) => {
    let out = '';
    let used = 0;
    const limit = options.width ?? Infinity;
    for (let i = 0; i < texts.length; i++) {
      const gap = i === 0 ? '' : '  ';
      const padded =
        columns[i]!.align === 'right' ? texts[i]!.padStart(widths[i]!) : texts[i]!.padEnd(widths[i]!);
      let text = gap + padded;
      const clipped = used + text.length > limit;
      // Never wrap: the last visible cell ends in `…` so the reader knows there is more.
      if (clipped) text = `${text.slice(0, Math.max(0, limit - used - 1))}…`;
      const tint = options.color ? tints[i] : null;
      out += tint
        ? `${text.slice(0, gap.length)}\x1b[${CODES[tint as keyof typeof CODES]}m${text.slice(gap.length)}\x1b[0m`
        : text;
      used += text.length;
      if (clipped) break;
    }
    return out.trimEnd();
  };
  const lines = [
    line(
      headers,
      columns.map(() => null),
    ),
  ];
  rows.forEach((row, r) =>
    lines.push(
      line(
        cells[r]!,
        columns.map((column) => column.color?.(row) ?? null),
      ),
    ),
  );
  return `${lines.join('\n')}\n`;
}
