import { describe, expect, it } from 'vitest';
import { planMigrate, renderPreview, type MigrateIntent } from '../../src/workflows/plan/index.ts';
import { manualMove } from '../../src/workflows/plan/manual-move.ts';
import { acme, from, hypervisor, meta, ROUTERS, workload } from '../workflows/plan/fixtures.ts';

// Issue 18: a migrate with no compute hook says where the engineer moves the VM, in the preview
// that `routedeck plan`/`apply` print and the console's plan screen shows.
const intent = (over: Partial<MigrateIntent> = {}): MigrateIntent => ({
  tenant: acme,
  workload: workload({ state: 'active' }),
  source: hypervisor('hv1'),
  target: hypervisor('hv2'),
  routers: ROUTERS,
  live: from('hv1'),
  ...over,
});

describe('a migrate without a compute hook', () => {
  it('make-before-break: move the VM between the preferred announce (3) and the withdraw (4)', () => {
    const plan = planMigrate(intent({ computeHook: { type: 'none' } }), meta);
    const text = renderPreview(plan).split('\n');
    expect(text).toContain('compute: none configured — move the VM yourself between steps 3 and 4');
    const at = text.findIndex((l) => l.startsWith('  ⏸ move'));
    expect(
      text[
        at -
          1 -
          text
            .slice(0, at)
            .reverse()
            .findIndex((l) => /^ {2}\d+\. /.test(l))
      ],
    ).toMatch(/^ {2}3\. \[hv2\] target-announce-preferred/);
    expect(text.slice(at + 1).find((l) => /^ {2}\d+\. /.test(l))).toMatch(/^ {2}4\. \[hv1\] source-withdraw/);
  });

  it('break-before-make: between staging (2) and the withdraw (3); absent when a hook is configured', () => {
    expect(manualMove(planMigrate(intent({ breakBeforeMake: true }), meta))?.after).toBe(2);
    const hooked = planMigrate(
      intent({ computeHook: { type: 'command', template: 'virsh migrate {workload}' } }),
      meta,
    );
    expect(manualMove(hooked)).toBeNull();
    expect(renderPreview(hooked)).not.toContain('compute: none configured');
  });
});
