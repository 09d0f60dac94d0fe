/**
 * The compute hook of a migration (issue 6): something outside routedeck moves the workload
 * itself. `command` is a templated shell command run on the source hypervisor (e.g. `virsh
 * migrate --live {workload} qemu+ssh://{targetAddress}/system`); values are shell-quoted, and the
 * template may use only the placeholders below.
 */
import { shellQuote } from '../../transport/ssh/quote.ts';
import { PlanError } from './validate.ts';

export type ComputeHook = { type: 'none' } | { type: 'command'; template: string };

export const HOOK_PLACEHOLDERS = [
  'workload',
  'tap',
  'source',
  'target',
  'targetAddress',
  'ipv4',
  'ipv6Prefix',
] as const;
export type HookValues = Record<(typeof HOOK_PLACEHOLDERS)[number], string>;

const PLACEHOLDER = /\{([^{}]*)\}/g;
// An address routedeck would ssh to: a hostname or an IP literal, nothing a shell interprets.
const ADDRESS = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,252}$/;

export function checkHookTemplate(template: string): void {
  if (template.trim() === '') throw new PlanError('compute hook: the command template is empty');
  if (/[\n\r\0]/.test(template)) throw new PlanError('compute hook: the command template must be one line');
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    if (!(HOOK_PLACEHOLDERS as readonly string[]).includes(name)) {
      throw new PlanError(
        `compute hook: unknown placeholder {${name}} (known: ${HOOK_PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`,
      );
    }
  }
  // A lone brace is almost always a typo in a placeholder; refuse it rather than send it.
  if (/[{}]/.test(template.replace(PLACEHOLDER, '')))
    throw new PlanError('compute hook: unbalanced { } in the command template');
}

export function renderHook(template: string, values: HookValues): string {
  checkHookTemplate(template);
  if (!ADDRESS.test(values.targetAddress)) {
    throw new PlanError(
      `compute hook: target address ${JSON.stringify(values.targetAddress)} is not a hostname or IP`,
    );
  }
  return template.replace(PLACEHOLDER, (_, name: string) => shellQuote(values[name as keyof HookValues]));
}
