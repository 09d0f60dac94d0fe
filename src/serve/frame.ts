/**
 * One viewer's frame: its part of the driver's screen (panned, clipped or letterboxed) and its
 * status line, as one synchronized-output block of absolutely positioned lines — each frame is
 * complete, so a viewer that missed the ones before it loses nothing by receiving only the latest.
 */
import type { ScreenMirror } from './mirror.ts';

export interface ViewerView {
  /** The viewer's terminal (already clamped). */
  cols: number;
  rows: number;
  /** Its pan offset; corrected in place so it never goes past the driver's screen. */
  x: number;
  y: number;
}

const HIDE_CURSOR = '\u001b[?25l';
const SYNC_ON = '\u001b[?2026h';
const SYNC_OFF = '\u001b[?2026l';

/** `driver` must already be safe text (it is drawn on the viewer's terminal as is). */
export function viewerFrame(mirror: ScreenMirror, driver: string, v: ViewerView): string {
  const rows = Math.max(1, v.rows - 1);
  const cols = Math.max(1, v.cols);
  v.x = Math.max(0, Math.min(v.x, mirror.cols - cols));
  v.y = Math.max(0, Math.min(v.y, mirror.rows - rows));
  const lines = mirror.renderViewport({ cols, rows, x: v.x, y: v.y });
  const cropped = cols < mirror.cols || rows < mirror.rows;
  const status = statusLine(cols, [
    ['read-only', true],
    [`watching ${driver}`, false],
    [
      cropped
        ? `${v.x + 1}–${Math.min(mirror.cols, v.x + cols)}×${v.y + 1}–${Math.min(mirror.rows, v.y + rows)} (arrows)`
        : '',
      false,
    ],
    [`driver ${mirror.cols}×${mirror.rows}, you ${v.cols}×${v.rows}`, false],
    ['q leaves', true],
  ]);
  return (
    SYNC_ON +
    HIDE_CURSOR +
    lines.map((line, i) => `\u001b[${i + 1};1H${line}`).join('') +
    `\u001b[${rows + 1};1H\u001b[7m${status}\u001b[0m` +
    SYNC_OFF
  );
}

/**
 * The viewer's status line: parts in display order; required ones always, the others in order of
 * importance (position when cropped, watching, sizes) while they fit.
 */
function statusLine(cols: number, parts: [string, boolean][]): string {
  const shown = parts.map(([text, required]) => (required ? text : ''));
  const join = () => ` ${shown.filter(Boolean).join(' · ')} `;
  for (const i of [2, 1, 3]) {
    const text = parts[i]![0];
    if (!text) continue;
    shown[i] = text;
    if (join().length > cols) shown[i] = '';
  }
  const line = join();
  return line.length > cols ? line.slice(0, cols) : line.padEnd(cols);
}
