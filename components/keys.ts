import type { Key } from 'ink';

export type ViewId =
  | 'devices'
  | 'bgp'
  | 'routes'
  | 'route-vrfs'
  | 'route-table'
  | 'vrfs'
  | 'workloads'
  | 'workload'
  | 'overlay'
  | 'guard'
  | 'audit';

/**
 * One key action as data (k9s `KeyAction`, gemini-cli's keybinding map): the handlers, the footer and
 * the `?` screen all read this table, so they cannot disagree.
 */
export interface KeyBinding {
  id: string;
  /** Key names as {@link keyName} spells them: `j`, `G`, `up`, `pgdn`, `enter`, `esc`, `ctrl+r`. */
  keys: readonly string[];
  /** Footer word. */
  label: string;
  description: string;
  /** Views where the key works; absent means everywhere. */
  views?: readonly ViewId[];
  /** Changes the network: absent from footer and help, and refused, on a read-only console. */
  dangerous?: boolean;
  /** Shown in the footer (movement keys are only in the help, to save the 80-column footer). */
  footer?: boolean;
  /** Needs a poller (refresh) — hidden when the console was started without one. */
  needsPoller?: boolean;
  /** Needs the workflow service (the timeline) — hidden when the console has none (read-only). */
  needsWorkflows?: boolean;
  /** Needs device shells — hidden when the console cannot open them. */
  needsShells?: boolean;
}

export type KeyTable = readonly KeyBinding[];

const DRILL_VIEWS: readonly ViewId[] = ['devices', 'bgp', 'routes', 'route-vrfs', 'vrfs', 'workloads'];

export const DEFAULT_KEYS: KeyTable = [
  {
    id: 'command',
    keys: [':'],
    label: 'cmd',
    description: 'command line: :devices :bgp :routes :vrfs :workloads :overlay :guard :audit :plan :q',
    footer: true,
  },
  {
    id: 'filter',
    keys: ['/'],
    label: 'filter',
    description:
      'filter rows (regex, case-insensitive; ! inverts; an address looks up the longest prefix in a route table)',
    footer: true,
  },
  {
    id: 'drill',
    keys: ['enter'],
    label: 'open',
    description: 'drill in: device → BGP sessions, session/VRF → routes, workload → its prefixes per router',
    views: DRILL_VIEWS,
    footer: true,
  },
  {
    id: 'routes-of',
    keys: ['r'],
    label: 'routes',
    description: "the device's route tables",
    views: ['devices'],
    footer: true,
  },
  {
    id: 'workload.create',
    keys: ['c'],
    label: 'create',
    description: 'create a workload (name, tenant, host) → plan → type its name → apply',
    views: ['workloads'],
    dangerous: true,
    footer: true,
  },
  {
    id: 'workload.migrate',
    keys: ['m'],
    label: 'migrate',
    description: 'migrate the selected workload to another host (make-before-break)',
    views: ['workloads'],
    dangerous: true,
    footer: true,
  },
  {
    id: 'workload.decommission',
    keys: ['d'],
    label: 'decommission',
    description: 'decommission the selected workload: withdraw, clean up, release',
    views: ['workloads'],
    dangerous: true,
    footer: true,
  },
  {
    id: 'workload.reconcile',
    keys: ['F'],
    label: 'fix',
    description:
      'reconcile the selected workload (half-done migrate/decommission, or announced where the registry disagrees): plan → type its name → apply',
    views: ['workloads'],
    dangerous: true,
  },
  {
    id: 'guard.repair',
    keys: ['R'],
    label: 'repair',
    description:
      "repair anti-spoofing drift on the selected row's host (or all) → plan → type guard-repair → apply",
    views: ['guard'],
    dangerous: true,
    footer: true,
  },
  {
    id: 'shell',
    keys: ['s'],
    label: 'shell',
    description: 'a shell on the selected device, in the console (Ctrl-] back; also :ssh DEVICE)',
    views: ['devices', 'bgp', 'routes', 'route-vrfs', 'route-table', 'vrfs', 'overlay', 'guard', 'workload'],
    // Not a change by itself, but a shell can change anything: never on a read-only console.
    dangerous: true,
    needsShells: true,
  },
  {
    id: 'shell.resume',
    keys: ['ctrl+]'],
    label: 'to shell',
    description: 'back into the last shell (:shells lists them, :shell N switches)',
    dangerous: true,
    needsShells: true,
  },
  {
    id: 'timeline',
    keys: ['t'],
    label: 'timeline',
    description: 'timeline of the apply running or last run here (also :plan; :note TEXT marks it)',
    needsWorkflows: true,
  },
  {
    id: 'back',
    keys: ['esc'],
    label: 'back',
    description: 'clear the filter, then go back through the breadcrumb',
    footer: true,
  },
  { id: 'help', keys: ['?'], label: 'help', description: 'this help', footer: true },
  {
    id: 'refresh',
    keys: ['ctrl+r'],
    label: 'refresh',
    description: 'poll every device now',
    needsPoller: true,
    footer: true,
  },
  { id: 'quit', keys: ['q', 'ctrl+c'], label: 'quit', description: 'quit the console', footer: true },
  { id: 'up', keys: ['up', 'k'], label: 'up', description: 'previous row' },
  { id: 'down', keys: ['down', 'j'], label: 'down', description: 'next row' },
  { id: 'page-up', keys: ['pgup', 'ctrl+b'], label: 'page up', description: 'previous page' },
  { id: 'page-down', keys: ['pgdn', 'ctrl+f'], label: 'page down', description: 'next page' },
  { id: 'top', keys: ['g', 'home'], label: 'top', description: 'first row' },
  { id: 'bottom', keys: ['G', 'end'], label: 'bottom', description: 'last row' },
];

/** Actions the table itself handles. */
export const TABLE_ACTIONS: ReadonlySet<string> = new Set([
  'up',
  'down',
  'page-up',
  'page-down',
  'top',
  'bottom',
]);
/** Actions a view answers from its selected row; everything else is the shell's. */
export const VIEW_ACTIONS: ReadonlySet<string> = new Set(['drill', 'routes-of']);
/** Actions on the workload of the selected row: the view names it, the shell starts the wizard. */
export const ROW_ACTIONS: ReadonlySet<string> = new Set([
  'workload.migrate',
  'workload.decommission',
  'workload.reconcile',
  'guard.repair',
]);

/** Actions on the device of the selected row (`s`: a shell there). */
export const DEVICE_ACTIONS: ReadonlySet<string> = new Set(['shell']);

export interface KeyContext {
  view: ViewId;
  readOnly: boolean;
  hasPoller: boolean;
  hasWorkflows?: boolean;
  hasShells?: boolean;
}

/** Spells ink's key event the way the table does. */
export function keyName(input: string, key: Key): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pgup';
  if (key.pageDown) return 'pgdn';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.tab) return 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl+${input.toLowerCase()}`;
  return CONTROL_NAMES[input] === 'ctrl+]' ? 'ctrl+]' : input;
}

const CONTROL_NAMES: Record<string, string> = {
  '\r': 'enter',
  '\n': 'enter',
  '\t': 'tab',
  '\u007f': 'backspace',
  '\b': 'backspace',
  '\u001d': 'ctrl+]',
};

/** `\x15` → `ctrl+u`: a control key that arrived inside a chunk of text (tmux send-keys, SSH). */
function controlName(ch: string): string | undefined {
  const code = ch.charCodeAt(0);
  return code >= 1 && code <= 26 ? `ctrl+${String.fromCharCode(code + 96)}` : undefined;
}

/**
 * The keys in one input event. ink hands over a whole chunk of plain text as one event, and over SSH
 * (Nagle) or from tmux several quick keystrokes arrive in one chunk: `:bgp⏎` must act as four keys.
 */
export function keyNames(input: string, key: Key): string[] {
  const single = keyName(input, key);
  if (single !== input || input.length <= 1 || key.ctrl || key.meta || input.includes('\u001b'))
    return [single];
  return textKeyNames(input);
}

/** The keys in a chunk of plain text (no escape sequences), one per character. */
export function textKeyNames(text: string): string[] {
  return [...text].map((ch) => CONTROL_NAMES[ch] ?? controlName(ch) ?? ch);
}

function inView(binding: KeyBinding, ctx: KeyContext): boolean {
  return (
    (!binding.views || binding.views.includes(ctx.view)) &&
    (!binding.needsPoller || ctx.hasPoller) &&
    (!binding.needsWorkflows || ctx.hasWorkflows === true) &&
    // A read-only console has no shells, yet `s` there says "refused" rather than nothing.
    (!binding.needsShells || ctx.hasShells === true || ctx.readOnly)
  );
}

/** What the footer and help show: a read-only console does not even mention dangerous keys. */
export function visibleBindings(table: KeyTable, ctx: KeyContext): KeyBinding[] {
  return table.filter((binding) => inView(binding, ctx) && !(binding.dangerous && ctx.readOnly));
}

export type Resolved = { binding: KeyBinding; refused: boolean } | null;

/** The action a key triggers here; a dangerous one on a read-only console comes back refused. */
export function resolveKey(table: KeyTable, name: string, ctx: KeyContext): Resolved {
  const binding = table.find((candidate) => candidate.keys.includes(name) && inView(candidate, ctx));
  if (!binding) return null;
  return { binding, refused: binding.dangerous === true && ctx.readOnly };
}

/** `<ctrl+r>` reads better as `^r` in a footer. */
export function displayKey(name: string): string {
  return name.startsWith('ctrl+') ? `^${name.slice(5)}` : name;
}
