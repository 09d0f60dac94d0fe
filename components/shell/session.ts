/**
 * The console's shells, without React: each is a remote pty shell feeding a headless terminal
 * emulator, which the shell pane draws. Shells outlive the pane: leaving it (Ctrl-]) keeps them
 * running, and their output keeps being emulated while the console shows something else.
 */
import xterm from '@xterm/headless';
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { RemoteShell, ShellEnd, ShellSize } from '../../src/transport/ssh/index.ts';

const { Terminal } = xterm;
export type Emulator = InstanceType<typeof Terminal>;

/** How the console reaches a device's shell (wired to the SSH pool in src/cli/console.ts). */
export type OpenShell = (device: string, size: ShellSize) => Promise<RemoteShell>;

/** The shell pane's title line, and the last line ink needs left free (see App). */
export const SHELL_CHROME = 2;

/** The pane redraws at most this often while output streams (≈30 fps). */
const REDRAW_MS = 33;

export interface ShellSession {
  id: number;
  device: string;
  term: Emulator;
  state: 'opening' | 'open' | 'closed';
  /** Bumped (throttled) when the screen changed: the pane's subscription key. */
  version: number;
}

export interface ShellsState {
  sessions: readonly ShellSession[];
  /** The shell the pane shows and keys go to; null: the console has the keys. */
  focused: number | null;
  /** The shell Ctrl-] from the console goes back to. */
  last: number | null;
}

export type ShellEnded = (device: string, why: string) => void;

export interface ShellManager {
  store: StoreApi<ShellsState>;
  /** Opens a shell on `device` and focuses it at once (keys typed while it connects are sent once it is up). */
  open(device: string): ShellSession;
  focus(id: number | null): void;
  /** Keystrokes for the focused shell. */
  write(id: number, data: string): void;
  /** The pane's size changed: every emulator and remote pty follows. */
  resize(size: ShellSize): void;
  onEnded(listener: ShellEnded): () => void;
  closeAll(): void;
}

export function describeEnd(end: ShellEnd): string {
  if (end.reason) return end.reason;
  return end.code === null ? 'ended' : `exited with status ${end.code}`;
}

export function createShellManager(openShell: OpenShell, initial: ShellSize): ShellManager {
  const store = createStore<ShellsState>(() => ({ sessions: [], focused: null, last: null }));
  const remotes = new Map<number, RemoteShell>();
  const pending = new Map<number, string[]>();
  const timers = new Map<number, NodeJS.Timeout>();
  const listeners = new Set<ShellEnded>();
  let size = initial;
  let nextId = 1;

  const update = (id: number, change: Partial<ShellSession>) =>
    store.setState((s) => ({
      sessions: s.sessions.map((session) => (session.id === id ? { ...session, ...change } : session)),
    }));
  const find = (id: number) => store.getState().sessions.find((session) => session.id === id);
  const redraw = (id: number) => {
    if (timers.has(id)) return;
    const timer = setTimeout(() => {
      timers.delete(id);
      const session = find(id);
      if (session) update(id, { version: session.version + 1 });
    }, REDRAW_MS);
    timers.set(id, timer);
  };
  const ended = (id: number, why: string) => {
    const session = find(id);
    clearTimeout(timers.get(id));
    timers.delete(id);
    remotes.delete(id);
    pending.delete(id);
    if (!session) return;
    session.term.dispose();
    store.setState((s) => {
      const sessions = s.sessions.filter((other) => other.id !== id);
      const fallback = sessions.at(-1)?.id ?? null;
      return {
        sessions,
        focused: s.focused === id ? null : s.focused,
        last: s.last === id ? fallback : s.last,
      };
    });
    for (const listener of [...listeners]) listener(session.device, why);
  };

  return {
    store,
    open(device) {
      const id = nextId++;
      const term = new Terminal({
        cols: size.cols,
        rows: size.rows,
        scrollback: 1000,
        allowProposedApi: true,
      });
      const session: ShellSession = { id, device, term, state: 'opening', version: 0 };
      pending.set(id, []);
      store.setState((s) => ({ sessions: [...s.sessions, session], focused: id, last: id }));
      term.write(`connecting to ${device}…\r\n`, () => redraw(id));
      openShell(device, size).then(
        (remote) => {
          if (!find(id)) return remote.close();
          remotes.set(id, remote);
          // Replies the emulator owes the remote side (cursor position, device attributes).
          term.onData((data) => remote.write(data));
          term.reset();
          remote.onData((chunk) => term.write(chunk, () => redraw(id)));
          remote.onClose((end) => ended(id, describeEnd(end)));
          // The pane may have been resized while the shell was connecting.
          remote.resize({ cols: term.cols, rows: term.rows });
          for (const data of pending.get(id) ?? []) remote.write(data);
          pending.delete(id);
          update(id, { state: 'open' });
        },
        (error: unknown) => ended(id, error instanceof Error ? error.message : String(error)),
      );
      return find(id)!;
    },
    focus(id) {
      if (id !== null && !find(id)) return;
      store.setState((s) => ({ focused: id, last: id ?? s.last }));
    },
    write(id, data) {
      const remote = remotes.get(id);
      if (remote) remote.write(data);
      else pending.get(id)?.push(data);
    },
    resize(next) {
      if (next.cols === size.cols && next.rows === size.rows) return;
      size = next;
      for (const session of store.getState().sessions) {
        session.term.resize(next.cols, next.rows);
        remotes.get(session.id)?.resize(next);
        redraw(session.id);
      }
    },
    onEnded(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    closeAll() {
      listeners.clear();
      for (const remote of remotes.values()) remote.close();
      for (const session of store.getState().sessions) ended(session.id, 'closed');
    },
  };
}
