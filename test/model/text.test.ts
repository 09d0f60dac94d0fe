import { describe, expect, it } from 'vitest';
import { isSafeText, safeBlock, safeJson, safeText } from '../../src/model/text.ts';

describe('safeText: device text shown, never executed', () => {
  it('shows ESC, OSC and CSI sequences as visible escapes', () => {
    const hostile = 'hv1\u001b]0;PWNED\u0007\u001b[2J\u001b[31mred';
    const out = safeText(hostile);
    expect(out).toBe('hv1\\x1b]0;PWNED\\x07\\x1b[2J\\x1b[31mred');
    expect(isSafeText(out)).toBe(true);
  });

  it('escapes C1 controls (8-bit CSI) and DEL', () => {
    expect(safeText('a\u009b2Jb\u007f')).toBe('a\\x9b2Jb\\x7f');
  });

  it('escapes bidi overrides and isolates that would reorder the rest of the line', () => {
    expect(safeText('eth0\u202egnp\u2066x\u2069')).toBe('eth0\\u202egnp\\u2066x\\u2069');
  });

  it('escapes unpaired surrogates but keeps real astral characters', () => {
    expect(safeText('a\ud800b')).toBe('a\\ud800b');
    expect(safeText('vrf-🙂')).toBe('vrf-🙂');
  });

  it('turns line breaks and tabs into spaces on one line, keeps them in a block', () => {
    expect(safeText('% Unknown command\r\nline 2\tx')).toBe('% Unknown command line 2 x');
    expect(safeBlock('% Unknown\r\n\u001b[2Jnext')).toBe('% Unknown\n\\x1b[2Jnext');
  });

  it('leaves ordinary names untouched (and returns the same string)', () => {
    const name = 'spine1 (rr[hv1) — 198.51.100.1/32';
    expect(safeText(name)).toBe(name);
    expect(isSafeText(name)).toBe(true);
  });
});

describe('safeJson: the same document, with nothing a terminal acts on', () => {
  it('parses back to the exact text while no line holds DEL, C1, bidi or C0 controls', () => {
    const value = {
      hostname: 'spine1\u001b]0;x\u0007',
      vrf: 'blue\u009b31m\u007f',
      tap: 'tap\u202e1',
      lone: '\ud800',
    };
    const json = safeJson(value);
    expect(JSON.parse(json)).toEqual(value);
    expect(json.split('\n').every(isSafeText)).toBe(true);
    expect(json).toContain('blue\\u009b31m\\u007f');
    expect(json).toContain('tap\\u202e1');
  });

  it('is JSON.stringify for ordinary values', () => {
    const value = { device: 'hv1', routes: [1, 2], note: 'grüße ✓' };
    expect(safeJson(value)).toBe(JSON.stringify(value, null, 2));
  });
});
