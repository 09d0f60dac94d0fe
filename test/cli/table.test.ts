import { describe, expect, it } from 'vitest';
import { renderTable, type Column } from '../../src/cli/common/table.ts';

interface Row {
  peer: string;
  state: string;
  note: string;
}

const columns: Column<Row>[] = [
  { header: 'PEER', value: (r) => r.peer },
  { header: 'STATE', value: (r) => r.state, color: (r) => (r.state === 'Established' ? null : 'red') },
  { header: 'NOTE', value: (r) => r.note, hideWhenEmpty: true },
];

describe('CLI tables', () => {
  it('aligns columns and leaves out a column nobody has a value for', () => {
    const text = renderTable(
      [
        { peer: 'dn-hv1', state: 'Established', note: '' },
        { peer: 'dn-hv10', state: 'Active', note: '' },
      ],
      columns,
    );
    expect(text).toBe('PEER     STATE\ndn-hv1   Established\ndn-hv10  Active\n');
  });

  it('clips to the terminal width instead of wrapping', () => {
    const rows = [{ peer: 'dn-hv1', state: 'Idle', note: 'x'.repeat(200) }];
    const lines = renderTable(rows, columns, { width: 30 }).trimEnd().split('\n');
    expect(lines.every((line) => line.length <= 30)).toBe(true);
    expect(lines[1]).toMatch(/^dn-hv1 {2}Idle {3}x+…$/);
  });

  it('colours only when asked, and never colours a clipped-away cell', () => {
    const rows = [{ peer: 'dn-hv1', state: 'Active', note: '' }];
    expect(renderTable(rows, columns)).not.toContain('\x1b[');
    expect(renderTable(rows, columns, { color: true })).toContain('\x1b[31mActive\x1b[0m');
  });
});

describe('get views', () => {
  it('leave out the PROBLEMS column on a healthy fabric and show it when something is wrong', async () => {
    const { createAppStore } = await import('../../src/state/store.ts');
    const { workloadsView } = await import('../../src/cli/get-views.ts');
    const { snapshot } = await import('../helpers/snapshots.ts');
    const hv = {
      name: 'hv1',
      role: 'hypervisor' as const,
      kind: 'frr-linux' as const,
      host: 'h',
      port: 22,
      user: 'u',
      auth: { type: 'agent' as const },
      vtysh: 'vtysh',
      privilege: '',
    };
    const store = createAppStore({
      source: { kind: 'inventory', label: 't' },
      devices: [hv],
      tenants: [{ name: 'acme', pools4: ['198.51.100.0/24'], pools6: [] }],
    });
    const route = (prefix: string) => ({
      host: 'hv1',
      vrf: 'default',
      family: 4 as const,
      prefix,
      interface: 'tap1',
      metric: 0,
      protocol: 'kernel',
    });
    store.getState().pollSucceeded('hv1', snapshot('hv1', { workloadRoutes: [route('198.51.100.10/32')] }));
    const filters = { devices: [], vrf: null, prefix: null };
    expect(workloadsView(store.getState(), filters, {}).text).not.toContain('PROBLEMS');
    store
      .getState()
      .pollSucceeded(
        'hv1',
        snapshot('hv1', { workloadRoutes: [route('198.51.100.10/32'), route('192.0.2.7/32')] }),
      );
    expect(workloadsView(store.getState(), filters, {}).text).toMatch(
      /PROBLEMS\n[\s\S]*192\.0\.2\.7\/32 .*not in any tenant pool/,
    );
  });
});
