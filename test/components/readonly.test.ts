import { afterEach, describe, expect, it } from 'vitest';
import type { ConsoleWorkflows } from '../../components/workflows/controller.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

/** A workflow service that records every call: a read-only console must never make one. */
function spyWorkflows(calls: string[]): ConsoleWorkflows {
  return new Proxy({} as ConsoleWorkflows, {
    get(_target, name) {
      calls.push(String(name));
      return () => {
        throw new Error(`read-only console called workflows.${String(name)}`);
      };
    },
  });
}

async function workloads(readOnly: boolean, calls: string[]): Promise<Screen> {
  screen = renderConsole({ store: labStore(), now: () => NOW, readOnly, workflows: spyWorkflows(calls) });
  await screen.waitForText('spine1');
  await screen.type(':', 'workloads', KEY.enter);
  await screen.waitForText('198.51.100.10 ');
  return screen;
}

describe('read-only console', () => {
  it('a normal console shows the workload keys in footer and help', async () => {
    const s = await workloads(false, []);
    expect(s.lines()[22]).toContain('<c> create <m> migrate <d> decommission');
    await s.type('?');
    await s.waitForText('migrate the selected workload to another host');
    expect(s.text()).toContain('create a workload');
    expect(s.text()).toContain('decommission the selected workload');
  });

  it('read-only hides c/m/d from footer and help, refuses them, and never touches the service', async () => {
    const calls: string[] = [];
    const s = await workloads(true, calls);
    expect(s.lines()[0]).toContain('[read-only]');
    expect(s.text()).not.toMatch(/create|migrate|decommission/);
    for (const [key, label] of [
      ['c', 'create'],
      ['m', 'migrate'],
      ['d', 'decommission'],
    ] as const) {
      await s.type(key);
      await s.waitForText(`read-only console: ${label} refused`);
    }
    await s.type(':', 'plan', KEY.enter);
    await s.waitForText('no apply has run in this console');
    await s.type('?');
    await s.waitForText('KEYS (workloads, read-only)');
    expect(s.text()).not.toMatch(/create a workload|migrate the|decommission the|timeline/);
    expect(calls).toEqual([]);
  });
});
