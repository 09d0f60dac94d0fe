/**
 * A foreground colour put on a string as ink's `<Text color>` puts it (ink's colorize: a chalk colour
 * name, `#rrggbb`, `ansi256(n)`, `rgb(r, g, b)`; anything else leaves the text as it is), with the chalk
 * ink itself uses — so a row made of painted strings in one `<Text>` is the frame that one `<Text>` per
 * cell gave, byte for byte (test/components/table-frames.test.ts).
 */
import chalk, { type ForegroundColorName } from 'chalk';

const RGB = /^rgb\(\s?(\d+),\s?(\d+),\s?(\d+)\s?\)$/;
const ANSI256 = /^ansi256\(\s?(\d+)\s?\)$/;

export function paint(text: string, color: string | undefined): string {
  if (!color || text === '') return text;
  if (color in chalk) return chalk[color as ForegroundColorName](text);
  if (color.startsWith('#')) return chalk.hex(color)(text);
  const ansi = ANSI256.exec(color);
  if (ansi) return chalk.ansi256(Number(ansi[1]))(text);
  const rgb = RGB.exec(color);
  if (rgb) return chalk.rgb(Number(rgb[1]), Number(rgb[2]), Number(rgb[3]))(text);
  return text;
}
