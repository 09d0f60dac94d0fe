import { useMemo } from 'react';
import type { DeviceSnapshot } from '../../src/model/snapshot.ts';
import type { DeviceEntry } from '../../src/state/store.ts';
import { freshness } from '../../src/state/freshness.ts';
import { ageLabel } from './age.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { useNow } from '../hooks/useNow.ts';
import type { Column } from '../shared/columns.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const HEALTH_COLOR = { ok: 'ok', degraded: 'warn', unreachable: 'error', unknown: 'muted' } as const;

// How the VyOS API's certificate is trusted, when not by the system's CAs: `pin` is the per-device
// opt-out of chain checks (exactly one certificate accepted, transport/vyos-api/tls-trust.ts), said here.
const API_TRUST = { system: '', ca: ' ca', pin: ' pin' } as const;

// The means first, the address last: a narrow terminal cuts the address, never the trust.
// `+mon`: its route monitor is open, so a route change is read when it happens (poller.ts), not up to
// a poll interval later; without it the device is read at its interval.
function transport(entry: DeviceEntry): string {
  const means = entry.spec.api ? `ssh+api${API_TRUST[entry.spec.api.tls.mode]}` : 'ssh';
  return `${means}${entry.changeFeed ? '+mon' : ''} ${entry.spec.host}:${entry.spec.port}`;
}

/**
 * `established/total` per snapshot, counted once: a router at 1,000 hosts holds ~40,000 sessions, and
 * counting them at every drawing (each key, each poll published) held Devices' keys at 54 ms p50.
 */
const sessionCounts = new WeakMap<DeviceSnapshot, string>();
function sessionCount(snapshot: DeviceSnapshot): string {
  let text = sessionCounts.get(snapshot);
  if (text === undefined) {
    let up = 0;
    for (const s of snapshot.bgp) if (s.established) up++;
    text = `${up}/${snapshot.bgp.length}`;
    sessionCounts.set(snapshot, text);
  }
  return text;
}

function columns(now: number): Column<DeviceEntry>[] {
  return [
    { header: 'NAME', value: (e) => e.spec.name, min: 6 },
    { header: 'ROLE', value: (e) => e.spec.role, min: 4 },
    { header: 'KIND', value: (e) => e.spec.kind + (e.spec.simulated ? ' (sim)' : ''), min: 5 },
    // Gives way before ERROR (the reason a device is down must stay readable), down to the address.
    { header: 'TRANSPORT', value: transport, min: 16, squeeze: 0 },
    {
      header: 'STATUS',
      value: (e) => (e.polling && e.health === 'unknown' ? 'polling' : e.health),
      color: (e) => HEALTH_COLOR[e.health],
      min: 7,
    },
    {
      // `stale 20s` when the last poll failed or is late: the BGP count next to it is then old news.
      header: 'POLL',
      value: (e) => (e.lastSuccessAt === null ? '-' : ageLabel(freshness(e, now))),
      color: (e) => (e.lastSuccessAt !== null && freshness(e, now).stale ? 'warn' : undefined),
      align: 'right',
      min: 4,
    },
    {
      header: 'BGP',
      value: (e) => (e.snapshot ? sessionCount(e.snapshot) : '-'),
      color: (e) => (freshness(e, now).stale ? 'muted' : undefined),
      align: 'right',
      min: 3,
    },
    {
      header: 'ERROR',
      value: (e) => e.lastError ?? '',
      color: () => 'error',
      min: 5,
      squeeze: 1,
      max: 200,
      detail: true,
    },
  ];
}

export function DevicesView(props: ViewProps) {
  const { devices, order } = useAppStore((s) => ({ devices: s.devices, order: s.deviceOrder }));
  const now = useNow();
  const source = useMemo(() => order.map((name) => devices[name]!).filter(Boolean), [devices, order]);
  // Ages move every second, but the filter text only needs the columns' shape: reuse the column set.
  const cols = useMemo(() => columns(now), [now]);
  const filterCols = useMemo(() => columns(0), []);
  const table = useTableModel(source, filterCols, props.frame.filter);
  const model: ViewModel<DeviceEntry> = {
    ...table,
    columns: cols,
    device: (entry) => entry.spec.name,
    open: (entry, action) =>
      action === 'drill'
        ? { view: 'bgp', args: { device: entry.spec.name } }
        : action === 'routes-of'
          ? { view: 'route-vrfs', args: { device: entry.spec.name } }
          : null,
    empty: 'no devices in the inventory',
  };
  return <TableView model={model} {...props} />;
}
