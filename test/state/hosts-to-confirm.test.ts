import { describe, expect, it } from 'vitest';
import { hostsToConfirm, MAX_HOSTS_TO_CONFIRM } from '../../src/state/hosts-to-confirm.ts';
import type { WorkloadEntry } from '../../src/state/workload-entry.ts';

const entry = (
  prefix: string,
  announcedBy: string[],
  routedVia: string[],
  selected = true,
): WorkloadEntry => ({
  vrf: 'default',
  prefix,
  family: 4,
  tenant: 'acme',
  announcers: announcedBy.map((host) => ({
    host,
    interface: 'tap1',
    metric: 0,
    source: 'host',
    hostProblem: null,
  })),
  seenBy: routedVia.map((host, i) => ({
    router: `spine${i + 1}`,
    protocol: 'bgp',
    selected,
    nexthops: [{ interface: `eth-${host}`, viaHost: host }],
  })),
  conflicts: [],
});
const hosts = new Set(['hv1', 'hv2', 'hv3', ...Array.from({ length: 40 }, (_, i) => `h${i}`)]);
const known = (h: string) => hosts.has(h);

describe('hosts to poll now for a workload the routers route elsewhere', () => {
  it('a changed entry routed via a host that does not announce it: that host and its announcers', () => {
    const before = [
      entry('198.51.100.10/32', ['hv1'], ['hv1', 'hv1']),
      entry('198.51.100.11/32', ['hv2'], ['hv2']),
    ];
    const after = [entry('198.51.100.10/32', ['hv1'], ['hv3', 'hv1']), before[1]!];
    expect(hostsToConfirm(before, after, known).sort()).toEqual(['hv1', 'hv3']);
  });

  it('nothing for entries that did not change, agree, are not selected, or name hosts not in the inventory', () => {
    const same = [entry('198.51.100.10/32', ['hv1'], ['hv3'])];
    expect(hostsToConfirm(same, same.slice(), known)).toEqual([]); // the same objects: not looked at
    const before = [entry('198.51.100.10/32', ['hv1'], ['hv1'])];
    expect(hostsToConfirm(before, [entry('198.51.100.10/32', ['hv1', 'hv3'], ['hv3'])], known)).toEqual([]);
    expect(hostsToConfirm(before, [entry('198.51.100.10/32', ['hv1'], ['hv3'], false)], known)).toEqual([]);
    expect(hostsToConfirm(before, [entry('198.51.100.10/32', ['hv1'], ['rogue'])], known)).toEqual([]);
  });

  it('a build that added or removed entries, or moved more than a few hosts at once: none (the regular polls will)', () => {
    const before = [entry('198.51.100.10/32', ['hv1'], ['hv1'])];
    expect(hostsToConfirm(before, [...before, entry('198.51.100.12/32', ['hv2'], ['hv3'])], known)).toEqual(
      [],
    );
    const many = Array.from({ length: 20 }, (_, i) => entry(`10.0.0.${i}/32`, [`h${2 * i}`], [`h${2 * i}`]));
    const moved = many.map((e, i) => entry(e.prefix, [`h${2 * i}`], [`h${2 * i + 1}`]));
    expect(2 * 20).toBeGreaterThan(MAX_HOSTS_TO_CONFIRM);
    expect(hostsToConfirm(many, moved, known)).toEqual([]);
  });
});
