import type { ViewArgs } from './nav.ts';
import type { ViewId } from './keys.ts';

export type Command =
  | { kind: 'open'; view: ViewId; args: ViewArgs }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'timeline' }
  | { kind: 'ssh'; device: string }
  | { kind: 'shells' }
  | { kind: 'shell'; index: number }
  | { kind: 'note'; text: string }
  | { kind: 'error'; message: string };

/** What completion and validation may know about the fabric. */
export interface CommandContext {
  devices: readonly string[];
  vrfsOf(device: string): readonly string[];
  tenants: readonly string[];
  /** Offers and accepts `:ssh`, `:shells`, `:shell N` (a console that can open shells). */
  shells?: boolean;
  /** Offers and accepts `:note` (a console with the workflow service). */
  notes?: boolean;
}

const VERBS: Record<string, string> = {
  devices: 'devices',
  dev: 'devices',
  bgp: 'bgp',
  routes: 'routes',
  rt: 'routes',
  vrfs: 'vrfs',
  vrf: 'vrfs',
  workloads: 'workloads',
  wl: 'workloads',
  overlay: 'overlay',
  ov: 'overlay',
  guard: 'guard',
  audit: 'audit',
  help: 'help',
  plan: 'plan',
  timeline: 'plan',
  q: 'quit',
  quit: 'quit',
  'q!': 'quit',
  ssh: 'ssh',
  shells: 'shells',
  shell: 'shell',
  note: 'note',
};

/** Verbs offered by completion (aliases still work when typed). */
const COMPLETE_VERBS = [
  'devices',
  'bgp',
  'routes',
  'vrfs',
  'workloads',
  'overlay',
  'guard',
  'audit',
  'help',
  'quit',
];

function verbsFor(ctx: CommandContext): string[] {
  return [...COMPLETE_VERBS, ...(ctx.shells ? ['ssh', 'shells'] : []), ...(ctx.notes ? ['note'] : [])];
}

function words(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** `:routes spine1 vrf blue`, `:routes spine1 blue`, `:bgp spine1`, `:workloads acme`, `:q`. */
export function parseCommand(text: string, ctx: CommandContext): Command {
  const [verbWord, ...rest] = words(text);
  if (!verbWord) return { kind: 'error', message: 'empty command' };
  const verb = VERBS[verbWord.toLowerCase()];
  if (!verb)
    return { kind: 'error', message: `unknown command :${verbWord} (try ${verbsFor(ctx).join(', ')})` };
  if (verb === 'quit') return { kind: 'quit' };
  if ((verb === 'ssh' || verb === 'shells' || verb === 'shell') && !ctx.shells)
    return { kind: 'error', message: `:${verb} refused: this console opens no shells (read-only)` };
  if (verb === 'note') {
    if (!ctx.notes)
      return { kind: 'error', message: ':note refused: this console has no workflow service (read-only)' };
    const body = text.trim().slice(verbWord.length).trim();
    return body ? { kind: 'note', text: body } : { kind: 'error', message: 'usage: :note TEXT' };
  }
  if (verb === 'shells') return { kind: 'shells' };
  if (verb === 'shell') {
    const index = Number(rest[0]);
    return Number.isInteger(index) && index > 0
      ? { kind: 'shell', index }
      : { kind: 'error', message: 'usage: :shell N (see :shells)' };
  }
  if (verb === 'ssh') {
    if (!rest[0]) return { kind: 'error', message: 'usage: :ssh DEVICE' };
    if (!ctx.devices.includes(rest[0])) return { kind: 'error', message: `unknown device ${rest[0]}` };
    return { kind: 'ssh', device: rest[0] };
  }
  if (verb === 'help') return { kind: 'help' };
  if (verb === 'plan') return { kind: 'timeline' };
  if (verb === 'devices') return { kind: 'open', view: 'devices', args: {} };
  if (verb === 'audit') return { kind: 'open', view: 'audit', args: {} };
  if (verb === 'workloads')
    return { kind: 'open', view: 'workloads', args: rest[0] ? { tenant: rest[0] } : {} };
  const device = rest[0];
  if (device !== undefined && !ctx.devices.includes(device))
    return { kind: 'error', message: `unknown device ${device}` };
  if (verb === 'bgp') return { kind: 'open', view: 'bgp', args: device ? { device } : {} };
  if (verb === 'vrfs') return { kind: 'open', view: 'vrfs', args: device ? { device } : {} };
  if (verb === 'overlay') return { kind: 'open', view: 'overlay', args: device ? { device } : {} };
  if (verb === 'guard') return { kind: 'open', view: 'guard', args: device ? { device } : {} };
  if (!device) return { kind: 'open', view: 'routes', args: {} };
  const vrf = rest[1] === 'vrf' ? rest[2] : rest[1];
  if (!vrf) return { kind: 'open', view: 'route-vrfs', args: { device } };
  if (!ctx.vrfsOf(device).includes(vrf)) return { kind: 'error', message: `${device} has no VRF ${vrf}` };
  return { kind: 'open', view: 'route-table', args: { device, vrf } };
}

/** Candidates for the word being typed, given the words before it. */
export function suggest(text: string, ctx: CommandContext): string[] {
  const parts = text.split(/\s+/);
  const current = parts.pop() ?? '';
  const before = parts.filter(Boolean);
  const verb = before[0] ? VERBS[before[0].toLowerCase()] : undefined;
  let pool: readonly string[] = [];
  if (before.length === 0) pool = verbsFor(ctx);
  else if (
    before.length === 1 &&
    (verb === 'bgp' ||
      verb === 'vrfs' ||
      verb === 'routes' ||
      verb === 'ssh' ||
      verb === 'overlay' ||
      verb === 'guard')
  )
    pool = ctx.devices;
  else if (before.length === 1 && verb === 'workloads') pool = ctx.tenants;
  else if (verb === 'routes' && before.length === 2) pool = ['vrf', ...ctx.vrfsOf(before[1]!)];
  else if (verb === 'routes' && before.length === 3 && before[2] === 'vrf') pool = ctx.vrfsOf(before[1]!);
  return pool.filter((candidate) => candidate.startsWith(current) && candidate !== current);
}

/**
 * Tab: extend the last word to the candidates' common prefix (a single candidate also gets a space);
 * when that adds nothing, take the greyed suggestion on screen (the first candidate) — Tab never
 * ignores what the prompt shows.
 */
export function complete(text: string, ctx: CommandContext): string {
  const candidates = suggest(text, ctx);
  if (candidates.length === 0) return text;
  const current = text.split(/\s+/).pop() ?? '';
  const head = text.slice(0, text.length - current.length);
  if (candidates.length === 1) return `${head}${candidates[0]} `;
  let common = candidates[0]!;
  for (const candidate of candidates) while (!candidate.startsWith(common)) common = common.slice(0, -1);
  if (common.length <= current.length) return `${head}${candidates[0]} `;
  return head + common;
}
