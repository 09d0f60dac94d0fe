import { describe, expect, it } from 'vitest';
import {
  choiceField,
  fieldValue,
  formReducer,
  initialForm,
  submits,
  textField,
  type FormState,
} from '../../components/workflows/form.ts';
import { planLines, timelineLines, wrapLines } from '../../components/workflows/lines.ts';
import { initialTimeline, timelineReducer } from '../../components/workflows/timeline.ts';
import type { ExecEvent } from '../../src/workflows/execute/index.ts';
import { planCreate } from '../../src/workflows/plan/index.ts';
import { actionLines } from '../../src/workflows/plan/preview.ts';
import { acme, hypervisor, meta, nobody, ROUTERS, workload } from '../workflows/plan/fixtures.ts';

const plan = planCreate(
  {
    tenant: acme,
    workload: workload(),
    host: hypervisor('hv1'),
    routers: ROUTERS,
    live: nobody,
    mac: '52:54:00:12:34:56',
  },
  meta,
);
const T0 = 1_000_000;

function keys(state: FormState, ...names: string[]): FormState {
  return names.reduce((s, name) => formReducer(s, { type: 'key', name }), state);
}

describe('wizard form', () => {
  const form = () =>
    initialForm([
      textField('name', 'name'),
      choiceField('host', 'host', [{ value: 'hv1' }, { value: 'hv2' }, { value: 'hv10' }]),
    ]);

  it('types into the name, moves on, filters the choices by what is typed and picks with ←/→', () => {
    let s = keys(form(), 'w', 'e', 'b', 'backspace', 'b', '1', 'tab');
    expect(s.fields[0]!.text).toBe('web1');
    expect(fieldValue(s.fields[1]!)).toBe('hv1');
    s = keys(s, 'right', 'right');
    expect(fieldValue(s.fields[1]!)).toBe('hv10');
    s = keys(s, 'h', 'v', '1');
    expect(fieldValue(s.fields[1]!)).toBe('hv1');
    s = keys(s, 'left');
    expect(fieldValue(s.fields[1]!)).toBe('hv10');
    expect(submits(s, 'enter')).toBe(true);
    expect(submits(keys(s, 'up'), 'enter')).toBe(false);
  });

  it('what matches no choice is kept as typed, so the service can say why it is wrong', () => {
    const s = keys(form(), 'tab', 'h', 'v', '9');
    expect(fieldValue(s.fields[1]!)).toBe('hv9');
  });

  it('an error stays until the next edit', () => {
    const s = formReducer(form(), { type: 'error', message: 'already exists' });
    expect(s.error).toBe('already exists');
    expect(keys(s, 'x').error).toBeNull();
  });
});

describe('plan preview lines', () => {
  it('shows every command exactly as the executor sends it, diff lines coloured by sign', () => {
    const lines = planLines(plan);
    const text = lines.map((l) => l.text);
    for (const step of plan.steps)
      for (const command of actionLines(step.action)) expect(text).toContain(`    $ ${command}`);
    expect(lines.filter((l) => l.text.startsWith('+ ')).every((l) => l.color === 'ok')).toBe(true);
    expect(lines.some((l) => l.text.startsWith('+ route 203.0.113.10/32'))).toBe(true);
  });

  it('wraps long lines at spaces within the width and loses no character', () => {
    const long = { text: `    $ ${'word '.repeat(40).trim()}` };
    const wrapped = wrapLines([long], 40);
    expect(wrapped.every((l) => l.text.length <= 40)).toBe(true);
    expect(wrapped.map((l) => l.text.trim()).join(' ')).toBe(long.text.trim());
  });
});

describe('timeline', () => {
  const events: ExecEvent[] = [
    { type: 'start', planId: plan.id, at: T0 },
    { type: 'step-start', step: 'tap', device: 'hv1', at: T0 },
    { type: 'command', step: 'tap', device: 'hv1', command: 'ip tuntap add', code: 0, at: T0 + 2 },
    { type: 'step-done', step: 'tap', outcome: 'ok', at: T0 + 5 },
    { type: 'step-start', step: 'guard', device: 'hv1', at: T0 + 6 },
    { type: 'step-done', step: 'guard', outcome: 'ok', at: T0 + 8 },
    { type: 'step-start', step: 'announce', device: 'hv1', at: T0 + 10 },
    ...ROUTERS.flatMap((router, i): ExecEvent[] => [
      {
        type: 'verify-progress',
        step: 'announce',
        router,
        prefix: '203.0.113.10/32',
        vrf: 'default',
        satisfied: true,
        at: T0 + 100 + i,
      },
      {
        type: 'verify-progress',
        step: 'announce',
        router,
        prefix: '2001:db8:10:20::/64',
        vrf: 'default',
        satisfied: true,
        at: T0 + 120 + i * 10,
      },
      // A later poll that still sees it does not move the time it switched.
      {
        type: 'verify-progress',
        step: 'announce',
        router,
        prefix: '203.0.113.10/32',
        vrf: 'default',
        satisfied: true,
        at: T0 + 300,
      },
    ]),
    { type: 'step-done', step: 'announce', outcome: 'ok', at: T0 + 140 },
    { type: 'done', status: 'applied', at: T0 + 141 },
  ];

  it('folds the events into steps with durations and one convergence time per router', () => {
    const run = events.reduce(timelineReducer, initialTimeline(plan, 'apply', T0 - 50));
    expect(run.status).toBe('applied');
    expect(run.steps.map((s) => [s.id, s.state, (s.endedAt ?? 0) - (s.startedAt ?? 0)])).toEqual([
      ['tap', 'ok', 5],
      ['guard', 'ok', 2],
      ['announce', 'ok', 130],
    ]);
    expect(run.convergence.map((c) => [c.router, c.host, (c.at ?? 0) - T0])).toEqual([
      ['spine1', 'hv1', 120],
      ['spine2', 'hv1', 130],
    ]);
    const text = timelineLines(run, T0 + 500, false).map((l) => l.text);
    expect(text).toContain('  spine1 → hv1 at +120 ms');
    expect(text).toContain('  spine2 → hv1 at +130 ms');
    expect(text.find((t) => t.includes('1. tap'))).toMatch(/✓ +1\. tap +hv1 ok +5 ms +1 cmd exit 0/);
  });

  it('a failed step and its rollbacks read as such; a failing command shows with its code', () => {
    const failing: ExecEvent[] = [
      { type: 'start', planId: plan.id, at: T0 },
      { type: 'step-start', step: 'tap', device: 'hv1', at: T0 },
      { type: 'step-done', step: 'tap', outcome: 'ok', at: T0 + 3 },
      { type: 'step-start', step: 'guard', device: 'hv1', at: T0 + 4 },
      { type: 'command', step: 'guard', device: 'hv1', command: 'nft add element', code: 1, at: T0 + 5 },
      { type: 'step-done', step: 'guard', outcome: 'failed', error: 'exit 1: no such table', at: T0 + 6 },
      { type: 'rollback-start', step: 'tap', device: 'hv1', at: T0 + 7 },
      { type: 'rollback-done', step: 'tap', outcome: 'ok', at: T0 + 9 },
      { type: 'done', status: 'rolled-back', at: T0 + 10 },
    ];
    const run = failing.reduce(timelineReducer, initialTimeline(plan, 'apply', T0));
    expect(run.steps.map((s) => s.state)).toEqual(['rolled back', 'failed', 'pending']);
    const text = timelineLines(run, T0 + 20, false).map((l) => l.text);
    expect(text).toContain('Status: ROLLED BACK in 10 ms');
    expect(text).toContain('      $ nft add element  → 1');
    expect(text).toContain('      exit 1: no such table');
  });

  it('one clock: a screen clock behind the events never shows a negative time or a switch after "now"', () => {
    // Mid-apply: announce running, spine1 switched at +120 ms; the screen's clock last ticked at +20 ms.
    const midway = events.slice(0, 9).reduce(timelineReducer, initialTimeline(plan, 'apply', T0));
    const text = timelineLines(midway, T0 + 20, false).map((l) => l.text);
    expect(text.join('\n')).not.toMatch(/[ +]-\d+ ?ms/);
    expect(text).toContain('  spine1 → hv1 at +120 ms');
    const running = /^Status: running (\d+) ms$/.exec(text.find((t) => t.startsWith('Status:')) ?? '');
    expect(Number(running?.[1])).toBeGreaterThanOrEqual(120);
  });
});
