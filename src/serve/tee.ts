/**
 * The driver's terminal with a copy: what ink writes goes to the real terminal first, then into the
 * mirror the viewers are drawn from. Size and resize events are the real terminal's.
 */
import { EventEmitter } from 'node:events';
import type { ScreenMirror } from './mirror.ts';

export function teeStdout(
  real: NodeJS.WriteStream,
  mirror: ScreenMirror,
): NodeJS.WriteStream & { detach(): void } {
  const tee = new EventEmitter() as EventEmitter & Record<string, unknown>;
  const size = () => ({ cols: real.columns || 80, rows: real.rows || 24 });
  mirror.resize(size().cols, size().rows);
  const onResize = () => {
    mirror.resize(size().cols, size().rows);
    tee.emit('resize');
  };
  real.on('resize', onResize);
  Object.defineProperties(tee, {
    columns: { get: () => real.columns, enumerable: true },
    rows: { get: () => real.rows, enumerable: true },
    isTTY: { get: () => real.isTTY, enumerable: true },
  });
  tee.write = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const ok = (real.write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    mirror.write(chunk);
    return ok;
  };
  tee.detach = () => real.off('resize', onResize);
  // ink and the console only use write, the size, isTTY and resize events; anything else is the real one's.
  return new Proxy(tee, {
    get: (target, prop, receiver) => {
      if (prop in target) return Reflect.get(target, prop, receiver) as unknown;
      const value = Reflect.get(real, prop) as unknown;
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real) : value;
    },
  }) as unknown as NodeJS.WriteStream & { detach(): void };
}
