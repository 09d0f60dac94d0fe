import xterm from '@xterm/headless';
import { describe, expect, it } from 'vitest';
import { rowToAnsi } from '../../components/shell/render.ts';
import { wrapLines } from '../../components/workflows/lines.ts';
import { isSafeText } from '../../src/model/text.ts';

const { Terminal } = xterm;

// A router's error reply as the timeline and plan screens would quote it.
const ROUTER_ERROR =
  'step 3 failed: % Commit failed \u001b]0;owned\u0007\u001b[2J\u009b31m on spine1 \u202eevil';

describe('the flow screens escape what they quote', () => {
  it('wrapLines escapes first, then wraps the escaped text to the width', () => {
    const lines = wrapLines([{ text: ROUTER_ERROR, color: 'error' }], 24);
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) {
      expect(isSafeText(line.text)).toBe(true);
      expect(line.text.length).toBeLessThanOrEqual(24);
      expect(line.color).toBe('error');
    }
    const joined = lines.map((l) => l.text.trim()).join('');
    expect(joined).toContain('\\x1b]0;owned\\x07\\x1b[2J\\x9b31m');
    expect(joined).toContain('\\u202eevil');
  });

  it('a multi-line reply becomes one line per screen row, never a raw newline', () => {
    const lines = wrapLines([{ text: '% line one\r\n% line two' }], 80);
    expect(lines.map((l) => l.text)).toEqual(['% line one % line two']);
  });
});

describe('the shell pane', () => {
  it('draws a cell holding a bidi control as U+FFFD, keeping the row its width', async () => {
    const term = new Terminal({ cols: 12, rows: 2, allowProposedApi: true });
    // The emulator runs the C1 CSI (red) itself, but keeps U+202E with the `b` before it.
    await new Promise<void>((resolve) => term.write('ab\u202ecd\u009b31mef', resolve));
    const row = rowToAnsi(term.buffer.active.getLine(0), 12, -1, undefined, false);
    const text = row.replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(isSafeText(text)).toBe(true);
    expect(text).toBe('a\ufffdcdef      ');
    // The colour the shell asked for is drawn as ours (SGR), the C1 byte itself never is.
    expect(row).toContain('\u001b[0;31mef');
    term.dispose();
  });
});
