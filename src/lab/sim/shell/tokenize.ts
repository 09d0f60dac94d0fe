/**
 * POSIX-ish word splitting for the command lines a client sends over `ssh host 'CMD'`: single
 * quotes (literal), double quotes (with \" \\ \$ escapes), backslash escapes, and the `;`, `&&`
 * and `||` separators, and `|` (a pipe: the program reads the previous one's output). No expansion or
 * redirection: the lab has no use for them.
 */
export type Separator = ';' | '&&' | '||' | '|';

export interface Pipeline {
  argv: string[];
  /** How this command is joined to the previous one (undefined for the first). */
  after?: Separator;
}

export class SyntaxError extends Error {}

export function tokenize(line: string): Pipeline[] {
  const out: Pipeline[] = [];
  let argv: string[] = [];
  let word = '';
  let inWord = false;
  let after: Separator | undefined;
  const endWord = (): void => {
    if (inWord) argv.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (sep: Separator): void => {
    endWord();
    if (argv.length === 0) throw new SyntaxError(`Syntax error: "${sep}" unexpected`);
    out.push(after === undefined ? { argv } : { argv, after });
    argv = [];
    after = sep;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new SyntaxError('Syntax error: Unterminated quoted string');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      let j = i + 1;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\' && '"\\$`'.includes(line[j + 1] ?? '')) j++;
        word += line[j];
      }
      if (j >= line.length) throw new SyntaxError('Syntax error: Unterminated quoted string');
      i = j;
    } else if (c === '\\') {
      if (i + 1 < line.length && line[i + 1] !== '\n') word += line[i + 1];
      inWord = true;
      i++;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      endWord();
    } else if (c === ';') {
      endCommand(';');
    } else if ((c === '&' || c === '|') && line[i + 1] === c) {
      endCommand(c === '&' ? '&&' : '||');
      i++;
    } else if (c === '|') {
      endCommand('|');
    } else if (c === '&' || c === '>' || c === '<') {
      throw new SyntaxError(`Syntax error: "${c}" is not supported in the lab shell`);
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  if (argv.length > 0) out.push(after === undefined ? { argv } : { argv, after });
  else if (after !== undefined) throw new SyntaxError('Syntax error: end of file unexpected');
  return out;
}
