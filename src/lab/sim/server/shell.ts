/**
 * A minimal line-mode shell for `ssh -t device` (the console's shell pane): a prompt, echo, line
 * editing (backspace, ← →, Home/End, Ctrl-A/E/U), Enter runs the line on the simulated device,
 * Ctrl-C drops the line, `exit` or Ctrl-D on an empty line ends it, and `stty size` answers with
 * the pty's size as the client last set it. A terminal in raw mode sends bare CR for Enter and
 * expects CRLF line ends back.
 */
import { StringDecoder } from 'node:string_decoder';
import type { SimExecResult } from '../types.ts';

export interface LineShellIo {
  prompt: string;
  /** With a pty the terminal does not echo: we do. Without one, the client sees only output. */
  echo: boolean;
  run(line: string): Promise<SimExecResult>;
  write(text: string): void;
  exit(code: number): void;
  /** The pty's size (from the pty request and window-change); none without a pty. */
  size?(): { cols: number; rows: number } | undefined;
}

/** Escape sequences a terminal sends for editing keys, by what they do here. */
const MOVES: Record<string, 'left' | 'right' | 'home' | 'end' | 'delete'> = {
  '\x1b[D': 'left',
  '\x1bOD': 'left',
  '\x1b[C': 'right',
  '\x1bOC': 'right',
  '\x1b[H': 'home',
  '\x1bOH': 'home',
  '\x1b[1~': 'home',
  '\x1b[7~': 'home',
  '\x1b[F': 'end',
  '\x1bOF': 'end',
  '\x1b[4~': 'end',
  '\x1b[8~': 'end',
  '\x1b[3~': 'delete',
};

/** Output for a terminal: every bare LF becomes CRLF (a raw-mode tty does not map it). */
export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class LineShell {
  #line: string[] = [];
  /** Cursor position in #line (code points). */
  #cursor = 0;
  #sequence = '';
  #decoder = new StringDecoder('utf8');
  /** Keystrokes typed while a command runs wait here, as a tty's input buffer would hold them. */
  #pending = '';
  #busy = false;
  #escape: 'none' | 'esc' | 'csi' = 'none';
  #lastCode = 0;
  #done = false;
  #afterCr = false;

  constructor(private readonly io: LineShellIo) {}

  start(): void {
    this.io.write(this.io.prompt);
  }

  get finished(): boolean {
    return this.#done;
  }

  feed(data: Buffer | string): void {
    this.#pending += typeof data === 'string' ? data : this.#decoder.write(data);
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      while (this.#pending.length > 0 && !this.#done) {
        const [ch] = this.#pending; // one code point (string iteration is by code point)
        if (ch === undefined) break;
        this.#pending = this.#pending.slice(ch.length);
        await this.#key(ch);
      }
    } finally {
      this.#busy = false;
    }
  }

  async #key(ch: string): Promise<void> {
    // CR LF from a client that sends both is one Enter, even when split across packets.
    const afterCr = this.#afterCr;
    this.#afterCr = ch === '\r';
    if (ch === '\n' && afterCr) return;
    if (this.#escape !== 'none' || ch === '\x1b') return this.#escapeKey(ch);
    if (ch === '\r' || ch === '\n') return this.#enter();
    if (ch === '\x7f' || ch === '\b') return this.#erase(this.#cursor - 1);
    if (ch === '\x03') {
      this.#line = [];
      this.#cursor = 0;
      this.io.write(`^C\r\n${this.io.prompt}`);
      return;
    }
    if (ch === '\x04') {
      if (this.#line.length === 0) this.#finish(this.#lastCode);
      else this.#erase(this.#cursor);
      return;
    }
    if (ch === '\x15') {
      // Ctrl-U: erase the whole line.
      this.#move(this.#line.length);
      if (this.io.echo) this.io.write('\b \b'.repeat(this.#line.length));
      this.#line = [];
      this.#cursor = 0;
      return;
    }
    if (ch === '\x01') return this.#move(0);
    if (ch === '\x05') return this.#move(this.#line.length);
    if (ch === '\x0c') {
      // Ctrl-L: clear the screen, keep the line.
      this.io.write(`\x1b[H\x1b[2J${this.io.prompt}${this.#line.join('')}`);
      this.#cursor = this.#line.length;
      return;
    }
    if (ch < ' ') return; // other control characters do nothing
    const tail = this.#line.slice(this.#cursor);
    this.#line.splice(this.#cursor, 0, ch);
    this.#cursor++;
    if (this.io.echo) this.io.write(ch + tail.join('') + '\b'.repeat(tail.length));
  }

  /** Collects an escape sequence; editing keys move the cursor, anything else (↑ ↓, F-keys) is dropped whole. */
  #escapeKey(ch: string): void {
    this.#sequence += ch;
    if (this.#escape === 'none') {
      this.#escape = 'esc';
      return;
    }
    if (this.#escape === 'esc') {
      if (ch === '[' || ch === 'O') {
        this.#escape = 'csi';
        return;
      }
    } else if (!(ch >= '@' && ch <= '~') || (this.#sequence.startsWith('\x1bO') && this.#sequence.length < 3))
      return;
    const sequence = this.#sequence;
    this.#escape = 'none';
    this.#sequence = '';
    const move = MOVES[sequence];
    if (move === 'left') this.#move(this.#cursor - 1);
    else if (move === 'right') this.#move(this.#cursor + 1);
    else if (move === 'home') this.#move(0);
    else if (move === 'end') this.#move(this.#line.length);
    else if (move === 'delete') this.#erase(this.#cursor);
  }

  #move(to: number): void {
    const target = Math.max(0, Math.min(this.#line.length, to));
    if (this.io.echo) {
      if (target < this.#cursor) this.io.write('\b'.repeat(this.#cursor - target));
      else this.io.write(this.#line.slice(this.#cursor, target).join(''));
    }
    this.#cursor = target;
  }

  /** Removes the character at `at` (backspace: the one before the cursor; Delete: the one under it). */
  #erase(at: number): void {
    if (at < 0 || at >= this.#line.length) return;
    if (at < this.#cursor) this.#move(at);
    this.#line.splice(at, 1);
    if (!this.io.echo) return;
    const tail = this.#line.slice(this.#cursor).join('');
    this.io.write(`${tail} ${'\b'.repeat(tail.length + 1)}`);
  }

  async #enter(): Promise<void> {
    const line = this.#line.join('').trim();
    this.#line = [];
    this.#cursor = 0;
    if (this.io.echo) this.io.write('\r\n');
    if (line === 'exit' || line === 'logout') return this.#finish(this.#lastCode);
    if (line !== '') {
      let result: SimExecResult;
      try {
        result = this.#builtin(line) ?? (await this.io.run(line));
      } catch (error) {
        result = {
          stdout: '',
          stderr: `${error instanceof Error ? error.message : String(error)}\n`,
          code: 1,
        };
      }
      if (this.#done) return;
      this.#lastCode = result.code;
      this.io.write(toCrlf(result.stdout) + toCrlf(result.stderr));
      const last = (result.stderr || result.stdout).slice(-1);
      if ((result.stdout || result.stderr) && last !== '\n') this.io.write('\r\n');
    }
    this.io.write(this.io.prompt);
  }

  /** What the shell answers itself: it owns the pty, the device model does not. */
  #builtin(line: string): SimExecResult | undefined {
    const argv = line.split(/\s+/);
    if (argv[0] !== 'stty' && argv[0] !== 'tput') return undefined;
    const size = this.io.size?.();
    if (!size)
      return {
        stdout: '',
        stderr: `${argv[0]}: 'standard input': Inappropriate ioctl for device\n`,
        code: 1,
      };
    line = argv.join(' ');
    if (line === 'stty size') return { stdout: `${size.rows} ${size.cols}\n`, stderr: '', code: 0 };
    if (line === 'tput cols') return { stdout: `${size.cols}\n`, stderr: '', code: 0 };
    if (line === 'tput lines') return { stdout: `${size.rows}\n`, stderr: '', code: 0 };
    return {
      stdout: '',
      stderr: `${argv[0]}: the lab answers \`stty size\`, \`tput cols\` and \`tput lines\` only\n`,
      code: 1,
    };
  }

  #finish(code: number): void {
    if (this.#done) return;
    this.#done = true;
    this.io.exit(code);
  }

  /** The channel closed under us: stop without writing. */
  abort(): void {
    this.#done = true;
  }
}
