/**
 * Issue 13 item 6, the general rule: a plan records what it was made against (the registry's
 * record, who announced its prefixes) and apply refuses, naming then and now, when either moved.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan, WorkloadRecord } from '../../../src/model/plan.ts';
import { openRegistry, type Registry } from '../../../src/registry/index.ts';
import type { LiveView } from '../../../src/workflows/plan/build.ts';
import { WorkflowError } from '../../../src/workflows/service/errors.ts';
import { checkPreconditions, workloadPreconditions } from '../../../src/workflows/service/preconditions.ts';

const web: WorkloadRecord = {
  name: 'web',
  tenant: 'acme',
  vrf: 'acme',
  host: 'hv3',
  tap: 'tap-web',
  ipv4: '10.0.0.5',
  ipv6Prefix: '2001:db8:a:5::/64',
  extraAllowed: [],
  state: 'active',
};
const live = (hosts: Record<string, string[]>): LiveView => ({
  announcedBy: (prefix) => hosts[prefix] ?? [],
});
const plan = { id: 'p1', kind: 'migrate', workload: 'web' } as Plan;
const REPLAN = 'routedeck plan migrate web --to hv2';

let reg: Registry;
beforeEach(() => {
  reg = openRegistry({ path: ':memory:' });
  reg.upsertTenant({ name: 'acme', vrf: 'acme', pools4: ['10.0.0.0/24'], pools6: ['2001:db8:a::/48'] });
  reg.putWorkload(web);
});
afterEach(() => reg.close());

const atPlanning = live({ '10.0.0.5/32': ['hv3'], '2001:db8:a:5::/64': ['hv3'] });

describe('plan preconditions', () => {
  it('records the workload’s host and state and who announced its prefixes', () => {
    expect(workloadPreconditions(web, atPlanning)).toEqual([
      { kind: 'workload', workload: 'web', host: 'hv3', state: 'active' },
      { kind: 'announced', prefix: '10.0.0.5/32', vrf: 'acme', hosts: ['hv3'] },
      { kind: 'announced', prefix: '2001:db8:a:5::/64', vrf: 'acme', hosts: ['hv3'] },
    ]);
  });

  it('hold when nothing moved', () => {
    const pre = workloadPreconditions(web, atPlanning);
    expect(() => checkPreconditions(plan, pre, reg, atPlanning, REPLAN)).not.toThrow();
  });

  it('the registry moved the workload: refused, naming both hosts and the command to plan again', () => {
    const pre = workloadPreconditions(web, atPlanning);
    reg.putWorkload({ ...web, host: 'hv1' });
    expect(() => checkPreconditions(plan, pre, reg, atPlanning, REPLAN)).toThrow(
      new WorkflowError(
        'plan p1 was planned against hv3, but web is now on hv1: plan again (routedeck plan migrate web --to hv2); nothing was sent',
      ),
    );
  });

  it('the fabric moved it behind the registry’s back: refused with what the routers see now', () => {
    const pre = workloadPreconditions(web, atPlanning);
    const now = live({ '10.0.0.5/32': ['hv1'], '2001:db8:a:5::/64': ['hv3'] });
    expect(() => checkPreconditions(plan, pre, reg, now, REPLAN)).toThrow(
      'plan p1 was planned while 10.0.0.5/32 was announced by hv3, but the fabric now shows it announced by hv1: ' +
        'plan again (routedeck plan migrate web --to hv2); nothing was sent',
    );
    const gone = live({});
    expect(() => checkPreconditions(plan, pre, reg, gone, REPLAN)).toThrow(/announced by nobody/);
  });

  it('a workload retired or removed since is refused too', () => {
    const pre = workloadPreconditions(web, atPlanning);
    reg.setWorkloadState('web', 'retired');
    expect(() => checkPreconditions(plan, pre, reg, atPlanning, REPLAN)).toThrow(
      /planned while web was active, but it is now retired: plan again/,
    );
  });
});
