// ink clips every text it writes inside a box with `overflow="hidden"` — the console's whole screen is
// one — through slice-ansi, even a line that lies wholly inside the clip (from 0 to its own width):
// slice-ansi then rebuilds the same line, token by token, and in the fleet bench's steady console that
// was over a quarter of everything allocated (~10 MB a second). Such a line is returned as it is; any
// real cut goes to slice-ansi. A line's width is remembered (lines repeat from frame to frame), bounded.
import sliceAnsi from 'slice-ansi';
import stringWidth from 'string-width';

export const REMEMBERED_LINES = 4096;
const widths = new Map();

function widthOf(line) {
  let width = widths.get(line);
  if (width === undefined) {
    width = stringWidth(line);
    if (widths.size >= REMEMBERED_LINES) widths.clear();
    widths.set(line, width);
  }
  return width;
}

/**
 * Lines slice-ansi gives back unchanged in what the terminal shows: no line break, no OSC sequence
 * (hyperlinks: slice-ansi rewrites those even uncut), and not bold and dim together (they share one
 * closing code, and slice-ansi keeps only one of them).
 */
const bold = (string) => string.includes('\u001b[1m') || string.includes('\u001b[1;');
const plain = (string) =>
  !string.includes('\n') && !string.includes('\u001b]') && !(string.includes('\u001b[2m') && bold(string));

export default function fastSliceAnsi(string, start, end) {
  if (start === 0 && typeof end === 'number' && plain(string)) {
    // A line of escapes alone (width 0) is slice-ansi's: it gives '' for it.
    const width = widthOf(string);
    if (width > 0 && end >= width) return string;
  }
  return sliceAnsi(string, start, end);
}

export function rememberedWidths() {
  return widths.size;
}
