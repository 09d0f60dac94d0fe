import { describe, expect, it } from 'vitest';
import { DEFAULT_KEYS, keyNames, resolveKey, visibleBindings, type KeyTable } from '../../components/keys.ts';

const TABLE: KeyTable = [
  ...DEFAULT_KEYS,
  {
    id: 'wipe',
    keys: ['ctrl+d'],
    label: 'wipe',
    description: 'decommission',
    views: ['workloads'],
    dangerous: true,
  },
];

describe('key table', () => {
  it('every key resolves to one action per view (no two actions share a key where both apply)', () => {
    for (const view of [
      'devices',
      'bgp',
      'routes',
      'route-vrfs',
      'route-table',
      'vrfs',
      'workloads',
    ] as const) {
      const seen = new Map<string, string>();
      for (const binding of visibleBindings(TABLE, { view, readOnly: false, hasPoller: true }))
        for (const key of binding.keys) {
          expect(seen.get(key), `${key} in ${view}`).toBeUndefined();
          seen.set(key, binding.id);
        }
    }
  });

  it('a dangerous key is hidden and refused on a read-only console, and only in its views', () => {
    const ctx = { view: 'workloads' as const, readOnly: true, hasPoller: false };
    expect(visibleBindings(TABLE, ctx).map((b) => b.id)).not.toContain('wipe');
    expect(resolveKey(TABLE, 'ctrl+d', ctx)).toMatchObject({ binding: { id: 'wipe' }, refused: true });
    expect(resolveKey(TABLE, 'ctrl+d', { ...ctx, readOnly: false })).toMatchObject({ refused: false });
    expect(resolveKey(TABLE, 'ctrl+d', { ...ctx, view: 'bgp' })).toBeNull();
  });

  it('refresh needs a poller', () => {
    expect(resolveKey(TABLE, 'ctrl+r', { view: 'devices', readOnly: false, hasPoller: false })).toBeNull();
    expect(resolveKey(TABLE, 'ctrl+r', { view: 'devices', readOnly: false, hasPoller: true })).not.toBeNull();
  });
});

describe('keys in one chunk', () => {
  const plain = {} as Parameters<typeof keyNames>[1];
  it('a control key inside typed text (tmux send-keys, SSH) keeps its name', () => {
    expect(keyNames('\u0015web1\t\r', plain)).toEqual(['ctrl+u', 'w', 'e', 'b', '1', 'tab', 'enter']);
  });
});
