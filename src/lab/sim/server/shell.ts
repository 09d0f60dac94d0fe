/**
 * A minimal line-mode shell for `ssh -t device` (the console's shell pane): a prompt, echo,
 * backspace, Enter runs the line on the simulated device, `exit` or Ctrl-D on an empty line
 * ends it. A terminal in raw mode sends bare CR for Enter and expects CRLF line ends back.
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
}

/** Output for a terminal: every bare LF becomes CRLF (a raw-mode tty does not map it). */
export function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

export class LineShell {
  #line: string[] = [];
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
    // Arrow keys and other escape sequences: no history or cursor movement, so swallow them whole.
    if (this.#escape === 'esc') {
      this.#escape = ch === '[' || ch === 'O' ? 'csi' : 'none';
      return;
    }
    if (this.#escape === 'csi') {
      if (ch >= '@' && ch <= '~') this.#escape = 'none';
      return;
    }
    if (ch === '\x1b') {
      this.#escape = 'esc';
      return;
    }
    if (ch === '\r' || ch === '\n') return this.#enter();
    if (ch === '\x7f' || ch === '\b') {
      if (this.#line.pop() !== undefined && this.io.echo) this.io.write('\b \b');
      return;
    }
    if (ch === '\x03') {
      this.#line = [];
      this.io.write(`^C\r\n${this.io.prompt}`);
      return;
    }
    if (ch === '\x04') {
      if (this.#line.length === 0) this.#finish(this.#lastCode);
      return;
    }
    if (ch === '\x15') {
      // Ctrl-U: erase the whole line.
      if (this.io.echo) this.io.write('\b \b'.repeat(this.#line.length));
      this.#line = [];
      return;
    }
    if (ch < ' ') return; // other control characters do nothing
    this.#line.push(ch);
    if (this.io.echo) this.io.write(ch);
  }

  async #enter(): Promise<void> {
    const line = this.#line.join('').trim();
    this.#line = [];
    if (this.io.echo) this.io.write('\r\n');
    if (line === 'exit' || line === 'logout') return this.#finish(this.#lastCode);
    if (line !== '') {
      let result: SimExecResult;
      try {
        result = await this.io.run(line);
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
