/**
 * The shared-service NAT scenario of routed-host-model.md §6 in its own namespaces: tenants A and B
 * (both clients at 10.0.0.5/24 behind their edges), a provider edge and the service at 10.0.0.53
 * (itself in an overlapping 10.0.0.0/24). The lab only wires links and routes towards the transit
 * range; the NAT is what a shared-service plan installs. The namespace names are global: hold
 * acquireNetnsLock() while it is up.
 */
import type { CommandRunner } from '../../transport/types.ts';
import { BIN, ipBatch, run, tryRun, tryRunInNamespace } from './exec.ts';
import { NS_PREFIX } from './topology.ts';

export const SS_NAMESPACES = {
  clientA: `${NS_PREFIX}ss-ca`,
  edgeA: `${NS_PREFIX}ss-ea`,
  clientB: `${NS_PREFIX}ss-cb`,
  edgeB: `${NS_PREFIX}ss-eb`,
  provider: `${NS_PREFIX}ss-pv`,
  service: `${NS_PREFIX}ss-sv`,
} as const;

export const SS_ADDR = {
  client: '10.0.0.5',
  tenantGateway: '10.0.0.1',
  local: '10.0.255.53',
  service: '10.0.0.53',
  /** Transit links: edge A 192.0.2.1 ↔ provider 192.0.2.2, edge B 192.0.2.5 ↔ provider 192.0.2.6. */
  viaA: '192.0.2.1',
  viaB: '192.0.2.5',
  transit: '100.64.0.0/10',
} as const;

/** Counts packets per source address reaching the service (a dynamic set with per-element counters). */
export const SERVICE_COUNTER_TABLE = 'rd_ss_seen';

const all = Object.values(SS_NAMESPACES);

export async function sharedServiceLabDown(): Promise<void> {
  for (const ns of all) await tryRun([BIN.ip, 'netns', 'del', ns]);
}

/** Builds the scenario from nothing (anything left from an earlier run is removed first). */
export async function sharedServiceLabUp(): Promise<void> {
  await sharedServiceLabDown();
  for (const ns of all) await run([BIN.ip, 'netns', 'add', ns]);
  const n = SS_NAMESPACES;
  const veth = (a: string, aIf: string, b: string, bIf: string) =>
    `link add ${aIf} netns ${a} type veth peer name ${bIf} netns ${b}`;
  await ipBatch([
    veth(n.clientA, 'eth0', n.edgeA, 'ten0'),
    veth(n.clientB, 'eth0', n.edgeB, 'ten0'),
    veth(n.edgeA, 'lake0', n.provider, 'lake-a'),
    veth(n.edgeB, 'lake0', n.provider, 'lake-b'),
    veth(n.provider, 'svc0', n.service, 'eth0'),
  ]);
  const inside = async (ns: string, lines: string[]) => ipBatch(['link set lo up', ...lines], ns);
  for (const [client, edge, via, peer] of [
    [n.clientA, n.edgeA, SS_ADDR.viaA, '192.0.2.2'],
    [n.clientB, n.edgeB, SS_ADDR.viaB, '192.0.2.6'],
  ] as const) {
    await inside(client, [
      `addr add ${SS_ADDR.client}/24 dev eth0`,
      'link set eth0 up',
      `route add default via ${SS_ADDR.tenantGateway}`,
    ]);
    await inside(edge, [
      `addr add ${SS_ADDR.tenantGateway}/24 dev ten0`,
      'link set ten0 up',
      `addr add ${via}/30 dev lake0`,
      'link set lake0 up',
      // The transit range is reached through the provider (in a fabric: BGP; here: one static route).
      `route add ${SS_ADDR.transit} via ${peer}`,
    ]);
  }
  await inside(n.provider, [
    'addr add 192.0.2.2/30 dev lake-a',
    'link set lake-a up',
    'addr add 192.0.2.6/30 dev lake-b',
    'link set lake-b up',
    'addr add 10.0.0.1/24 dev svc0',
    'link set svc0 up',
  ]);
  await inside(n.service, [
    `addr add ${SS_ADDR.service}/24 dev eth0`,
    'link set eth0 up',
    'route add default via 10.0.0.1',
  ]);
  for (const ns of [n.edgeA, n.edgeB, n.provider])
    await run([BIN.ip, 'netns', 'exec', ns, BIN.sysctl, '-qw', 'net.ipv4.ip_forward=1']);
  await run([BIN.ip, 'netns', 'exec', n.service, BIN.nft, '-f', '-'], {
    input:
      `table ip ${SERVICE_COUNTER_TABLE} {\n` +
      '  set seen { type ipv4_addr; flags dynamic; counter; }\n' +
      '  chain in { type filter hook input priority filter; policy accept;\n' +
      '    icmp type echo-request add @seen { ip saddr }\n  }\n}\n',
  });
}

/** Packets the service received per source address (echo requests). */
export async function serviceSeen(): Promise<Record<string, number>> {
  const out = await run([
    BIN.ip,
    'netns',
    'exec',
    SS_NAMESPACES.service,
    BIN.nft,
    '-j',
    'list',
    'set',
    'ip',
    SERVICE_COUNTER_TABLE,
    'seen',
  ]);
  const parsed = JSON.parse(out) as { nftables: { set?: { elem?: unknown[] } }[] };
  const seen: Record<string, number> = {};
  for (const item of parsed.nftables) {
    for (const e of item.set?.elem ?? []) {
      const elem = (e as { elem?: { val: string; counter?: { packets: number } } }).elem;
      if (elem) seen[elem.val] = elem.counter?.packets ?? 0;
    }
  }
  return seen;
}

/**
 * A CommandRunner for one edge namespace: each command line goes to `sh -c` inside it, exactly as
 * an SSH exec channel hands it to the login shell.
 */
export function namespaceRunner(ns: string): CommandRunner {
  return {
    exec: async (command, options) => {
      const r = await tryRunInNamespace(ns, ['/bin/sh', '-c', command], {
        timeoutMs: options?.timeoutMs ?? 15_000,
      });
      return { stdout: r.stdout, stderr: r.stderr, code: r.code };
    },
    execStream: async (command, onStdout, options) => {
      const r = await tryRunInNamespace(ns, ['/bin/sh', '-c', command], {
        timeoutMs: options?.timeoutMs ?? 15_000,
      });
      onStdout(Buffer.from(r.stdout));
      return { code: r.code, stderr: r.stderr };
    },
  };
}
