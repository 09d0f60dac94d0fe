import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellJoin, shellQuote } from '../../../src/transport/ssh/quote.ts';

/** What a real POSIX shell makes of the quoted words: one argument each, byte for byte. */
function shellArgs(commandLine: string): string[] {
  const out = execFileSync('sh', ['-c', `for a in ${commandLine}; do printf '%s\\0' "$a"; done`], {
    encoding: 'utf8',
  });
  return out.split('\0').slice(0, -1);
}

describe('shellQuote', () => {
  it('leaves plain words bare so previews stay readable', () => {
    expect(shellJoin(['vtysh', '-N', 'hv1', '-c', 'show bgp summary json'])).toBe(
      "vtysh -N hv1 -c 'show bgp summary json'",
    );
    expect(shellQuote('10.0.0.0/24')).toBe('10.0.0.0/24');
  });

  it('keeps hostile strings one literal argument in a real shell', () => {
    const nasty = [
      '',
      "it's",
      "'",
      "''",
      '$(reboot)',
      '`id`',
      'a;b && c | d > /tmp/x',
      'tab\there',
      'new\nline',
      '*',
      '~root',
      '"double" \\back',
      'grüße',
      '-n',
    ];
    expect(shellArgs(nasty.map(shellQuote).join(' '))).toEqual(nasty);
  });

  it('refuses NUL, which no argv can carry', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});
