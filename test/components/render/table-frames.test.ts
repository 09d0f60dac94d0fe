/**
 * The console's Table draws a row as one <Text> of painted cells (components/shared/paint.ts): the
 * frames are byte for byte those of a <Text> per cell, colours on and off, at widths that cut cells,
 * with a selected row, wide characters and hostile text. Colours are forced in a process of its own
 * (chalk reads FORCE_COLOR when it loads).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { paint } from '../../../components/shared/paint.ts';

const run = promisify(execFile);
const CHILD = fileURLToPath(new URL('./table-child.tsx', import.meta.url));

describe('Table rows painted into one text', () => {
  it('gives the frames a <Text> per cell gave (18 tables, colours on and off)', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', CHILD], {
      env: { ...process.env, FORCE_COLOR: '3' },
      timeout: 120_000,
    });
    const { nested, table } = JSON.parse(stdout) as { nested: string[]; table: string[] };
    expect(table).toHaveLength(18);
    // Colours really were on (a frame without them would match trivially), and every row was drawn.
    expect(nested.join('')).toContain('\u001b[31m');
    expect(nested.join('')).toContain('\u001b[7m');
    for (let i = 0; i < nested.length; i++) expect(table[i]).toBe(nested[i]);
  });

  it('paints as ink colours: names, #hex, ansi256(), rgb(); unknown colours and empty text stay as they are', () => {
    expect(paint('x', undefined)).toBe('x');
    expect(paint('', 'red')).toBe('');
    expect(paint('x', 'no-such-colour')).toBe('x');
    expect(paint('x', 'ansi256(nope)')).toBe('x');
  });
});
