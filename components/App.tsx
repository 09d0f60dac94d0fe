import { Box, useApp, useInput, useStdin } from 'ink';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { complete, parseCommand } from './command.ts';
import { useConsole } from './hooks/context.ts';
import { useCommandContext } from './hooks/useCommandContext.ts';
import { useNow } from './hooks/useNow.ts';
import { useTerminalSize } from './hooks/useTerminalSize.ts';
import {
  keyNames,
  resolveKey,
  textKeyNames,
  ROW_ACTIONS,
  TABLE_ACTIONS,
  VIEW_ACTIONS,
  visibleBindings,
  type ViewId,
} from './keys.ts';
import {
  currentFrame,
  frameTitle,
  initialNav,
  navReducer,
  type NavAction,
  type NavDispatch,
  type NavState,
  type ViewArgs,
} from './nav.ts';
import { Header } from './shared/Header.tsx';
import { HelpBar } from './shared/HelpBar.tsx';
import { clampHelpOffset, helpLines, HelpScreen } from './shared/HelpScreen.tsx';
import { STATUS_LINES, StatusBar } from './shared/StatusBar.tsx';
import { clampTable } from './shared/table-state.ts';
import { TitleLine } from './shared/TitleLine.tsx';
import { SHELL_ESCAPE, ShellPane } from './shell/ShellPane.tsx';
import { SHELL_CHROME } from './shell/session.ts';
import { useShellsState } from './shell/useShells.ts';
import { VIEWS } from './views/index.ts';
import type { ViewKeyHandler, ViewMeta } from './views/types.ts';
import { FlowScreen, flowFooter, flowTitle } from './workflows/FlowScreen.tsx';
import { useFlow } from './workflows/useFlow.ts';
import { useRunActivity } from './workflows/useRunActivity.ts';
import { useWorkflowState } from './workflows/useWorkflowState.ts';

const FLASH_MS = 4000;
/** Header, title, table header, status and footer. */
const CHROME_LINES = 5;

export interface AppProps {
  initialView?: ViewId;
  initialArgs?: ViewArgs;
}

/** The shell: header, breadcrumb/prompt, the current view, status line and footer, and the global keys. */
export function App({ initialView = 'devices', initialArgs = {} }: AppProps) {
  const { keys, readOnly, poller, now, workflows, shells } = useConsole();
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const [nav, dispatch] = useNavigation(initialView, initialArgs);
  const [meta, setMeta] = useState<ViewMeta | null>(null);
  const clock = useNow();
  const commands = useCommandContext();
  const commandsRef = useRef(commands);
  commandsRef.current = commands;
  const frame = currentFrame(nav);
  const flash = useCallback(
    (text: string, level: 'info' | 'error' = 'info') => dispatch({ type: 'flash', text, level, at: now() }),
    [dispatch, now],
  );
  const flows = useFlow(flash);
  const activity = useRunActivity(flows.flow?.screen === 'timeline');
  const paused = useWorkflowState((s) => s.run?.paused != null, false);
  const height = Math.max(1, rows - 1 - CHROME_LINES);
  const [helpOffset, setHelpOffset] = useState(0);
  useEffect(() => {
    if (nav.mode === 'help') setHelpOffset(0);
  }, [nav.mode]);
  const helpTotal = () =>
    helpLines(
      visibleBindings(keys, {
        view: frame.view,
        readOnly,
        hasPoller: poller !== null,
        hasWorkflows: workflows !== null,
        hasShells: shells !== null,
      }),
      columns,
    ).lines.length;

  useEffect(() => {
    if (!nav.flash) return;
    const at = nav.flash.at;
    const timer = setTimeout(() => dispatch({ type: 'unflash', at }), FLASH_MS);
    return () => clearTimeout(timer);
  }, [nav.flash]);

  const focusedShell = useShellsState((s) => s.focused, null);
  const shellRows = Math.max(1, rows - SHELL_CHROME);
  useEffect(() => {
    shells?.resize({ cols: columns, rows: shellRows });
  }, [shells, columns, shellRows]);
  useEffect(
    () => shells?.onEnded((device, why) => flash(`shell on ${device} closed: ${why}`)),
    [shells, flash],
  );
  const openShell = (device: string | null) => {
    if (!shells) return;
    if (!device) return flash('no device selected for a shell', 'error');
    dispatch({ type: 'cancel' });
    entering();
    shells.open(device);
  };

  // The focused shell gets the raw input, byte for byte (arrows, Ctrl-C, a paste), except Ctrl-]:
  // ink's 'input' events carry the bytes as they came, before useInput turns them into key names.
  const { internal_eventEmitter: inputEvents } = useStdin();
  // The chunk that held Ctrl-] must not reach the console's keys either, whichever listener ink calls
  // first (useInput re-adds its listener on every render); it is forgotten by the next tick.
  const escaped = useRef(false);
  // Likewise the chunk whose key focused a shell (`s`, `:ssh …⏎`, Ctrl-]) is the console's, not the shell's.
  const entered = useRef(false);
  const entering = () => {
    entered.current = true;
    setImmediate(() => {
      entered.current = false;
    });
  };
  useEffect(() => {
    if (!shells) return;
    const onInput = (data: string) => {
      const id = shells.store.getState().focused;
      if (id === null || entered.current) return;
      const escape = data.indexOf(SHELL_ESCAPE);
      const typed = escape < 0 ? data : data.slice(0, escape);
      if (typed) shells.write(id, typed);
      if (escape < 0) return;
      shells.focus(null);
      escaped.current = true;
      setImmediate(() => {
        escaped.current = false;
      });
      // What came after Ctrl-] in the same chunk (tmux send-keys, a fast typist over SSH) is the console's.
      const rest = data.slice(escape + 1);
      if (rest && !rest.includes('\u001b')) for (const name of textKeyNames(rest)) onKeyRef.current(name);
    };
    inputEvents.on('input', onInput);
    return () => {
      inputEvents.off('input', onInput);
    };
  }, [inputEvents, shells]);

  const runCommand = (text: string) => {
    const commands = commandsRef.current;
    const command = parseCommand(text, commands);
    if (command.kind === 'quit') exit();
    else if (command.kind === 'ssh') openShell(command.device);
    else if (command.kind === 'shells' || command.kind === 'shell') {
      dispatch({ type: 'cancel' });
      const sessions = shells?.store.getState().sessions ?? [];
      if (command.kind === 'shell' && sessions[command.index - 1]) {
        entering();
        shells?.focus(sessions[command.index - 1]!.id);
      } else if (sessions.length === 0) flash('no shells open (s on a device, or :ssh DEVICE)');
      else
        flash(
          `${command.kind === 'shell' ? `no shell ${command.index}; ` : ''}shells: ${sessions.map((s, i) => `${i + 1} ${s.device}`).join(' · ')} (:shell N)`,
        );
    } else if (command.kind === 'note') {
      dispatch({ type: 'cancel' });
      try {
        const noted = workflows?.note(command.text, { onTimeline: flows.flow?.screen === 'timeline' });
        if (noted) flash(`noted${noted.planId ? ` on plan ${noted.planId}` : ''}: ${noted.message}`);
      } catch (error) {
        flash(`note refused: ${(error as Error).message}`, 'error');
      }
    } else if (command.kind === 'help') dispatch({ type: 'mode', mode: 'help' });
    else if (command.kind === 'timeline') {
      dispatch({ type: 'cancel' });
      flows.openTimeline();
    } else if (command.kind === 'error') {
      dispatch({ type: 'cancel' });
      flash(command.message, 'error');
    } else dispatch({ type: 'open', view: command.view, args: command.args, jump: true });
  };

  // The active view answers row actions (move, drill) through the handler it binds here: one input
  // handler for the whole console, so a key reaches exactly one place.
  const viewKeys = useRef<ViewKeyHandler | null>(null);
  const bindKeys = useCallback((handler: ViewKeyHandler | null) => {
    viewKeys.current = handler;
  }, []);

  const flowsRef = useRef(flows);
  flowsRef.current = flows;
  const openShellRef = useRef(openShell);
  openShellRef.current = openShell;
  const onRowAction = useCallback((id: string, subject: string | null) => {
    if (id === 'shell') openShellRef.current(subject);
    else flowsRef.current.start(id, subject);
  }, []);

  const onKey = (name: string) => {
    // A workflow screen (wizard, plan, timeline, resume dialog) owns every key but Ctrl-C.
    if (name === 'ctrl+c' && flows.flow) {
      flows.abandon();
      return exit();
    }
    // Keys typed faster than React re-renders must see each other's effect: read the latest state.
    const nav = latest(dispatch);
    // `:` over the timeline (for :note while an apply runs): the prompt has the keys until Enter or Esc.
    const prompting = nav.mode === 'command' && flows.flow?.screen === 'timeline';
    if (!prompting && name === ':' && flows.flow?.screen === 'timeline')
      return dispatch({ type: 'mode', mode: 'command' });
    if (!prompting && flows.onKey(name, { width: columns, height: height + 1 })) return;
    if (nav.mode === 'command' || nav.mode === 'filter') {
      if (name === 'esc') dispatch({ type: 'cancel' });
      else if (name === 'enter') {
        if (nav.mode === 'command') runCommand(nav.input);
        else dispatch({ type: 'commit' });
      } else if (name === 'backspace') {
        if (nav.input === '' && nav.mode === 'command') dispatch({ type: 'cancel' });
        else dispatch({ type: 'input', text: nav.input.slice(0, -1) });
      } else if (name === 'tab' && nav.mode === 'command')
        dispatch({ type: 'input', text: complete(nav.input, commandsRef.current) });
      else if (name === 'ctrl+u') dispatch({ type: 'input', text: '' });
      else if (name === 'ctrl+c') exit();
      else if ([...name].length === 1 && name >= ' ') dispatch({ type: 'input', text: nav.input + name });
      return;
    }
    if (nav.mode === 'help') {
      if (name === 'esc' || name === '?' || name === 'q') dispatch({ type: 'mode', mode: 'normal' });
      else if (name === 'ctrl+c') exit();
      else {
        const step = HELP_SCROLL[name];
        const page = Math.max(1, height - 1);
        if (step !== undefined) setHelpOffset((at) => helpScroll(at, step, page, helpTotal()));
      }
      return;
    }
    const view = currentFrame(nav).view;
    const resolved = resolveKey(keys, name, {
      view,
      readOnly,
      hasPoller: poller !== null,
      hasWorkflows: workflows !== null,
      hasShells: shells !== null,
    });
    if (!resolved) return;
    const { binding } = resolved;
    if (resolved.refused) {
      flash(`read-only console: ${binding.label} refused`, 'error');
      return;
    }
    if (TABLE_ACTIONS.has(binding.id) || VIEW_ACTIONS.has(binding.id) || ROW_ACTIONS.has(binding.id)) {
      viewKeys.current?.(binding.id);
      return;
    }
    switch (binding.id) {
      case 'command':
        return dispatch({ type: 'mode', mode: 'command' });
      case 'filter':
        return dispatch({ type: 'mode', mode: 'filter' });
      case 'help':
        return dispatch({ type: 'mode', mode: 'help' });
      case 'back':
        return dispatch({ type: 'back' });
      case 'quit':
        if (name === 'q' && workflows?.running()) {
          flash(
            'an apply is running: q would interrupt it (Ctrl-C quits anyway; the next start offers resume)',
            'error',
          );
          return;
        }
        return exit();
      case 'workload.create':
        return flows.start(binding.id, null);
      case 'timeline':
        return flows.openTimeline();
      case 'shell': {
        const device = currentFrame(nav).args.device;
        if (device) return openShell(device);
        viewKeys.current?.(binding.id);
        return;
      }
      case 'shell.resume': {
        const last = shells?.store.getState().last ?? null;
        if (last === null) return flash('no shell open (s on a device, or :ssh DEVICE)');
        entering();
        return shells?.focus(last);
      }
      case 'refresh':
        flash('polling every device…');
        poller
          ?.pollNow()
          .catch((error: unknown) => flash(`refresh failed: ${(error as Error).message}`, 'error'));
        return;
      default:
        // A key in the table whose wizard has not landed yet says so rather than doing nothing.
        flash(`${binding.label}: not available yet`, 'error');
    }
  };
  const onKeyRef = useRef(onKey);
  onKeyRef.current = onKey;
  useInput((input, key) => {
    if (escaped.current || (shells && shells.store.getState().focused !== null)) return;
    for (const name of keyNames(input, key)) onKey(name);
  });

  const View = VIEWS[frame.view];
  const flow = flows.flow;
  if (focusedShell !== null)
    return (
      <Box flexDirection="column" width={columns} height={rows - 1} overflow="hidden">
        <ShellPane id={focusedShell} width={columns} height={shellRows} />
      </Box>
    );
  return (
    // One line short of the terminal: a frame as tall as the screen makes ink clear it on every redraw.
    <Box flexDirection="column" width={columns} height={rows - 1} overflow="hidden">
      <Header width={columns} />
      <TitleLine
        width={columns}
        crumbs={[...nav.stack.map(frameTitle), ...(flow ? [flowTitle(flow)] : [])]}
        filter={flow ? '' : frame.filter}
        mode={nav.mode}
        input={nav.input}
        meta={meta && !flow ? { ...meta, cursor: clampTable(frame.table, meta.shown, height).cursor } : null}
        commands={commands}
      />
      {nav.mode === 'help' ? (
        <HelpScreen width={columns} height={height} view={frame.view} offset={helpOffset} />
      ) : flow ? (
        <FlowScreen flow={flow} width={columns} height={height + 1} />
      ) : (
        <View
          key={frame.id}
          frame={frame}
          height={height}
          width={columns}
          bindKeys={bindKeys}
          dispatch={dispatch}
          onMeta={setMeta}
          onRowAction={onRowAction}
        />
      )}
      <Box flexDirection="column" width={columns} height={STATUS_LINES} overflow="hidden" flexShrink={0}>
        <StatusBar
          width={columns}
          flash={nav.flash}
          filterError={meta?.filterError ?? null}
          note={flow ? null : (meta?.note ?? null)}
          detail={flow || nav.mode === 'help' ? null : (meta?.detail ?? null)}
          activity={activity}
          now={clock}
        />
        <HelpBar
          width={columns}
          view={frame.view}
          mode={nav.mode}
          override={flow && nav.mode === 'normal' ? flowFooter(flow, paused) : null}
        />
      </Box>
    </Box>
  );
}

/** Help-screen scrolling: lines per key (`page` stands for a page, `Infinity` for the end). */
const HELP_SCROLL: Record<string, number | 'page' | '-page'> = {
  down: 1,
  j: 1,
  up: -1,
  k: -1,
  pgdn: 'page',
  'ctrl+f': 'page',
  ' ': 'page',
  pgup: '-page',
  'ctrl+b': '-page',
  g: -Infinity,
  home: -Infinity,
  G: Infinity,
  end: Infinity,
};

function helpScroll(at: number, step: number | 'page' | '-page', page: number, total: number): number {
  const by = step === 'page' ? page : step === '-page' ? -page : step;
  return clampHelpOffset(Number.isFinite(by) ? at + by : by > 0 ? total : 0, total, page + 1);
}

function latest(dispatch: NavDispatch): NavState {
  return dispatch.latest();
}

/** useReducer plus a synchronously updated copy, so an input handler never acts on a stale frame. */
function useNavigation(view: ViewId, args: ViewArgs): [NavState, NavDispatch] {
  const [nav, reactDispatch] = useReducer(navReducer, undefined, () => initialNav(view, args));
  const ref = useRef(nav);
  const dispatch = useCallback(
    (action: NavAction) => {
      ref.current = navReducer(ref.current, action);
      reactDispatch(action);
    },
    [reactDispatch],
  );
  return [nav, Object.assign(dispatch, { latest: () => ref.current })];
}
