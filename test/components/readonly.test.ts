import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_KEYS, type KeyTable } from '../../components/keys.ts';
import { KEY, renderConsole, type Screen } from './harness.ts';
import { labStore, NOW } from './fixtures.ts';

/** The default table has no dangerous action yet; the workload wizards will add keys like this one. */
const KEYS: KeyTable = [
  ...DEFAULT_KEYS,
  {
    id: 'workload.migrate',
    keys: ['m'],
    label: 'migrate',
    description: 'migrate the workload to another host',
    views: ['workloads'],
    dangerous: true,
    footer: true,
  },
];

let screen: Screen | null = null;
afterEach(async () => {
  await screen?.close();
  screen = null;
});

async function workloads(readOnly: boolean): Promise<Screen> {
  screen = renderConsole({ store: labStore(), now: () => NOW, keys: KEYS, readOnly });
  await screen.waitForText('spine1');
  await screen.type(':', 'workloads', KEY.enter);
  await screen.waitForText('198.51.100.10/32');
  return screen;
}

describe('read-only console', () => {
  it('a normal console shows the dangerous key in footer and help', async () => {
    const s = await workloads(false);
    expect(s.lines()[22]).toContain('<m> migrate');
    await s.type('?');
    await s.waitForText('migrate the workload to another host');
  });

  it('read-only hides the dangerous key from footer and help and refuses it when typed', async () => {
    const s = await workloads(true);
    expect(s.lines()[0]).toContain('[read-only]');
    expect(s.text()).not.toContain('migrate');
    await s.type('m');
    await s.waitForText('read-only console: migrate refused');
    await s.type('?');
    await s.waitForText('KEYS (workloads, read-only)');
    expect(s.text()).not.toContain('migrate the workload');
  });
});
