import { describe, expect, it } from 'vitest';
import {
  actionLines,
  planCreate,
  PlanFileError,
  planFromJson,
  planMigrate,
  planToJson,
  renderPreview,
} from '../../../src/workflows/plan/index.ts';
import { COMMAND_PREFIX } from '../../../src/workflows/plan/preview.ts';
import { acme, from, hypervisor, meta, nobody, ROUTERS, workload } from './fixtures.ts';

const created = planCreate(
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
const migrated = planMigrate(
  {
    tenant: acme,
    workload: workload({ state: 'active' }),
    source: hypervisor('hv1'),
    target: hypervisor('hv2'),
    routers: ROUTERS,
    live: from('hv1'),
    computeHook: {
      type: 'command',
      template: 'virsh migrate --live {workload} qemu+ssh://{targetAddress}/system',
    },
  },
  meta,
);

describe('renderPreview', () => {
  it.each([
    ['create', created],
    ['migrate', migrated],
  ])(
    '%s: every command line shown is a command the executor will send, in order, and nothing else',
    (_, plan) => {
      const preview = renderPreview(plan);
      const shown = preview
        .split('\n')
        .filter((line) => line.startsWith(COMMAND_PREFIX))
        .map((line) => line.slice(COMMAND_PREFIX.length));
      const sent = plan.steps.flatMap((step) => actionLines(step.action));
      expect(sent.length).toBeGreaterThan(0);
      expect(shown).toEqual(sent);
      expect(sent).toEqual(plan.steps.flatMap((s) => (s.action.type === 'ssh' ? s.action.commands : [])));
    },
  );

  it('shows the per-device diff and the route changes', () => {
    const preview = renderPreview(migrated);
    expect(preview).toContain('--- hv1 (before)');
    expect(preview).toContain('- route 203.0.113.10/32 dev tap-web1 metric 0');
    expect(preview).toContain('+ route 203.0.113.10/32 dev tap-web1 metric 0');
    expect(preview).toMatch(/spine1\s+default\s+203\.0\.113\.10\/32\s+moves hv1 → hv2/);
  });
});

describe('plan file', () => {
  it('round-trips through JSON', () => {
    expect(planFromJson(planToJson(migrated))).toEqual(migrated);
    expect(planFromJson(planToJson(created))).toEqual(created);
  });

  it('refuses a tampered plan: a command changed after planning', () => {
    const doc = JSON.parse(planToJson(created)) as { plan: { steps: { action: { commands: string[] } }[] } };
    const step = doc.plan.steps[0];
    if (step) step.action.commands[0] = 'sudo -n reboot';
    expect(() => planFromJson(JSON.stringify(doc))).toThrow(PlanFileError);
    expect(() => planFromJson(JSON.stringify(doc))).toThrow(/modified after it was planned/);
  });

  it('refuses malformed files with a clear error', () => {
    expect(() => planFromJson('{"format": "routedeck-plan"')).toThrow(/not valid JSON/);
    expect(() => planFromJson('{"hello": 1}')).toThrow(/not a routedeck plan file/);
    const doc = JSON.parse(planToJson(created)) as { plan: { steps: { action: { commands: string[] } }[] } };
    const step = doc.plan.steps[0];
    if (step) step.action.commands[0] = 'ip link set x up\nreboot';
    expect(() => planFromJson(JSON.stringify(doc))).toThrow(/single line/);
    const noSteps = JSON.parse(planToJson(created)) as { plan: { steps: unknown[] } };
    noSteps.plan.steps = [];
    expect(() => planFromJson(JSON.stringify(noSteps))).toThrow(/malformed/);
  });

  it('a plan spanning tenants (guard repair) has no tenant and round-trips; a workload plan must name one', () => {
    const repair = { ...created, kind: 'guard-repair' as const, tenant: '' };
    expect(planFromJson(planToJson(repair))).toEqual(repair);
    expect(() => planFromJson(planToJson({ ...created, tenant: '' }))).toThrow(
      /malformed[\s\S]*a workload plan names its tenant/,
    );
  });

  it('carries the preconditions the plan was made against', () => {
    const withPre = {
      ...migrated,
      preconditions: [
        { kind: 'workload' as const, workload: 'web1', host: 'hv1', state: 'active' as const },
        { kind: 'announced' as const, prefix: '198.51.100.10/32', vrf: 'default', hosts: ['hv1'] },
      ],
    };
    expect(planFromJson(planToJson(withPre))).toEqual(withPre);
  });
});
