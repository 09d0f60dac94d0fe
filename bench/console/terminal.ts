import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import xterm from '@xterm/headless';

const { Terminal } = xterm;

/** Keys as a terminal sends them. */
export const KEY = {
  pageDown: '\u001b[6~',
  pageUp: '\u001b[5~',
  enter: '\r',
  esc: '\u001b',
} as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][0-9A-B]|\u001b[>=]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

interface Waiter {
  check(plain: string, raw: string): boolean;
  resolve(at: number): void;
}

/**
 * A fake TTY pair for `startConsole`: stdout records each write with the time it was made, and answers
 * "when does the first write matching X arrive". The headless xterm is only fed between measurements
 * (`settle`), as a real terminal parses in its own process, not on the console's event loop.
 */
export class FakeTerminal {
  readonly stdout;
  readonly stdin;
  readonly term;
  private pending: string[] = [];
  private waiters: Waiter[] = [];
  writes = 0;
  /** Characters written so far (UTF-16 code units). */
  written = 0;

  constructor(
    readonly cols: number,
    readonly rows: number,
  ) {
    this.term = new Terminal({ cols, rows, allowProposedApi: true, convertEol: true });
    this.stdout = Object.assign(new EventEmitter(), {
      columns: cols,
      rows,
      isTTY: true,
      write: (data: string) => {
        const at = performance.now();
        this.writes++;
        this.written += data.length;
        this.pending.push(data);
        // Only frames count: ink also writes synchronized-output brackets and cursor moves on their own.
        if (this.waiters.length > 0 && data.includes('\n')) {
          const plain = stripAnsi(data);
          this.waiters = this.waiters.filter((w) => (w.check(plain, data) ? (w.resolve(at), false) : true));
        }
        return true;
      },
    });
    const stdin = Object.assign(new PassThrough(), {
      isTTY: true,
      setRawMode: () => stdin,
      ref: () => stdin,
      unref: () => stdin,
    });
    this.stdin = stdin;
  }

  /** Resolves with the time of the first later write whose text (escapes stripped) passes `check`. */
  next(check: (plain: string, raw: string) => boolean, what: string, timeoutMs = 10_000): Promise<number> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; screen:\n${this.text()}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check,
        resolve: (at) => {
          clearTimeout(timer);
          resolve(at);
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Writes one key and returns when it was written. */
  press(key: string): number {
    const at = performance.now();
    this.stdin.write(key);
    return at;
  }

  listening(): boolean {
    return this.stdin.listenerCount('readable') > 0;
  }

  /** Feeds the emulator everything written so far and waits until it has parsed it. */
  async settle(): Promise<void> {
    const data = this.pending.join('');
    this.pending = [];
    await new Promise<void>((resolve) => this.term.write(data, resolve));
  }

  lines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.rows; y++)
      out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  text(): string {
    return this.lines().join('\n');
  }
}
