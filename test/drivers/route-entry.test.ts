import { describe, expect, it } from 'vitest';
import { FrrRouteEntriesSchema, isFrrRouteEntries } from '../../src/drivers/frr/route-entry.ts';
import { fixtureFiles, readFixture } from './fixtures.ts';

/** Every per-prefix entry array in the single-document route captures. */
function capturedEntryArrays(): unknown[][] {
  const out: unknown[][] = [];
  for (const file of fixtureFiles(/(^|-)show-ipv?6?-route-.*json.*\.json$/)) {
    if (file.includes('two-vrfs')) continue; // several documents; the same entries as hv1's anyway
    for (const entries of Object.values(JSON.parse(readFixture(file)) as Record<string, unknown[]>))
      out.push(entries);
  }
  return out;
}

const WRONG: unknown[] = [null, 1, 'x', true, [], {}];

describe('the fast route-entry check and the zod schema agree', () => {
  const arrays = capturedEntryArrays();

  it('on every captured entry array', () => {
    expect(arrays.length).toBeGreaterThan(50);
    for (const entries of arrays) {
      expect(isFrrRouteEntries(entries)).toBe(true);
      expect(FrrRouteEntriesSchema.safeParse(entries).success).toBe(true);
    }
  });

  it('on every field of a captured entry and next hop replaced by a wrong type', () => {
    const [entry] = arrays.find((a) => (a[0] as { nexthops?: unknown[] }).nexthops?.length) as Record<
      string,
      unknown
    >[];
    const nexthop = (entry!.nexthops as Record<string, unknown>[])[0]!;
    const variants: unknown[] = [
      [],
      [null],
      [1],
      {},
      'x',
      [{ ...entry, nexthops: 'x' }],
      [{ ...entry, nexthops: [1] }],
    ];
    for (const key of [...Object.keys(entry!), 'selected', 'prefixLen', 'vrfName']) {
      for (const v of WRONG) variants.push([{ ...entry, [key]: v }]);
    }
    for (const key of [...Object.keys(nexthop), 'onLink', 'recursive', 'resolver', 'ip']) {
      for (const v of WRONG) variants.push([{ ...entry, nexthops: [{ ...nexthop, [key]: v }] }]);
    }
    for (const v of variants) {
      expect(isFrrRouteEntries(v), JSON.stringify(v).slice(0, 200)).toBe(
        FrrRouteEntriesSchema.safeParse(v).success,
      );
    }
  });
});
