import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from '../../src/cli/table.ts';

interface Row {
  peer: string;
  state: string;
  note: string;
}

const columns: Column<Row>[] = [
  { header: 'PEER', value: (r) => r.peer },
  { header: 'STATE', value: (r) => r.state, color: (r) => (r.state === 'Established' ? null : 'red') },
  { header: 'NOTE', value: (r) => r.note, hideWhenEmpty: true },
];

describe('CLI tables', () => {
  it('aligns columns and leaves out a column nobody has a value for', () => {
    const text = renderTable(
      [
        { peer: 'dn-hv1', state: 'Established', note: '' },
        { peer: 'dn-hv10', state: 'Active', note: '' },
      ],
      columns,
    );
    expect(text).toBe('PEER     STATE\ndn-hv1   Established\ndn-hv10  Active\n');
  });

  it('clips to the terminal width instead of wrapping', () => {
    const rows = [{ peer: 'dn-hv1', state: 'Idle', note: 'x'.repeat(200) }];
    const lines = renderTable(rows, columns, { width: 30 }).trimEnd().split('\n');
    expect(lines.every((line) => line.length <= 30)).toBe(true);
    expect(lines[1]).toMatch(/^dn-hv1 {2}Idle {3}x+…$/);
  });

  it('colours only when asked, and never colours a clipped-away cell', () => {
    const rows = [{ peer: 'dn-hv1', state: 'Active', note: '' }];
    expect(renderTable(rows, columns)).not.toContain('\x1b[');
    expect(renderTable(rows, columns, { color: true })).toContain('\x1b[31mActive\x1b[0m');
  });
});
