import type { Plan } from '../../src/model/plan.ts';
import type { StoredPlan } from '../../src/registry/index.ts';
import { safeText } from '../../src/model/text.ts';
import { COMMAND_PREFIX, renderPreview } from '../../src/workflows/plan/preview.ts';
import type { ThemeColor } from '../theme.ts';
import { latestEventAt, type StepLine, type TimelineState } from './timeline.ts';

/** One screen line with its meaning; the component maps the colour through the theme (NO_COLOR: none). */
export interface Line {
  text: string;
  color?: ThemeColor;
  bold?: boolean;
}

/**
 * Hard-wraps long lines (a command must be readable whole, never cut with `…`); continuations are
 * indented under the line's own indentation so they read as one. Lines quote routers (errors,
 * commands, names): escaped first, so the wrap measures what the screen shows.
 */
export function wrapLines(lines: readonly Line[], width: number): Line[] {
  const out: Line[] = [];
  const w = Math.max(10, width);
  for (const given of lines) {
    const line = { ...given, text: safeText(given.text) };
    if (line.text.length <= w) {
      out.push(line);
      continue;
    }
    const indent = Math.min(w - 6, (/^\s*(?:\$ |\| |[+-] |\d+\. )?/.exec(line.text)?.[0].length ?? 0) + 2);
    let rest = line.text;
    let first = true;
    while (rest.length > 0) {
      const room = first ? w : w - indent;
      let cut = rest.length <= room ? rest.length : rest.lastIndexOf(' ', room);
      // Break at a space when there is one in the second half of the line; else mid-word.
      if (cut < room / 2) cut = Math.min(room, rest.length);
      out.push({ ...line, text: (first ? '' : ' '.repeat(indent)) + rest.slice(0, cut).trimEnd() });
      rest = rest.slice(cut).trimStart();
      first = false;
    }
  }
  return out;
}

const SECTIONS = [
  'Steps (sent in this order):',
  'Config per device:',
  'Route changes:',
  'Guest network-config (cloud-init):',
];

/**
 * The plan preview as the CLI prints it (renderPreview reads the commands from `Step.action`, the
 * object the executor sends), coloured by each line's first characters: + green, - red.
 */
export function planLines(plan: Plan): Line[] {
  const text = renderPreview(plan).trimEnd().split('\n');
  return text.map((t, i): Line => {
    if (i === 0) return { text: t, bold: true };
    if (SECTIONS.includes(t) || t.startsWith('Artifacts:')) return { text: t, bold: true, color: 'accent' };
    if (t.startsWith('--- ') || t.startsWith('+++ ')) return { text: t, bold: true };
    if (t.startsWith('+ ')) return { text: t, color: 'ok' };
    if (t.startsWith('- ')) return { text: t, color: 'error' };
    if (t.startsWith(COMMAND_PREFIX)) return { text: t, color: 'key' };
    if (/^\s+[✓↺]/.test(t)) return { text: t, color: 'muted' };
    return { text: t };
  });
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

const STATE_MARK: Record<StepLine['state'], string> = {
  pending: '·',
  running: '▶',
  ok: '✓',
  failed: '✗',
  'rolling back': '↺',
  'rolled back': '↺',
  'rollback failed': '✗',
  'not undone': '!',
};

const STATE_COLOR: Partial<Record<StepLine['state'], ThemeColor>> = {
  running: 'accent',
  ok: 'ok',
  failed: 'error',
  'rolling back': 'warn',
  'rolled back': 'warn',
  'rollback failed': 'error',
  'not undone': 'error',
  pending: 'muted',
};

function statusText(run: TimelineState, now: number): { text: string; color: ThemeColor } {
  const verb = run.mode === 'apply' ? '' : `${run.mode} · `;
  if (run.status === 'running')
    return { text: `${verb}running ${formatMs(now - run.startedAt)}`, color: 'accent' };
  const took = run.endedAt !== null ? ` in ${formatMs(run.endedAt - run.startedAt)}` : '';
  if (run.status === 'applied') return { text: `${verb}APPLIED${took}`, color: 'ok' };
  if (run.status === 'rolled-back') return { text: `${verb}ROLLED BACK${took}`, color: 'warn' };
  return { text: `${verb}FAILED${took}`, color: 'error' };
}

/**
 * The live timeline: status, one convergence line per router (when it switched, relative to the
 * start), then every step with its state, duration and the exit code of each command sent.
 */
export function timelineLines(run: TimelineState, clock: number, verbose: boolean): Line[] {
  const { plan } = run;
  // One clock for the whole screen: never behind an event already drawn.
  const now = Math.max(clock, latestEventAt(run));
  const status = statusText(run, now);
  const out: Line[] = [
    {
      text: `${plan.kind}${plan.workload !== plan.kind ? ` ${plan.workload}` : ''} — plan ${plan.id}`,
      bold: true,
    },
    { text: plan.summary },
    { text: `Status: ${status.text}`, color: status.color, bold: true },
  ];
  if (run.paused) out.push({ text: `⏸ ${run.paused}`, color: 'warn', bold: true });
  if (run.error) out.push({ text: `Error: ${run.error}`, color: 'error' });
  // A plan that did not apply always says why and, when it failed, the way out.
  if (run.reason && run.status !== 'running' && run.status !== 'applied')
    out.push({ text: `Reason: ${run.reason}`, color: run.status === 'failed' ? 'error' : 'warn' });
  if (run.next && run.status === 'failed') out.push({ text: `Next: ${run.next}`, color: 'key', bold: true });
  if (run.convergence.length > 0) {
    const step = run.convergence[0]!;
    out.push({
      text: `Convergence (${step.step}: ${step.expect === 'withdrawn' ? 'routers drop it' : `routers use ${step.host ?? 'the host'}`}):`,
      bold: true,
    });
    for (const c of run.convergence) {
      const what = c.expect === 'withdrawn' ? 'withdrawn' : `→ ${c.host ?? '?'}`;
      if (c.at !== null)
        out.push({ text: `  ${c.router} ${what} at +${formatMs(c.at - run.startedAt)}`, color: 'ok' });
      else
        out.push({
          text: `  ${c.router} ${what} … ${Object.keys(c.satisfied).length}/${c.prefixes.length} prefixes`,
          color: 'muted',
        });
    }
  }
  out.push({ text: 'Steps:', bold: true });
  const idWidth = Math.min(28, Math.max(...run.steps.map((s) => s.id.length)));
  const devWidth = Math.max(...run.steps.map((s) => s.device.length));
  run.steps.forEach((s, i) => {
    const took =
      s.startedAt === null
        ? ''
        : formatMs((s.endedAt ?? (s.state === 'running' ? now : s.startedAt)) - s.startedAt);
    const codes = s.commands.map((c) => c.code);
    const allZero = codes.length > 0 && codes.every((c) => c === 0);
    const exits =
      codes.length === 0
        ? ''
        : allZero
          ? `${codes.length} cmd exit 0`
          : `exit ${codes.map((c) => c ?? '?').join(',')}`;
    out.push({
      // Paused for a manual VM move: the step has not sent anything yet, it waits.
      text: `${STATE_MARK[s.state]} ${String(i + 1).padStart(2)}. ${s.id.padEnd(idWidth)} ${s.device.padEnd(devWidth)} ${(run.paused && s.state === 'running' ? 'waiting' : s.state).padEnd(12)} ${took.padStart(8)}  ${exits}`.trimEnd(),
      color: STATE_COLOR[s.state],
    });
    const showCommands = verbose || s.state === 'running' || s.state === 'failed' || !allZero;
    if (showCommands)
      for (const c of s.commands)
        out.push({
          text: `      $ ${c.command}  → ${c.code ?? 'no exit code'}`,
          color: c.code === 0 ? 'muted' : 'error',
        });
    if (s.retry && s.state === 'rolling back')
      out.push({
        text: `      ↻ undo on ${s.device} failed, attempt ${s.retry.attempt} in ${formatMs(s.retry.delayMs)}: ${s.retry.error}`,
        color: 'warn',
      });
    else if (s.retry && s.state === 'rolled back')
      out.push({ text: `      undone on attempt ${s.retry.attempt}`, color: 'muted' });
    if (s.already) out.push({ text: `      ${s.already}`, color: 'muted' });
    if (s.error) out.push({ text: `      ${s.error}`, color: 'error' });
  });
  for (const note of run.notes)
    out.push({
      text: `Note at +${formatMs(note.at - run.startedAt)}${run.endedAt !== null && note.at > run.endedAt ? ' (after the end)' : ''}: ${note.text}`,
      color: 'accent',
    });
  if (run.after) out.push({ text: `Registry: ${run.after}`, bold: true });
  return out;
}

/** What the resume dialog says about a plan a console left mid-apply. */
export function resumeLines(stored: StoredPlan, done: readonly string[]): Line[] {
  const { plan } = stored;
  const next = plan.steps.find((s) => !done.includes(s.id));
  return [
    { text: 'A console stopped while applying this plan:', bold: true, color: 'warn' },
    { text: '' },
    { text: `  plan ${plan.id} by ${plan.operator} (${plan.kind} ${plan.workload}), ${stored.status}` },
    { text: `  ${plan.summary}` },
    {
      text: `  steps done: ${done.join(', ') || 'none'} (${done.length} of ${plan.steps.length})${next ? `; ${next.id} on ${next.device} may have run in part` : ''}`,
    },
    { text: '' },
    { text: `  r  resume: undo what ${next?.id ?? 'the next step'} may have done, then run the rest` },
    {
      text: `  b  roll back: undo the ${done.length} finished step(s)${next ? ` and ${next.id}` : ''}, in reverse`,
    },
    { text: '  l  later: leave it interrupted (offered again at the next start)' },
  ];
}
