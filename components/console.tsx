import { render } from 'ink';
import type { Poller } from '../src/poller/poller.ts';
import type { AppStore } from '../src/state/store.ts';
import { App, type AppProps } from './App.tsx';
import { ConsoleContext } from './hooks/context.ts';
import { captureConsole } from './hooks/console-capture.ts';
import { BUSY_MS, throttleStore } from './hooks/throttled-store.ts';
import { DEFAULT_KEYS, type KeyTable } from './keys.ts';
import { createShellManager, SHELL_CHROME, type OpenShell } from './shell/session.ts';
import { createTheme, noColorRequested } from './theme.ts';
import { createWorkflowController, type ConsoleWorkflows } from './workflows/controller.ts';

export interface ConsoleOptions extends AppProps {
  store: AppStore;
  poller?: Pick<Poller, 'pollNow'>;
  readOnly?: boolean;
  /** The workflow service: create / migrate / decommission and the timeline. Ignored when read-only. */
  workflows?: ConsoleWorkflows;
  /** Opens an interactive shell on a device (the shell pane, `s` and `:ssh`). Ignored when read-only. */
  openShell?: OpenShell;
  stdin?: NodeJS.ReadStream;
  stdout?: NodeJS.WriteStream;
  now?: () => number;
  /** Defaults to the NO_COLOR environment variable. */
  noColor?: boolean;
  /** The key table (tests add dangerous placeholder keys to check read-only). */
  keys?: KeyTable;
  /** Store-driven redraws are coalesced to at most one per this many ms (10 fps by default). */
  redrawMs?: number;
}

export interface ConsoleHandle {
  waitUntilExit(): Promise<void>;
  unmount(): void;
}

const ALT_SCREEN_ON = '\u001b[?1049h';
const ALT_SCREEN_OFF = '\u001b[?1049l';
const CLEAR_HOME = '\u001b[2J\u001b[H';

export function startConsole(options: ConsoleOptions): ConsoleHandle {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  // A frame of a big fleet's tables costs ~20 ms to lay out (ink): at a thousand devices store-driven
  // redraws come 4 a second, not 10 (keys redraw at once either way; ages move by the second).
  // While such a console is CPU-bound (its first polls of a fleet), one a second.
  const large = options.store.getState().deviceOrder.length > 200;
  const redrawMs = options.redrawMs ?? (large ? 250 : 100);
  const store = throttleStore(options.store, redrawMs, large ? { busyMs: BUSY_MS } : {});
  // The alternate screen, as k9s: the shell's scrollback is left alone and restored on exit.
  const fullScreen = stdout.isTTY === true;
  if (fullScreen) stdout.write(ALT_SCREEN_ON + CLEAR_HOME);
  let instance: ReturnType<typeof render> | null = null;
  // Registered before ink's own listener: a terminal reflows old lines on resize, so start from a clean
  // screen and let ink redraw everything rather than patch lines that have moved.
  const onResize = () => {
    stdout.write(CLEAR_HOME);
    instance?.clear();
  };
  stdout.on('resize', onResize);
  const now = options.now ?? Date.now;
  const logs = captureConsole(now);
  const readOnly = options.readOnly ?? false;
  // A read-only console never holds the service: no key, no screen, no code path can act.
  const workflows = options.workflows && !readOnly ? createWorkflowController(options.workflows, now) : null;
  // Like the workflows: a read-only console holds no way to open a shell.
  const shells =
    options.openShell && !readOnly
      ? createShellManager(options.openShell, {
          cols: stdout.columns || 80,
          rows: Math.max(1, (stdout.rows || 24) - SHELL_CHROME),
        })
      : null;
  const value = {
    store,
    logs,
    poller: options.poller ?? null,
    readOnly,
    workflows,
    shells,
    keys: options.keys ?? DEFAULT_KEYS,
    theme: createTheme(options.noColor ?? noColorRequested()),
    now,
  };
  // 60 fps: at 30 every auto-repeated key waited out ink's frame window (store redraws are throttled by
  // redrawMs separately). Not ink's incrementalRendering: in 6.8 it rewinds one row short when the frame ends with a newline
  // (every frame shorter than the screen does), so frames slide down. The full redraw goes out inside a
  // synchronized-output block (CSI ?2026), which terminals that support it paint without flicker.
  instance = render(
    <ConsoleContext.Provider value={value}>
      <App initialView={options.initialView} initialArgs={options.initialArgs} />
    </ConsoleContext.Provider>,
    { stdout, stdin, exitOnCtrlC: false, patchConsole: false, maxFps: 60 },
  );
  const exited = instance.waitUntilExit().finally(() => {
    store.dispose();
    workflows?.dispose();
    shells?.closeAll();
    logs.restore();
    stdout.off('resize', onResize);
    if (fullScreen) stdout.write(ALT_SCREEN_OFF);
  });
  return {
    waitUntilExit: async () => {
      await exited;
    },
    unmount: () => instance?.unmount(),
  };
}
