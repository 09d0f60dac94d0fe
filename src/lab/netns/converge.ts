import { sleep } from './exec.ts';
import { vtysh } from './frr.ts';
import { bgpInterfaces, DEVICES, WORKLOADS } from './topology.ts';

/** One BGP session as one device sees it. */
export interface SessionState {
  device: string;
  peer: string;
  state: string;
}

interface SummaryAf {
  peers?: Record<string, { state?: string }>;
}

/**
 * Each configured unnumbered neighbour's state from `show bgp summary json`. A session counts as
 * Established only when both address families say so; a neighbour FRR does not list yet (or a
 * device whose bgpd does not answer) is reported with the state "Unknown".
 */
export async function sessionStates(): Promise<SessionState[]> {
  const perDevice = await Promise.all(
    DEVICES.map(async (d) => {
      let summary: Record<string, SummaryAf> = {};
      try {
        summary = JSON.parse(await vtysh(d.name, 'show bgp summary json')) as Record<string, SummaryAf>;
      } catch {
        // bgpd not (yet) answering: every neighbour is unknown.
      }
      return bgpInterfaces(d.name).map((peer) => {
        const v4 = summary['ipv4Unicast']?.peers?.[peer]?.state ?? 'Unknown';
        const v6 = summary['ipv6Unicast']?.peers?.[peer]?.state ?? 'Unknown';
        return { device: d.name, peer, state: v4 === 'Established' && v6 !== 'Established' ? v6 : v4 };
      });
    }),
  );
  return perDevice.flat();
}

type RouteTable = Record<string, { selected?: boolean }[]>;

/** Workload prefixes a device has no selected route for (IPv4 /32s and IPv6 /64s). */
export async function missingWorkloadRoutes(device: string): Promise<string[]> {
  const [t4, t6] = await Promise.all(
    ['show ip route json', 'show ipv6 route json'].map(async (cmd) => {
      try {
        return JSON.parse(await vtysh(device, cmd)) as RouteTable;
      } catch {
        return {} as RouteTable;
      }
    }),
  );
  const missing: string[] = [];
  for (const w of WORKLOADS) {
    if (!t4?.[`${w.ipv4}/32`]?.some((r) => r.selected)) missing.push(`${w.ipv4}/32`);
    if (!t6?.[w.ipv6Prefix]?.some((r) => r.selected)) missing.push(w.ipv6Prefix);
  }
  return missing;
}

/**
 * Polls until every session is Established and every device (routers included) has a selected
 * route to every workload, or throws with what is still wrong after timeoutMs.
 */
export async function waitForConvergence(timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let problems: string[] = [];
  for (;;) {
    const sessions = await sessionStates();
    problems = sessions
      .filter((s) => s.state !== 'Established')
      .map((s) => `${s.device}/${s.peer}: ${s.state}`);
    if (problems.length === 0) {
      const missing = await Promise.all(
        DEVICES.map(async (d) => (await missingWorkloadRoutes(d.name)).map((p) => `${d.name} lacks ${p}`)),
      );
      problems = missing.flat();
      if (problems.length === 0) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`lab did not converge within ${timeoutMs / 1000} s:\n  ${problems.join('\n  ')}`);
    }
    await sleep(500);
  }
}
