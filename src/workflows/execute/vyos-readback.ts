/** A VyOS batch as text and its read-back: what `/retrieve showConfig` must show after a commit. */
import type { StepAction } from '../../model/plan.ts';

type VyosCommand = Extract<StepAction, { type: 'vyos-configure' }>['commands'][number];

export function vyosLine(c: VyosCommand): string {
  return [c.op, ...c.path, ...(c.value !== undefined ? [c.value] : [])].join(' ');
}

/** Whether `set PATH [VALUE]` is in a showConfig tree (tag nodes as objects, leaves as strings or lists). */
export function configHas(config: unknown, c: VyosCommand): boolean {
  const words = c.value !== undefined ? [...c.path, c.value] : c.path;
  let node: unknown = config;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const last = i === words.length - 1;
    if (typeof node === 'string') return last && node === word;
    if (Array.isArray(node)) return last && node.includes(word);
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, word)) return false;
    node = (node as Record<string, unknown>)[word];
  }
  return true;
}

/** The commands the read-back does not show: a `set` absent, or a `delete` still there. */
export function notReadBack(config: unknown, commands: readonly VyosCommand[]): VyosCommand[] {
  return commands.filter((c) => (c.op === 'set' ? !configHas(config, c) : configHas(config, c)));
}
