/**
 * Run by table-frames.test.ts in a process of its own with colours forced (FORCE_COLOR=3: chalk reads
 * it when loaded): renders tables — coloured cells, whole-row colours, a selected row, wide characters,
 * cells cut at a narrow width, hostile text — with the console's Table and with the way it drew them
 * before (one <Text> per cell, kept here as the reference), and prints both series of frames.
 */
import { PassThrough } from 'node:stream';
import React from 'react';
import { Box, Text, render } from 'ink';
import { Table } from '../../../components/shared/Table.tsx';
import { COLUMN_GAP, type Column } from '../../../components/shared/columns.ts';
import { escapedColumn, tableLayout } from '../../../components/shared/table-layout.ts';
import { pad } from '../../../components/format.ts';
import { createTheme, type Theme } from '../../../components/theme.ts';

interface Row {
  name: string;
  state: string;
  note: string;
  n: number;
}

const rows: Row[] = Array.from({ length: 30 }, (_, i) => ({
  name: i % 5 === 3 ? `宽字符-hv${i}` : `hv${i}`,
  state: i % 4 === 0 ? 'Idle' : 'Established',
  note: i % 7 === 2 ? `evil\u001b[2J\u001b]8;;x\u0007text ${i}` : `${'x'.repeat(i % 13)} note ${i}`,
  n: i * 37,
}));

const columns: Column<Row>[] = [
  { header: 'NAME', value: (r) => r.name, min: 4, max: 16 },
  { header: 'STATE', value: (r) => r.state, color: (r) => (r.state === 'Idle' ? 'error' : 'ok') },
  {
    header: 'N',
    value: (r) => String(r.n),
    align: 'right',
    color: (r) => (r.n % 3 === 0 ? 'accent' : undefined),
  },
  { header: 'NOTE', value: (r) => r.note, squeeze: 2, color: () => 'muted' },
];

/** The Table as it drew rows before: a <Text> per cell inside the row's <Text>. */
function NestedTable(props: {
  state: { cursor: number; offset: number };
  height: number;
  width: number;
  theme: Theme;
}) {
  const cols = columns.map(escapedColumn);
  const { cursor, offset, visible, widths } = tableLayout(
    rows,
    columns,
    props.state,
    props.height,
    props.width,
  );
  const gap = ' '.repeat(COLUMN_GAP);
  const header = cols.map((c, i) => pad(c.header, widths[i]!, c.align)).join(gap);
  const whole = (r: Row) => (r.n % 11 === 0 ? ('warn' as const) : undefined);
  return (
    <Box flexDirection="column" height={props.height + 1} width={props.width}>
      <Text bold color={props.theme.accent} wrap="truncate-end">
        {header}
      </Text>
      {visible.map((row, index) => {
        const selected = offset + index === cursor;
        return (
          <Text key={offset + index} inverse={selected} wrap="truncate-end">
            {cols.map((column, i) => {
              const cell = pad(column.value(row), widths[i]!, column.align);
              const color = column.color?.(row) ?? whole(row);
              return (
                <Text key={i} color={color ? props.theme[color] : undefined}>
                  {i === 0 ? cell : gap + cell}
                </Text>
              );
            })}
            {selected ? ' '.repeat(Math.max(0, props.width - header.length)) : ''}
          </Text>
        );
      })}
    </Box>
  );
}

async function frames(kind: 'nested' | 'table'): Promise<string[]> {
  const out: string[] = [];
  for (const noColor of [false, true])
    for (const width of [100, 44, 23])
      for (const cursor of [0, 7, 29]) {
        const stdout = Object.assign(new PassThrough(), { columns: width, rows: 14, isTTY: true });
        let written = '';
        stdout.on('data', (chunk: Buffer) => (written += chunk.toString()));
        const theme = createTheme(noColor);
        const state = { cursor, offset: Math.max(0, cursor - 5) };
        const el =
          kind === 'nested' ? (
            <NestedTable state={state} height={10} width={width} theme={theme} />
          ) : (
            <Table
              data={rows}
              columns={columns}
              state={state}
              height={10}
              width={width}
              theme={theme}
              rowColor={(r) => (r.n % 11 === 0 ? 'warn' : undefined)}
            />
          );
        const app = render(el, {
          stdout: stdout as unknown as NodeJS.WriteStream,
          patchConsole: false,
          exitOnCtrlC: false,
        });
        app.unmount();
        await new Promise((resolve) => setImmediate(resolve));
        out.push(written);
      }
  return out;
}

process.stdout.write(JSON.stringify({ nested: await frames('nested'), table: await frames('table') }));
