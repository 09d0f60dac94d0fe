/**
 * The driver's screen as a terminal emulator holds it (@xterm/headless): every byte the console
 * writes to the driver's terminal is fed here too, so the current screen can be drawn for a viewer
 * at any moment — one who joins late included — at the viewer's own size.
 */
import { EventEmitter } from 'node:events';
import xterm from '@xterm/headless';

const { Terminal } = xterm;
type Term = InstanceType<typeof Terminal>;
type Cell = NonNullable<ReturnType<NonNullable<ReturnType<Term['buffer']['active']['getLine']>>['getCell']>>;

export interface Viewport {
  /** The viewer's size for the mirrored screen (its status line excluded). */
  cols: number;
  rows: number;
  /** Top-left cell of the driver's screen shown at the viewer's top-left (the viewer may pan). */
  x: number;
  y: number;
}

export class ScreenMirror extends EventEmitter {
  readonly term: Term;
  #pending = 0;

  constructor(cols: number, rows: number) {
    super();
    // The driver's tty turns ink's \n into \r\n (onlcr); the emulator must do the same.
    this.term = new Terminal({ cols, rows, allowProposedApi: true, convertEol: true, scrollback: 0 });
  }

  get cols(): number {
    return this.term.cols;
  }

  get rows(): number {
    return this.term.rows;
  }

  /** Feeds output; `change` is emitted once the emulator has parsed it. */
  write(data: string | Uint8Array): void {
    this.#pending += 1;
    this.term.write(data, () => {
      this.#pending -= 1;
      if (this.#pending === 0) this.emit('change');
    });
  }

  resize(cols: number, rows: number): void {
    if (cols === this.term.cols && rows === this.term.rows) return;
    this.term.resize(Math.max(1, cols), Math.max(1, rows));
    this.emit('change');
  }

  /** Resolves once everything written so far is parsed. */
  flushed(): Promise<void> {
    return new Promise((resolve) => this.term.write('', resolve));
  }

  /** The visible text, one string per row (tests and `serve` status). */
  textLines(): string[] {
    const buffer = this.term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < this.term.rows; y++)
      out.push(buffer.getLine(buffer.viewportY + y)?.translateToString(true) ?? '');
    return out;
  }

  /**
   * The part of the screen a viewport shows, as lines with SGR colour/attribute escapes (each line
   * starts from default attributes and ends with a reset), padded or clipped to the viewport.
   */
  renderViewport(view: Viewport): string[] {
    const buffer = this.term.buffer.active;
    const cell = buffer.getNullCell();
    const out: string[] = [];
    for (let row = 0; row < view.rows; row++) {
      const y = view.y + row;
      const line = y < this.term.rows ? buffer.getLine(buffer.viewportY + y) : undefined;
      let text = '';
      let sgr = '';
      let width = 0;
      if (line) {
        for (let x = view.x; x < this.term.cols && width < view.cols; x++) {
          const c = line.getCell(x, cell);
          if (!c) break;
          const w = c.getWidth();
          if (w === 0) continue; // the right half of a wide character
          if (width + w > view.cols) break;
          const next = sgrOf(c);
          if (next !== sgr) {
            text += `\u001b[0${next}m`;
            sgr = next;
          }
          text += c.getChars() || ' ';
          width += w;
        }
      }
      out.push(`${text}${sgr ? '\u001b[0m' : ''}${' '.repeat(Math.max(0, view.cols - width))}`);
    }
    return out;
  }
}

/** `;1;31…` for a cell's attributes (empty for the defaults). */
function sgrOf(c: Cell): string {
  let s = '';
  if (c.isBold()) s += ';1';
  if (c.isDim()) s += ';2';
  if (c.isItalic()) s += ';3';
  if (c.isUnderline()) s += ';4';
  if (c.isInverse()) s += ';7';
  s += colour(c.isFgPalette(), c.isFgRGB(), c.getFgColor(), 30, 90, 38);
  s += colour(c.isBgPalette(), c.isBgRGB(), c.getBgColor(), 40, 100, 48);
  return s;
}

function colour(
  palette: boolean,
  rgb: boolean,
  value: number,
  base: number,
  bright: number,
  ext: number,
): string {
  if (rgb) return `;${ext};2;${(value >> 16) & 255};${(value >> 8) & 255};${value & 255}`;
  if (!palette) return '';
  if (value < 8) return `;${base + value}`;
  if (value < 16) return `;${bright + value - 8}`;
  return `;${ext};5;${value}`;
}
