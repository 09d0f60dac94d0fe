import { uptimeAsOfPoll, type BgpSession } from '../model/bgp.ts';
import type { Route } from '../model/route.ts';
import type { AppState, DeviceEntry } from '../state/store.ts';
import { sessionKey } from '../state/store.ts';
import type { WorkloadEntry } from '../state/workload-index.ts';
import { formatDuration, shortAfi } from '../../components/format.ts';
import { safeText } from '../model/text.ts';
import { ageLabel } from '../../components/views/age.ts';
import { announcerText } from '../../components/views/announcer.ts';
import { freshness, workloadFreshness, type Freshness } from '../state/freshness.ts';
import { renderTable, type Column, type RenderOptions } from './common/table.ts';

export interface GetFilters {
  devices: string[];
  vrf: string | null;
  prefix: string | null;
}

export interface ViewOutput {
  json: unknown;
  text: string;
  /** Rows listed, and what they are (`BGP sessions`): an empty answer is said, not left as a bare header. */
  rows?: number;
  noun?: string;
}

/** The registry's name for a workload prefix (`get workloads`' NAME column); undefined when it has none. */
export type WorkloadNames = (vrf: string, prefix: string) => string | undefined;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Every device-derived row carries its age: `polledAt` (ISO), `stale` and why (null when current). */
function ageFields(f: Freshness) {
  return { polledAt: iso(f.polledAt), stale: f.stale, staleReason: f.reason };
}

type Aged = { age: Freshness };
/** A stale row is dimmed; a current one keeps the column's own colour. */
const dimIfStale =
  <T extends Aged>(color?: Column<T>['color']) =>
  (row: T) =>
    row.age.stale ? 'dim' : (color?.(row) ?? null);
/** Dims every column of a stale row but those in `keep` (problems stay red: they are what to read). */
function dimmed<T extends Aged>(columns: Column<T>[], keep: string[] = []): Column<T>[] {
  return columns.map((column) =>
    keep.includes(column.header) ? column : { ...column, color: dimIfStale(column.color) },
  );
}
function ageColumn<T extends Aged>(): Column<T> {
  return { header: 'POLLED', value: (row) => ageLabel(row.age), align: 'right', color: dimIfStale() };
}

function selected(state: AppState, filters: GetFilters): DeviceEntry[] {
  return state.deviceOrder
    .filter((name) => filters.devices.length === 0 || filters.devices.includes(name))
    .map((name) => state.devices[name]!);
}

export function deviceErrors(entries: DeviceEntry[]): { device: string; health: string; error: string }[] {
  return entries
    .filter((entry) => entry.health !== 'ok')
    .map((entry) => ({
      device: entry.spec.name,
      health: entry.health,
      error: entry.lastError ?? 'not polled',
    }));
}

/** `! hv1 degraded: …` under a table: the error is the device's own text, so it is escaped too. */
function errorLines(entries: DeviceEntry[]): string {
  return deviceErrors(entries)
    .map((problem) => `! ${safeText(`${problem.device} ${problem.health}: ${problem.error}`)}\n`)
    .join('');
}

export function devicesView(
  state: AppState,
  filters: GetFilters,
  render: RenderOptions,
  now = Date.now(),
): ViewOutput {
  const entries = selected(state, filters);
  const aged = entries.map((entry) => ({ entry, age: freshness(entry, now) }));
  const rows = aged.map(({ entry, age }) => ({
    name: entry.spec.name,
    role: entry.spec.role,
    kind: entry.spec.kind,
    host: entry.spec.host,
    port: entry.spec.port,
    simulated: entry.spec.simulated ?? false,
    health: entry.health,
    lastSuccessAt: iso(entry.lastSuccessAt),
    error: entry.lastError,
    bgpSessions: entry.snapshot?.bgp.length ?? null,
    bgpEstablished: entry.snapshot?.bgp.filter((session) => session.established).length ?? null,
    routes: entry.snapshot?.routes.size ?? null,
    workloadRoutes: entry.snapshot?.workloadRoutes.length ?? null,
    ...ageFields(age),
  }));
  type Row = (typeof rows)[number] & Aged;
  const table: Row[] = rows.map((row, i) => ({ ...row, age: aged[i]!.age }));
  const columns: Column<Row>[] = [
    { header: 'DEVICE', value: (row) => row.name },
    { header: 'ROLE', value: (row) => row.role },
    { header: 'KIND', value: (row) => row.kind + (row.simulated ? ' (sim)' : '') },
    { header: 'HOST', value: (row) => `${row.host}:${row.port}` },
    {
      header: 'STATUS',
      value: (row) => row.health,
      color: (row) => (row.health === 'ok' ? 'green' : row.health === 'degraded' ? 'yellow' : 'red'),
    },
    ageColumn<Row>(),
    {
      header: 'BGP',
      value: (row) => (row.bgpSessions === null ? '-' : `${row.bgpEstablished}/${row.bgpSessions}`),
      align: 'right',
      color: dimIfStale(),
    },
    {
      header: 'ROUTES',
      value: (row) => (row.routes === null ? '-' : String(row.routes)),
      align: 'right',
      color: dimIfStale(),
    },
    { header: 'ERROR', value: (row) => row.error ?? '', hideWhenEmpty: true },
  ];
  return { json: { source: state.source, devices: rows }, text: renderTable(table, columns, render) };
}

export function bgpView(
  state: AppState,
  filters: GetFilters,
  render: RenderOptions,
  now = Date.now(),
): ViewOutput {
  const entries = selected(state, filters);
  const sessions: (BgpSession & { flaps: number } & Aged)[] = entries
    .flatMap((entry) => {
      const age = freshness(entry, now);
      const snapshot = entry.snapshot;
      return (snapshot?.bgp ?? []).map((held) => ({
        session: { ...held, uptimeMs: uptimeAsOfPoll(held, snapshot!) },
        age,
      }));
    })
    .filter(({ session }) => !filters.vrf || session.vrf === filters.vrf)
    // A one-shot read has no history of its own: its flaps are the device's count of drops (FRR's
    // connectionsDropped since bgpd started), at least what this process saw drop between its polls.
    .map(({ session, age }) => ({
      ...session,
      flaps: Math.max(
        session.connectionsDropped,
        state.sessionFlaps[sessionKey(session.device, session.vrf, session.afiSafi, session.peer)] ?? 0,
      ),
      age,
    }))
    // Sessions that are not Established come first: they are what the engineer is looking for.
    .sort((a, b) => Number(a.established) - Number(b.established));
  const columns = dimmed<(typeof sessions)[number]>([
    { header: 'DEVICE', value: (s) => s.device },
    { header: 'VRF', value: (s) => s.vrf },
    { header: 'AFI', value: (s) => shortAfi(s.afiSafi) },
    { header: 'PEER', value: (s) => (s.hostname ? `${s.peer} (${s.hostname})` : s.peer) },
    { header: 'AS', value: (s) => s.remoteAs, align: 'right' },
    // A stale session's state is its last known one: dimmed, never shown as current.
    { header: 'STATE', value: (s) => s.state, color: (s) => (s.established ? null : 'red') },
    ageColumn(),
    { header: 'UP/DN', value: (s) => formatDuration(s.uptimeMs), align: 'right' },
    {
      header: 'RCV',
      value: (s) => (s.prefixesReceived === null ? '-' : String(s.prefixesReceived)),
      align: 'right',
    },
    {
      header: 'SNT',
      value: (s) => (s.prefixesSent === null ? '-' : String(s.prefixesSent)),
      align: 'right',
    },
    { header: 'FLAPS', value: (s) => String(s.flaps), align: 'right' },
  ]);
  const json = sessions.map(({ age, ...session }) => ({ ...session, ...ageFields(age) }));
  return {
    json: { source: state.source, sessions: json, errors: deviceErrors(entries) },
    text: renderTable(sessions, columns, render) + errorLines(entries),
    rows: sessions.length,
    noun: 'BGP sessions',
  };
}

export function routesView(
  state: AppState,
  filters: GetFilters,
  render: RenderOptions,
  now = Date.now(),
): ViewOutput {
  const entries = selected(state, filters);
  const rows: (Route & { device: string } & Aged)[] = [];
  for (const entry of entries) {
    const table = entry.snapshot?.routes;
    if (!table) continue;
    const age = freshness(entry, now);
    if (filters.prefix) {
      const address = filters.prefix.split('/')[0]!;
      const vrfs = filters.vrf ? [filters.vrf] : table.vrfs();
      for (const vrf of vrfs) {
        const route = table.lookup(address, vrf);
        if (route) rows.push({ device: entry.spec.name, ...route, age });
      }
      continue;
    }
    for (const route of table)
      if (!filters.vrf || route.vrf === filters.vrf) rows.push({ device: entry.spec.name, ...route, age });
  }
  const nexthops = (route: Route) =>
    route.nexthops.map((hop) => [hop.ip, hop.interface].filter(Boolean).join(' dev ') || '-').join(', ');
  const columns = dimmed<(typeof rows)[number]>([
    { header: 'DEVICE', value: (r) => r.device },
    { header: 'VRF', value: (r) => r.vrf },
    { header: 'PREFIX', value: (r) => r.prefix },
    { header: 'PROTO', value: (r) => r.protocol },
    { header: 'SEL', value: (r) => (r.selected ? '*' : '') },
    { header: 'NEXT HOP', value: nexthops },
    { header: 'METRIC', value: (r) => (r.metric === null ? '-' : String(r.metric)), align: 'right' },
    { header: 'AGE', value: (r) => r.uptime ?? '-' },
    ageColumn(),
  ]);
  const json = rows.map(({ age, ...route }) => ({ ...route, ...ageFields(age) }));
  return {
    json: { source: state.source, routes: json, errors: deviceErrors(entries) },
    text: renderTable(rows, columns, render) + errorLines(entries),
    rows: rows.length,
    noun: filters.prefix ? `routes covering ${filters.prefix.split('/')[0]}` : 'routes',
  };
}

export function workloadsView(
  state: AppState,
  filters: GetFilters,
  render: RenderOptions,
  now = Date.now(),
  names: WorkloadNames = () => undefined,
): ViewOutput {
  const entries = selected(state, filters);
  const matches = (entry: WorkloadEntry) => {
    if (filters.vrf && entry.vrf !== filters.vrf) return false;
    if (
      filters.devices.length > 0 &&
      !entry.announcers.some((a) => filters.devices.includes(a.host)) &&
      !entry.seenBy.some((v) => filters.devices.includes(v.router))
    )
      return false;
    if (filters.prefix)
      return entry.prefix === filters.prefix || entry.prefix.split('/')[0] === filters.prefix;
    return true;
  };
  const workloads = state.workloads.filter(matches).map((w) => ({
    ...w,
    name: names(w.vrf, w.prefix) ?? null,
    age: workloadFreshness(w, state.devices, now),
  }));
  const columns = dimmed<(typeof workloads)[number]>(
    [
      { header: 'NAME', value: (w) => w.name ?? '-' },
      { header: 'TENANT', value: (w) => w.tenant ?? '?' },
      { header: 'VRF', value: (w) => w.vrf },
      { header: 'PREFIX', value: (w) => w.prefix },
      { header: 'HOST', value: (w) => w.announcers.map(announcerText).join(', ') },
      {
        header: 'SEEN BY',
        value: (w) =>
          w.seenBy
            .map((v) => `${v.router}${v.nexthops[0]?.viaHost ? `→${v.nexthops[0].viaHost}` : ''}`)
            .join(', ') || '-',
      },
      ageColumn(),
      {
        header: 'PROBLEMS',
        hideWhenEmpty: true,
        value: (w) => w.conflicts.join('; '),
        color: (w) => (w.conflicts.length > 0 ? 'red' : null),
      },
    ],
    ['PROBLEMS'],
  );
  const json = workloads.map(({ age, ...w }) => ({ ...w, ...ageFields(age) }));
  return {
    json: { source: state.source, workloads: json, errors: deviceErrors(entries) },
    text: renderTable(workloads, columns, render) + errorLines(entries),
    rows: workloads.length,
    noun: 'workload prefixes',
  };
}
