import type { ViewId } from './keys.ts';
import { INITIAL_TABLE, moveTable, type TableMove, type TableState } from './shared/table-state.ts';

export interface ViewArgs {
  device?: string;
  vrf?: string;
  tenant?: string;
  /** A Workloads row's key (its registry name, or the TAP its prefixes are routed to). */
  workload?: string;
}

/** One breadcrumb: a view, what it was opened on, its filter and where its cursor is. */
export interface Frame {
  id: number;
  view: ViewId;
  args: ViewArgs;
  filter: string;
  table: TableState;
}

export type Mode = 'normal' | 'command' | 'filter' | 'help';

export interface Flash {
  text: string;
  level: 'info' | 'error';
  at: number;
}

export interface NavState {
  stack: Frame[];
  mode: Mode;
  /** The command or filter line being typed. */
  input: string;
  /** The filter in force before `/` was pressed, restored by Esc. */
  savedFilter: string;
  flash: Flash | null;
  nextId: number;
}

export type NavAction =
  /** `jump`: a `:` command, which starts a new trail (k9s); otherwise a drill-in, which extends it. */
  | { type: 'open'; view: ViewId; args: ViewArgs; jump?: boolean }
  | { type: 'back' }
  | { type: 'mode'; mode: Mode }
  | { type: 'input'; text: string }
  | { type: 'commit' }
  | { type: 'cancel' }
  | { type: 'move'; move: TableMove; rowCount: number; height: number }
  | { type: 'flash'; text: string; level: Flash['level']; at: number }
  | { type: 'unflash'; at: number };

/** The shell's dispatch, plus the state as of the last action (React's copy lags until the next render). */
export type NavDispatch = ((action: NavAction) => void) & { latest: () => NavState };

export function initialNav(view: ViewId = 'devices', args: ViewArgs = {}): NavState {
  return {
    stack: [{ id: 0, view, args, filter: '', table: INITIAL_TABLE }],
    mode: 'normal',
    input: '',
    savedFilter: '',
    flash: null,
    nextId: 1,
  };
}

export function currentFrame(state: NavState): Frame {
  return state.stack[state.stack.length - 1]!;
}

function withTop(state: NavState, change: Partial<Frame>): NavState {
  const top = currentFrame(state);
  return { ...state, stack: [...state.stack.slice(0, -1), { ...top, ...change }] };
}

export function navReducer(state: NavState, action: NavAction): NavState {
  switch (action.type) {
    case 'open': {
      const frame: Frame = {
        id: state.nextId,
        view: action.view,
        args: action.args,
        filter: '',
        table: INITIAL_TABLE,
      };
      return {
        ...state,
        stack: action.jump ? [frame] : [...state.stack, frame],
        mode: 'normal',
        input: '',
        nextId: state.nextId + 1,
      };
    }
    case 'back':
      // k9s: Esc first drops the filter, then walks back up the breadcrumb.
      if (currentFrame(state).filter !== '') return withTop(state, { filter: '', table: INITIAL_TABLE });
      if (state.stack.length <= 1) return state;
      return { ...state, stack: state.stack.slice(0, -1) };
    case 'mode': {
      const filter = currentFrame(state).filter;
      if (action.mode === 'filter') return { ...state, mode: 'filter', input: filter, savedFilter: filter };
      return { ...state, mode: action.mode, input: '' };
    }
    case 'input':
      // The filter applies as it is typed; the table goes back to the top of the new result.
      if (state.mode === 'filter')
        return { ...withTop(state, { filter: action.text, table: INITIAL_TABLE }), input: action.text };
      return { ...state, input: action.text };
    case 'commit':
      return { ...state, mode: 'normal', input: '' };
    case 'cancel':
      if (state.mode === 'filter')
        return {
          ...withTop(state, { filter: state.savedFilter, table: INITIAL_TABLE }),
          mode: 'normal',
          input: '',
        };
      return { ...state, mode: 'normal', input: '' };
    case 'move': {
      const top = currentFrame(state);
      const table = moveTable(top.table, action.move, action.rowCount, action.height);
      return table === top.table ? state : withTop(state, { table });
    }
    case 'flash':
      return { ...state, flash: { text: action.text, level: action.level, at: action.at } };
    case 'unflash':
      return state.flash && state.flash.at <= action.at ? { ...state, flash: null } : state;
  }
}

/** The breadcrumb text of one frame: `bgp spine1`, `routes spine1/blue`. */
export function frameTitle(frame: Frame): string {
  const { device, vrf, tenant } = frame.args;
  switch (frame.view) {
    case 'route-vrfs':
      return `routes ${device ?? ''}`;
    case 'route-table':
      return `routes ${device ?? ''}/${vrf ?? ''}`;
    case 'workload':
      return `workload ${(frame.args.workload ?? '').replace(/^(name|tap|prefix):/, '')}`;
    default:
      return [frame.view, device, tenant].filter(Boolean).join(' ');
  }
}
