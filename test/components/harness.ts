import './tty-env.ts';
import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import xterm from '@xterm/headless';
import { startConsole, type ConsoleHandle, type ConsoleOptions } from '../../components/console.tsx';

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;

/** Keys as a terminal sends them. */
export const KEY = {
  up: '\u001b[A',
  down: '\u001b[B',
  pageUp: '\u001b[5~',
  pageDown: '\u001b[6~',
  enter: '\r',
  esc: '\u001b',
  tab: '\t',
  backspace: '\u007f',
} as const;

export interface Screen {
  term: Term;
  handle: ConsoleHandle;
  /** Everything ink wrote, escapes included. */
  raw(): string;
  lines(): string[];
  text(): string;
  /** Sends keys one at a time, as typing does (a burst would reach ink as one pasted chunk). */
  type(...keys: string[]): Promise<void>;
  /** Sends text as one chunk, as a paste or several keystrokes coalesced over SSH arrive. */
  burst(text: string): Promise<void>;
  waitForText(expected: string | RegExp, timeoutMs?: number): Promise<void>;
  waitFor(check: (screen: Screen) => boolean, what: string, timeoutMs?: number): Promise<void>;
  /** Palette colour (0–15) of the first cell of `text` on screen; undefined when default or not found. */
  colorOf(text: string): number | undefined;
  resize(cols: number, rows: number): void;
  close(): Promise<void>;
}

/** How long a wait for content may take before the test fails with the screen it saw. */
export const WAIT_MS = 60_000;

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

export function renderConsole(
  options: Omit<ConsoleOptions, 'stdin' | 'stdout'> & {
    cols?: number;
    rows?: number;
    /** Sees every write too (a shared session's mirror). */
    onWrite?: (data: string) => void;
  },
): Screen {
  const { cols = 80, rows = 24, onWrite, ...rest } = options;
  // A pty turns ink's \n into \r\n (onlcr); the emulator alone does not.
  const term = new Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
  let raw = '';
  const stdout = Object.assign(new EventEmitter(), {
    columns: cols,
    rows,
    isTTY: true,
    write(data: string) {
      raw += data;
      term.write(data);
      onWrite?.(data);
      return true;
    },
  });
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    setRawMode() {
      return stdin;
    },
    ref() {
      return stdin;
    },
    unref() {
      return stdin;
    },
  });
  const handle = startConsole({
    ...rest,
    stdout: stdout as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
  });
  const lines = () => {
    const buffer = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++)
      out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  };
  const screen: Screen = {
    term,
    handle,
    raw: () => raw,
    lines,
    text: () => lines().join('\n'),
    async type(...keys) {
      // ink listens from an effect after the first frame; keys sent before that would arrive as one chunk.
      await screen.waitFor(() => stdin.listenerCount('readable') > 0, 'ink to listen for keys');
      for (const key of keys) {
        // Text is typed a character at a time; escape sequences go as one unit.
        const units = key.startsWith('\u001b') || key.length === 1 ? [key] : [...key];
        for (const unit of units) {
          stdin.write(unit);
          await tick();
          await tick();
        }
      }
    },
    async burst(text) {
      await screen.waitFor(() => stdin.listenerCount('readable') > 0, 'ink to listen for keys');
      stdin.write(text);
      await tick();
    },
    // Generous: a passing wait returns as soon as the content shows; only a broken one waits this out,
    // and a 2-core machine under full load draws lab frames many seconds late.
    async waitFor(check, what, timeoutMs = WAIT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        // xterm parses writes asynchronously; an empty write's callback fires once earlier ones are parsed.
        await new Promise<void>((resolve) => term.write('', resolve));
        if (check(screen)) return;
        if (Date.now() > deadline)
          throw new Error(`timed out waiting for ${what}; screen:\n${screen.text()}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    waitForText(expected, timeoutMs) {
      const found = (s: Screen) =>
        typeof expected === 'string' ? s.text().includes(expected) : expected.test(s.text());
      return screen.waitFor(found, JSON.stringify(String(expected)), timeoutMs);
    },
    colorOf(text) {
      const buffer = term.buffer.active;
      for (let y = 0; y < term.rows; y++) {
        const line = buffer.getLine(buffer.viewportY + y);
        const x = line?.translateToString(false).indexOf(text) ?? -1;
        if (!line || x < 0) continue;
        const cell = line.getCell(x);
        return cell?.isFgPalette() ? cell.getFgColor() : undefined;
      }
      return undefined;
    },
    resize(newCols, newRows) {
      term.resize(newCols, newRows);
      stdout.columns = newCols;
      stdout.rows = newRows;
      stdout.emit('resize');
    },
    async close() {
      handle.unmount();
      await handle.waitUntilExit();
      term.dispose();
    },
  };
  return screen;
}

/** SGR parameters that set a colour (foreground, background, 256/RGB), for the NO_COLOR check. */
export function colourSequences(output: string): string[] {
  const found: string[] = [];
  const sgr = new RegExp(`${String.fromCharCode(27)}\\[([0-9;]*)m`, 'g');
  for (const match of output.matchAll(sgr)) {
    const params = (match[1] ?? '').split(';').map(Number);
    if (params.some((p) => (p >= 30 && p <= 38) || (p >= 40 && p <= 48) || (p >= 90 && p <= 107)))
      found.push(match[0]);
  }
  return found;
}
