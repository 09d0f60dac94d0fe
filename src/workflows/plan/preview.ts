/**
 * The plan preview: the exact command lines per step (read from `Step.action`, the object the
 * executor sends, never re-rendered), a unified-diff style before/after per device, and the
 * route changes routers will see. Plain text; the UI colours lines by their first character.
 */
import type { DeviceDiff, Plan, RouteChange, StepAction } from '../../model/plan.ts';
import { manualMove } from './manual-move.ts';

/** The lines a preview shows for an action, one per command as it goes on the wire. */
export function actionLines(action: StepAction): string[] {
  if (action.type === 'ssh') return [...action.commands];
  return action.commands.map((c) => [c.op, ...c.path, ...(c.value !== undefined ? [c.value] : [])].join(' '));
}

function diffLines(diff: DeviceDiff): string[] {
  const after = new Set(diff.after);
  const before = new Set(diff.before);
  return [
    `--- ${diff.device} (before)`,
    `+++ ${diff.device} (after)`,
    ...diff.before.map((line) => (after.has(line) ? `  ${line}` : `- ${line}`)),
    ...diff.after.filter((line) => !before.has(line)).map((line) => `+ ${line}`),
  ];
}

function routeChangeLine(c: RouteChange): string {
  const where =
    c.change === 'moves'
      ? `moves ${c.fromHost ?? '?'} → ${c.toHost ?? '?'}`
      : `${c.change}${c.toHost ? ` via ${c.toHost}` : c.fromHost ? ` (was ${c.fromHost})` : ''}`;
  return `  ${c.router.padEnd(12)} ${c.vrf.padEnd(10)} ${c.prefix.padEnd(24)} ${where}`;
}

export const COMMAND_PREFIX = '    $ ';

export function renderPreview(plan: Plan): string {
  const out: string[] = [
    `Plan ${plan.id} — ${plan.kind}${plan.workload !== plan.kind ? ` ${plan.workload}` : ''}` +
      `${plan.tenant ? ` (tenant ${plan.tenant})` : ''}, by ${plan.operator} at ${plan.createdAt}`,
    plan.summary,
  ];
  const move = manualMove(plan);
  if (move) out.push(move.text);
  out.push('', 'Steps (sent in this order):');
  plan.steps.forEach((step, i) => {
    if (move && i === move.after)
      out.push(`  ⏸ move ${plan.workload} to its new host now (the apply waits for "VM moved, continue")`);
    out.push(`  ${i + 1}. [${step.device}] ${step.id}: ${step.description}`);
    for (const line of actionLines(step.action)) out.push(`${COMMAND_PREFIX}${line}`);
    for (const v of step.verify) {
      const who = v.expect === 'announced-by' ? `announced by ${v.host ?? 'any host'}` : 'withdrawn';
      out.push(
        `    ✓ ${v.prefix} (${v.vrf}) ${who} on ${v.routers.join(', ')} within ${v.timeoutMs / 1000}s`,
      );
    }
    if (step.undoPhases) {
      const devices = [...new Set(step.undoPhases.map((p) => p.device))].join(', ');
      const count = step.undoPhases.reduce((n, p) => n + p.commands.length, 0);
      out.push(`    ↺ rollback: ${count} command(s) on ${devices}, make-before-break`);
    } else if (step.rollback) out.push(`    ↺ rollback: ${actionLines(step.rollback).length} command(s)`);
  });
  out.push('', 'Config per device:');
  for (const diff of plan.diffs) out.push(...diffLines(diff));
  out.push('', 'Route changes:');
  for (const change of plan.routeChanges) out.push(routeChangeLine(change));
  const artifacts = Object.keys(plan.artifacts);
  if (artifacts.length > 0) out.push('', `Artifacts: ${artifacts.join(', ')}`);
  const networkConfig = plan.artifacts['network-config'];
  if (networkConfig) {
    out.push('', 'Guest network-config (cloud-init):');
    for (const line of networkConfig.trimEnd().split('\n')) out.push(`  | ${line}`);
  }
  return `${out.join('\n')}\n`;
}
