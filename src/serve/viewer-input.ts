/**
 * A viewer's keys: they only pan its own copy or leave. A chunk of any size is folded into one pan
 * (the caller draws once, on the frame schedule, never per key), and keys beyond a rate are ignored,
 * so a burst costs a parse, not thousands of renders on the driver's event loop.
 */

const ESC = '\u001b';

export interface InputResult {
  dx: number;
  dy: number;
  home: boolean;
  leave: boolean;
  /** Keys over the rate in this chunk (ignored). */
  dropped: number;
}

export class ViewerInput {
  #tokens: number;
  #at: number;
  readonly #rate: number;
  readonly #now: () => number;

  constructor(keysPerSecond: number, now: () => number = Date.now) {
    this.#rate = Math.max(1, keysPerSecond);
    this.#tokens = this.#rate;
    this.#now = now;
    this.#at = now();
  }

  feed(data: string): InputResult {
    const t = this.#now();
    this.#tokens = Math.min(this.#rate, this.#tokens + ((t - this.#at) / 1000) * this.#rate);
    this.#at = t;
    const out: InputResult = { dx: 0, dy: 0, home: false, leave: false, dropped: 0 };
    for (const key of splitKeys(data)) {
      const action = viewerKey(key);
      // Leaving is always honoured, whatever the rate.
      if (action === 'leave') return { ...out, leave: true };
      if (this.#tokens < 1) {
        out.dropped += 1;
        continue;
      }
      this.#tokens -= 1;
      if (!action) continue;
      if (action.home) {
        out.dx = out.dy = 0;
        out.home = true;
      } else {
        out.dx += action.dx;
        out.dy += action.dy;
      }
    }
    return out;
  }
}

/** Keys in one chunk (a held arrow key, or several keys coalesced over SSH): CSI/SS3 sequences or single bytes. */
export function splitKeys(data: string): string[] {
  const keys: string[] = [];
  // eslint-disable-next-line no-control-regex -- a key sequence starts with ESC
  const sequence = /\u001b(?:\[[0-9;]{0,12}[~A-Za-z]|O[A-Za-z])/y;
  for (let i = 0; i < data.length;) {
    let length = 1;
    if (data[i] === ESC) {
      sequence.lastIndex = i;
      const match = sequence.exec(data);
      if (match) length = match[0].length;
    }
    keys.push(data.slice(i, i + length));
    i += length;
  }
  return keys;
}

type KeyAction = 'leave' | { dx: number; dy: number; home?: boolean } | null;

/** A viewer's keys: pan its own copy, or leave. Everything else is ignored. */
export function viewerKey(data: string): KeyAction {
  if (data === 'q' || data === '\u0003' || data === '\u0004') return 'leave';
  switch (data) {
    case '\u001b[A':
    case '\u001bOA':
    case 'k':
      return { dx: 0, dy: -1 };
    case '\u001b[B':
    case '\u001bOB':
    case 'j':
      return { dx: 0, dy: 1 };
    case '\u001b[C':
    case '\u001bOC':
    case 'l':
      return { dx: 4, dy: 0 };
    case '\u001b[D':
    case '\u001bOD':
    case 'h':
      return { dx: -4, dy: 0 };
    case '\u001b[5~':
      return { dx: 0, dy: -10 };
    case '\u001b[6~':
      return { dx: 0, dy: 10 };
    case 'g':
    case '\u001b[H':
      return { dx: 0, dy: 0, home: true };
    default:
      return null;
  }
}
