import { useMemo } from 'react';
import { BGP_COUNTERS_MAX_MS } from '../../src/model/snapshot.ts';
import type { Freshness } from '../../src/state/freshness.ts';
import { formatDuration, shortAfi } from '../format.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import { useNow } from '../hooks/useNow.ts';
import type { Column } from '../shared/columns.ts';
import { ageColumn, deviceAge, dimStale } from './stale.ts';
import type { BgpSession } from '../../src/model/bgp.ts';
import { bgpRows, rowFacts, type RowFacts } from './bgp-rows.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const num = (n: number | null) => (n === null ? '-' : String(n));

type SessionRow = BgpSession;

const columnsOf = (facts: RowFacts): Column<SessionRow>[] => [
  { header: 'DEVICE', value: (s) => s.device, min: 6 },
  { header: 'VRF', value: (s) => s.vrf, min: 3, squeeze: 2 },
  { header: 'AFI', value: (s) => shortAfi(s.afiSafi), min: 4 },
  {
    header: 'PEER',
    value: (s) => (s.hostname ? `${s.peer} (${s.hostname})` : s.peer),
    min: 8,
    squeeze: 1,
    detail: true,
  },
  { header: 'AS', value: (s) => s.remoteAs, align: 'right', min: 5 },
  // The column read first: never squeezed below `Established`.
  { header: 'STATE', value: (s) => s.state, color: (s) => (s.established ? 'ok' : 'error'), min: 11 },
  { header: 'UP/DN', value: (s) => formatDuration(facts.uptimeMs(s)), align: 'right', min: 5, squeeze: 3 },
  { header: 'RCV', value: (s) => num(s.prefixesReceived), align: 'right', min: 3 },
  { header: 'SNT', value: (s) => num(s.prefixesSent), align: 'right', min: 3 },
  { header: 'FLAPS', value: (s) => String(facts.flaps(s)), align: 'right', min: 3 },
];

const rowColor = (s: SessionRow) => (s.established ? undefined : 'error');

/** COLUMNS with each row's age after STATE, stale rows dimmed (a stale session is never green). */
function agedColumns(
  columns: Column<SessionRow>[],
  age: (device: string) => Freshness,
): Column<SessionRow>[] {
  const of = (s: SessionRow) => age(s.device);
  const state = columns.findIndex((column) => column.header === 'STATE') + 1;
  return dimStale(
    [...columns.slice(0, state), ageColumn(of), ...columns.slice(state)],
    of,
    ['POLL'],
    rowColor,
  );
}

export function BgpView(props: ViewProps) {
  const { device } = props.frame.args;
  const { devices, order, flaps } = useAppStore((s) => ({
    devices: s.devices,
    order: s.deviceOrder,
    flaps: s.sessionFlaps,
  }));
  const source = useMemo(() => bgpRows(devices, order, device), [devices, order, device]);
  const base = useMemo(() => columnsOf(rowFacts(devices, flaps)), [devices, flaps]);
  const now = useNow();
  const age = useMemo(() => deviceAge(devices, now), [devices, now]);
  const columns = useMemo(() => agedColumns(base, age), [base, age]);
  const table = useTableModel(source, base, props.frame.filter);
  const countersNote = useMemo(() => {
    // Sessions confirmed by this poll but whose prefix counters predate a route change (bgp-probe.ts).
    const older: string[] = [];
    let oldest = now;
    for (const name of order) {
      if (device && name !== device) continue;
      const at = devices[name]?.snapshot?.bgpCountersAt;
      if (at === undefined) continue;
      older.push(name);
      oldest = Math.min(oldest, at);
    }
    if (older.length === 0) return null;
    const names =
      older.length > 3 ? `${older.slice(0, 3).join(', ')} +${older.length - 3}` : older.join(', ');
    return `RCV/SNT on ${names} as of ${Math.max(0, Math.round((now - oldest) / 1000))} s ago: routes changed since (re-read once routes are quiet, within ${BGP_COUNTERS_MAX_MS / 60_000} min)`;
  }, [devices, order, device, now]);
  const model: ViewModel<SessionRow> = {
    ...table,
    note: countersNote,
    columns,
    rowColor,
    device: (s) => s.device,
    open: (s, action) =>
      action === 'drill' ? { view: 'route-table', args: { device: s.device, vrf: s.vrf } } : null,
    empty: device ? `no BGP sessions on ${device} (yet)` : 'no BGP sessions (yet)',
  };
  return <TableView model={model} {...props} />;
}
