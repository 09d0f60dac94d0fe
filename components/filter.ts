import { isIP } from 'node:net';

export type Filter =
  { kind: 'none' } | { kind: 'match'; test(text: string): boolean } | { kind: 'error'; message: string };

/** k9s filter grammar: a case-insensitive regex; a leading `!` keeps the rows that do NOT match. */
export function compileFilter(text: string): Filter {
  const invert = text.startsWith('!');
  const source = invert ? text.slice(1) : text;
  if (source === '') return { kind: 'none' };
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'i');
  } catch (error) {
    return { kind: 'error', message: `bad filter /${text}: ${(error as Error).message}` };
  }
  return { kind: 'match', test: (value) => regex.test(value) !== invert };
}

/** An address (optionally with a /len) typed in a route table's filter means a longest-prefix lookup. */
export function lookupAddress(text: string): string | null {
  const address = text.trim().split('/')[0] ?? '';
  return isIP(address) !== 0 ? address : null;
}
