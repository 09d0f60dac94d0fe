import { format } from 'node:util';

export interface CapturedLine {
  level: 'info' | 'error';
  text: string;
  at: number;
}

export interface ConsoleCapture {
  last(): CapturedLine | null;
  subscribe(listener: () => void): () => void;
  restore(): void;
}

const METHODS = ['log', 'info', 'debug', 'warn', 'error'] as const;

/**
 * While the UI is up nothing else may write to the terminal: a stray console.log would scroll ink's frame.
 * The lines are kept and the latest is shown on the status line instead (ink's own patchConsole writes
 * them above the frame, which a full-screen view cannot have).
 */
export function captureConsole(now: () => number): ConsoleCapture {
  let last: CapturedLine | null = null;
  const listeners = new Set<() => void>();
  const saved = METHODS.map((method) => [method, console[method]] as const);
  for (const method of METHODS) {
    console[method] = (...args: unknown[]) => {
      last = {
        level: method === 'warn' || method === 'error' ? 'error' : 'info',
        text: format(...args),
        at: now(),
      };
      for (const listener of listeners) listener();
    };
  }
  return {
    last: () => last,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    restore() {
      for (const [method, original] of saved) console[method] = original;
      listeners.clear();
    },
  };
}
