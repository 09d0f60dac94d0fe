/**
 * When a router's kernel FIB actually switched (`ip -ts monitor route` in its namespace): the
 * data-plane moment of a migration, independent of how often a console polls the router.
 */
import { spawn } from 'node:child_process';
import { BIN } from './exec.ts';
import { FABRIC_LINKS, labNamespace } from './topology.ts';

export interface RouteEvent {
  /** Epoch ms. */
  at: number;
  deleted: boolean;
  /** With its length: `198.51.100.1/32`, `2001:db8:a::/64`. */
  prefix: string;
  dev: string | null;
}

// [2026-11-23T12:35:00.001698] Deleted 198.51.100.200 nhid 14 via inet6 fe80::1 dev dn-hv1 proto bgp metric 20
const LINE =
  /^\[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+)\] (Deleted )?(?:local |unicast )?([0-9a-f.:]+(?:\/\d+)?) (.*)$/i;

/** Parses `ip -ts monitor route` output produced with TZ=UTC (the timestamps carry no zone). */
export function parseRouteMonitor(output: string): RouteEvent[] {
  const events: RouteEvent[] = [];
  for (const line of output.split('\n')) {
    const m = LINE.exec(line.trim());
    if (!m) continue;
    const [, stamp = '', deleted, dst = '', rest = ''] = m;
    const [seconds = '', fraction = '0'] = stamp.split('.');
    const at = Date.parse(`${seconds}Z`) + Number(`0.${fraction}`) * 1000;
    const prefix = dst.includes('/') ? dst : `${dst}/${dst.includes(':') ? 128 : 32}`;
    events.push({ at, deleted: deleted !== undefined, prefix, dev: /\bdev (\S+)/.exec(rest)?.[1] ?? null });
  }
  return events;
}

/** The router's interface towards a hypervisor (`dn-hv2`). */
export function routerIfTowards(router: string, hypervisor: string): string {
  const link = FABRIC_LINKS.find((l) => l.router === router && l.hypervisor === hypervisor);
  if (!link) throw new Error(`no fabric link ${router}–${hypervisor}`);
  return link.routerIf;
}

/** First time after `since` that `router` installed `prefix` towards `hypervisor`, or null. */
export function firstInstalled(
  events: readonly RouteEvent[],
  router: string,
  prefix: string,
  hypervisor: string,
  since: number,
): number | null {
  const dev = routerIfTowards(router, hypervisor);
  return events.find((e) => !e.deleted && e.prefix === prefix && e.dev === dev && e.at >= since)?.at ?? null;
}

export interface RunningRouteMonitor {
  stop(): Promise<RouteEvent[]>;
}

/** Watches a device's kernel routes (both families) until stop(). */
export function startRouteMonitor(device: string): RunningRouteMonitor {
  const child = spawn(BIN.ip, ['-n', labNamespace(device), '-ts', 'monitor', 'route'], {
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, TZ: 'UTC' },
  });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  return {
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      return parseRouteMonitor(out);
    },
  };
}
