/**
 * The store selectors' equality (components/hooks/useAppStore.ts): what decides whether a view draws
 * again. Equal members → the last value stands (no re-render, no render loop for a selector building a
 * new array); a changed member, key or length → drawn again.
 */
import { describe, expect, it } from 'vitest';
import { shallowEqual } from '../../components/hooks/useAppStore.ts';

describe('shallowEqual', () => {
  const dev = { name: 'hv1' };
  it('arrays and plain objects with the same members are equal', () => {
    expect(shallowEqual([dev, 1, 'a'], [dev, 1, 'a'])).toBe(true);
    expect(shallowEqual({ devices: dev, n: NaN }, { n: NaN, devices: dev })).toBe(true);
    expect(
      shallowEqual(
        Object.assign(Object.create(null), { a: 1 }),
        Object.assign(Object.create(null), { a: 1 }),
      ),
    ).toBe(true);
    expect(shallowEqual('x', 'x')).toBe(true);
  });
  it('a member changed, added or gone is not', () => {
    expect(shallowEqual([dev], [{ name: 'hv1' }])).toBe(false);
    expect(shallowEqual([dev], [dev, dev])).toBe(false);
    expect(shallowEqual({ a: dev }, { a: dev, b: undefined })).toBe(false);
    expect(shallowEqual({ a: dev, b: undefined }, { a: dev, c: undefined })).toBe(false);
    expect(shallowEqual({ a: 1 }, [1])).toBe(false);
    expect(shallowEqual([1], { 0: 1 })).toBe(false);
    expect(shallowEqual(null, {})).toBe(false);
    expect(shallowEqual(0, -0)).toBe(false);
  });
  it('other objects (Maps, dates, class instances) only when they are the same object', () => {
    const m = new Map([['a', 1]]);
    expect(shallowEqual(m, m)).toBe(true);
    expect(shallowEqual(m, new Map(m))).toBe(false);
    expect(shallowEqual(new Date(5), new Date(5))).toBe(false);
  });
});
