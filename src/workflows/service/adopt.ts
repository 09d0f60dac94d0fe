import { AllocationConflictError, type Registry } from '../../registry/index.ts';
import type { AppState } from '../../state/store.ts';
import type { WorkloadRecord } from '../../model/plan.ts';

const NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Workloads the fabric routes but the registry does not know: one TAP on one hypervisor with
 * exactly one /32 and one /64 of a tenant, announced by that host alone. Anything less clear (two
 * announcers, several prefixes on one TAP, no tenant) is left for an engineer, never guessed.
 */
export function adoptLiveWorkloads(
  state: AppState,
  registry: Registry,
  operator: string,
  now: () => number,
): string[] {
  const byTap = new Map<
    string,
    { host: string; tap: string; vrf: string; tenant: string; prefixes: string[] }
  >();
  const unclear = new Set<string>();
  for (const entry of state.workloads) {
    if (entry.announcers.length !== 1 || entry.tenant === null) continue;
    const a = entry.announcers[0]!;
    // Known only from the routers (host unreachable): no TAP to adopt.
    if (a.interface === null) continue;
    const key = `${a.host}|${a.interface}|${entry.vrf}`;
    const group = byTap.get(key) ?? {
      host: a.host,
      tap: a.interface,
      vrf: entry.vrf,
      tenant: entry.tenant,
      prefixes: [],
    };
    if (group.tenant !== entry.tenant) unclear.add(key);
    group.prefixes.push(entry.prefix);
    byTap.set(key, group);
  }
  const known = new Set(
    registry.workloads().flatMap((w) => [`${w.vrf}|${w.ipv4}/32`, `${w.vrf}|${w.ipv6Prefix}`]),
  );
  const adopted: string[] = [];
  for (const [key, g] of byTap) {
    if (unclear.has(key)) continue;
    const v4 = g.prefixes.filter((p) => !p.includes(':') && p.endsWith('/32'));
    const v6 = g.prefixes.filter((p) => p.includes(':') && p.endsWith('/64'));
    if (v4.length !== 1 || v6.length !== 1 || g.prefixes.length !== 2) continue;
    if (known.has(`${g.vrf}|${v4[0]}`) || known.has(`${g.vrf}|${v6[0]}`)) continue;
    const name = g.tap.replace(/^tap-?/, '');
    if (!NAME.test(name)) continue;
    const existing = registry.workload(name);
    if (existing && existing.state !== 'retired') continue;
    const record: WorkloadRecord = {
      name,
      tenant: g.tenant,
      vrf: g.vrf,
      host: g.host,
      tap: g.tap,
      ipv4: v4[0]!.replace(/\/32$/, ''),
      ipv6Prefix: v6[0]!,
      extraAllowed: [],
      state: 'active',
    };
    try {
      registry.transaction(() => {
        registry.putWorkload(record);
        registry.allocate(g.tenant, 4, record.ipv4, name);
        registry.allocate(g.tenant, 6, record.ipv6Prefix, name);
        registry.appendAudit({
          at: new Date(now()).toISOString(),
          operator,
          planId: `adopt-${name}`,
          kind: 'adopt',
          device: g.host,
          outcome: 'ok',
          message: `recorded ${name} from the live fabric: ${record.ipv4}/32 and ${record.ipv6Prefix} on ${g.host} ${g.tap} (tenant ${g.tenant})`,
        });
      });
      adopted.push(name);
    } catch (error) {
      // Someone else holds the address in the registry: a conflict to look at, not to overwrite.
      if (!(error instanceof AllocationConflictError)) throw error;
    }
  }
  return adopted;
}
