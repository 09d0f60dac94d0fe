import { describe, expect, it } from 'vitest';
import { complete, parseCommand, suggest, type CommandContext } from '../../components/command.ts';
import { compileFilter, lookupAddress } from '../../components/filter.ts';
import { currentFrame, initialNav, navReducer, type NavAction, type NavState } from '../../components/nav.ts';
import { fitColumns, type Column } from '../../components/shared/columns.ts';
import { clampTable, moveTable } from '../../components/shared/table-state.ts';

const ctx: CommandContext = {
  devices: ['spine1', 'spine2', 'hv1'],
  vrfsOf: (device) => (device === 'spine1' ? ['blue', 'default'] : ['default']),
  tenants: ['acme'],
};

describe('table state', () => {
  it('moves over a million rows without looking at them', () => {
    const rows = 1_000_000;
    let state = moveTable({ cursor: 0, offset: 0 }, 'bottom', rows, 18);
    expect(state).toEqual({ cursor: rows - 1, offset: rows - 18 });
    state = moveTable(state, 'page-up', rows, 18);
    expect(state.cursor).toBe(rows - 19);
    expect(moveTable(state, 'top', rows, 18)).toEqual({ cursor: 0, offset: 0 });
    expect(moveTable({ cursor: 0, offset: 0 }, 'up', rows, 18)).toEqual({ cursor: 0, offset: 0 });
  });

  it('keeps the cursor in range when rows disappear', () => {
    expect(clampTable({ cursor: 40, offset: 30 }, 5, 18)).toEqual({ cursor: 4, offset: 0 });
    expect(clampTable({ cursor: 0, offset: 0 }, 0, 18)).toEqual({ cursor: 0, offset: 0 });
  });
});

describe('command line', () => {
  it('parses the k9s-style commands', () => {
    expect(parseCommand('bgp', ctx)).toEqual({ kind: 'open', view: 'bgp', args: {} });
    expect(parseCommand('routes spine1 vrf blue', ctx)).toEqual({
      kind: 'open',
      view: 'route-table',
      args: { device: 'spine1', vrf: 'blue' },
    });
    expect(parseCommand('rt spine1 blue', ctx)).toMatchObject({ view: 'route-table' });
    expect(parseCommand('routes spine1', ctx)).toMatchObject({ view: 'route-vrfs' });
    expect(parseCommand('workloads acme', ctx)).toMatchObject({
      view: 'workloads',
      args: { tenant: 'acme' },
    });
    expect(parseCommand('q', ctx)).toEqual({ kind: 'quit' });
    expect(parseCommand('routes spine9', ctx)).toMatchObject({
      kind: 'error',
      message: 'unknown device spine9',
    });
    expect(parseCommand('routes spine2 vrf blue', ctx)).toMatchObject({ kind: 'error' });
  });

  it('completes verbs, devices, `vrf` and VRF names', () => {
    expect(complete('ro', ctx)).toBe('routes ');
    expect(complete('routes sp', ctx)).toBe('routes spine');
    expect(suggest('routes spine1 ', ctx)).toEqual(['vrf', 'blue', 'default']);
    expect(complete('routes spine1 vrf b', ctx)).toBe('routes spine1 vrf blue ');
    expect(complete('workloads a', ctx)).toBe('workloads acme ');
  });

  it('Tab takes the greyed suggestion when the common prefix adds nothing', () => {
    // `spine` is common to spine1 and spine2: the prompt greys `1`, and Tab takes it.
    expect(suggest('routes spine', ctx)[0]).toBe('spine1');
    expect(complete('routes spine', ctx)).toBe('routes spine1 ');
    expect(complete('', ctx)).toBe(`${suggest('', ctx)[0]} `);
  });
});

describe('filter', () => {
  it('is a case-insensitive regex, `!` inverts, a bad one is an error', () => {
    const match = compileFilter('SPINE');
    expect(match.kind === 'match' && match.test('spine1')).toBe(true);
    const invert = compileFilter('!spine');
    expect(invert.kind === 'match' && invert.test('spine1')).toBe(false);
    expect(compileFilter('(').kind).toBe('error');
    expect(compileFilter('!').kind).toBe('none');
  });

  it('recognises an address for longest-prefix lookup', () => {
    expect(lookupAddress('10.1.2.3')).toBe('10.1.2.3');
    expect(lookupAddress('2001:db8::1/128')).toBe('2001:db8::1');
    expect(lookupAddress('spine')).toBeNull();
  });
});

describe('navigation', () => {
  const run = (actions: NavAction[]): NavState => actions.reduce(navReducer, initialNav());

  it('Esc clears the filter first, then walks back the breadcrumb', () => {
    let state = run([
      { type: 'open', view: 'bgp', args: { device: 'spine1' } },
      { type: 'mode', mode: 'filter' },
      { type: 'input', text: 'Active' },
      { type: 'commit' },
    ]);
    expect(currentFrame(state)).toMatchObject({ view: 'bgp', filter: 'Active' });
    state = navReducer(state, { type: 'back' });
    expect(currentFrame(state)).toMatchObject({ view: 'bgp', filter: '' });
    state = navReducer(state, { type: 'back' });
    expect(currentFrame(state).view).toBe('devices');
    expect(navReducer(state, { type: 'back' })).toBe(state);
  });

  it('Esc in the filter line restores the filter in force before', () => {
    const state = run([
      { type: 'mode', mode: 'filter' },
      { type: 'input', text: 'spine' },
      { type: 'commit' },
      { type: 'mode', mode: 'filter' },
      { type: 'input', text: 'spine(' },
      { type: 'cancel' },
    ]);
    expect(currentFrame(state).filter).toBe('spine');
  });
});

describe('column fitting', () => {
  const cols: Column<string[]>[] = [
    { header: 'NAME', value: (r) => r[0]! },
    { header: 'ERROR', value: (r) => r[1]!, squeeze: 1, min: 5 },
  ];
  it('squeezes the error column first and never exceeds the width', () => {
    const widths = fitColumns(cols, [['spine1', 'x'.repeat(100)]], 40);
    expect(widths).toEqual([6, 33]);
    expect(fitColumns(cols, [['spine1', 'short']], 80)).toEqual([6, 5]);
  });
});
