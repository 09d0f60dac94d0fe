import { useEffect, useMemo, useState } from 'react';
import type { Filter } from '../filter.ts';
import type { RowSource } from '../shared/columns.ts';

/** Below this many rows a filter runs in one go; above, in slices that yield to input between them. */
export const SYNC_FILTER_LIMIT = 20_000;
const SLICE_MS = 8;
const DEBOUNCE_MS = 120;
const PROGRESS_EVERY_MS = 100;

export interface FilteredRows<T> {
  rows: RowSource<T>;
  /** 0–100 while a big filter is still running (the previous result stays on screen meanwhile). */
  progress: number | null;
}

function pick<T>(source: RowSource<T>, matches: Uint32Array): RowSource<T> {
  return { length: matches.length, at: (i) => (i < matches.length ? source.at(matches[i]!) : undefined) };
}

/**
 * Rows of `source` whose `text` passes `filter`. Over a million routes a filter is debounced and scanned
 * in ~8 ms slices with `setImmediate` between them, so arrows and typing stay live while it runs.
 */
export function useFilteredRows<T>(
  source: RowSource<T>,
  text: (row: T) => string,
  filter: Filter,
): FilteredRows<T> {
  const big = source.length > SYNC_FILTER_LIMIT;
  const active = filter.kind === 'match' ? filter : null;
  const sync = useMemo(() => {
    if (!active || big) return null;
    const matches: number[] = [];
    for (let i = 0; i < source.length; i++) {
      const row = source.at(i);
      if (row !== undefined && active.test(text(row))) matches.push(i);
    }
    return pick(source, Uint32Array.from(matches));
  }, [source, text, active, big]);

  const [chunked, setChunked] = useState<{ key: unknown; rows: RowSource<T> } | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  useEffect(() => {
    if (!active || !big) {
      setProgress(null);
      return;
    }
    let cancelled = false;
    let handle: NodeJS.Immediate | NodeJS.Timeout = setTimeout(run, DEBOUNCE_MS);
    const matches = new Uint32Array(source.length);
    let found = 0;
    let next = 0;
    let lastProgress = 0;
    function run() {
      if (cancelled) return;
      const until = performance.now() + SLICE_MS;
      while (next < source.length && performance.now() < until) {
        const end = Math.min(source.length, next + 512);
        for (; next < end; next++) {
          const row = source.at(next);
          if (row !== undefined && active!.test(text(row))) matches[found++] = next;
        }
      }
      if (next >= source.length) {
        setChunked({ key: active, rows: pick(source, matches.slice(0, found)) });
        setProgress(null);
        return;
      }
      if (performance.now() - lastProgress > PROGRESS_EVERY_MS) {
        lastProgress = performance.now();
        setProgress(Math.floor((next / source.length) * 100));
      }
      handle = setImmediate(run);
    }
    setProgress(0);
    return () => {
      cancelled = true;
      clearTimeout(handle as NodeJS.Timeout);
      clearImmediate(handle as NodeJS.Immediate);
    };
  }, [source, text, active, big]);

  if (!active) return { rows: source, progress: null };
  if (!big) return { rows: sync ?? source, progress: null };
  // Until the first scan of this filter finishes, the last finished result (or all rows) stays up.
  return { rows: chunked?.rows ?? source, progress };
}
