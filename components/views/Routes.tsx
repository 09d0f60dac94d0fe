import { useEffect, useMemo } from 'react';
import type { Route } from '../../src/model/route.ts';
import type { RouteTable } from '../../src/model/route-table.ts';
import { lookupAddress } from '../filter.ts';
import { advanceUptime } from '../format.ts';
import { useNow } from '../hooks/useNow.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import type { Column, RowSource } from '../shared/columns.ts';
import { useDeviceAge } from '../hooks/useDeviceAge.ts';
import { ageLabel } from './age.ts';
import { dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const nexthops = (route: Route) => route.nexthops.map((hop) => hop.ip ?? '-').join(',');
const interfaces = (route: Route) => route.nexthops.map((hop) => hop.interface ?? '-').join(',');

const COLUMNS: Column<Route>[] = [
  { header: 'PREFIX', value: (r) => r.prefix, min: 18, max: 43 },
  // FRR's markers: `>` selected, `*` installed in the kernel.
  { header: 'S', value: (r) => `${r.selected ? '>' : ' '}${r.installed ? '*' : ' '}`, min: 2 },
  { header: 'PROTO', value: (r) => r.protocol, min: 5 },
  { header: 'NEXT HOP', value: nexthops, min: 8, squeeze: 1, detail: true },
  { header: 'INTERFACE', value: interfaces, min: 6, squeeze: 2, detail: true },
  { header: 'AGE', value: (r) => r.uptime ?? '-', align: 'right', min: 8 },
];

/** A VRF's rows as a virtual source: indexes into the compact table, a Route built only when drawn. */
function vrfRows(table: RouteTable, vrf: string): RowSource<Route> {
  const indexes = table.indexesOf(vrf);
  return { length: indexes.length, at: (i) => (i < indexes.length ? table.at(indexes[i]!) : undefined) };
}

const EMPTY: RowSource<Route> = { length: 0, at: () => undefined };

/** One device's table in one VRF. An address in the filter is a longest-prefix lookup, not a regex. */
export function RouteTableView(props: ViewProps) {
  const { device = '', vrf = 'default' } = props.frame.args;
  const table = useAppStore((s) => s.devices[device]?.snapshot?.routes ?? null);
  const source = useMemo(() => (table ? vrfRows(table, vrf) : EMPTY), [table, vrf]);
  const address = lookupAddress(props.frame.filter);
  const filtered = useTableModel(source, COLUMNS, address ? '' : props.frame.filter);
  const match = useMemo(
    () => (address && table ? (table.lookup(address, vrf) ?? null) : null),
    [address, table, vrf],
  );
  // The longest-prefix index is built on first lookup (~260 ms for 1M routes): build it as soon as the
  // table is on screen, so the first address typed into the filter does not pay for it.
  useEffect(() => {
    if (!table) return;
    const timer = setTimeout(() => {
      table.lookup('0.0.0.0', vrf);
      table.lookup('::', vrf);
    }, 30);
    return () => clearTimeout(timer);
  }, [table, vrf]);
  // One device's table: every row is as old as its last poll; a stale table is dimmed and says so.
  const age = useDeviceAge()(device);
  // AGE: FRR's uptime as of when the table was read, advanced to now (a held table is re-read only
  // when BGP's versions move, see route-check.ts; its rows stayed as they were meanwhile).
  const now = useNow();
  const columns = useMemo(() => {
    const aged = COLUMNS.map((column) =>
      column.header !== 'AGE'
        ? column
        : {
            ...column,
            value: (r: Route) => {
              const readAt = table?.readAtOf?.(r.vrf, r.family, r.prefix);
              return advanceUptime(r.uptime, readAt === undefined ? 0 : now - readAt);
            },
          },
    );
    return dimStale(aged, () => age, []);
  }, [age, now, table]);
  const model: ViewModel<Route> = {
    ...filtered,
    columns,
    rowColor: (r) => (r.selected ? undefined : 'warn'),
    empty: table ? `no routes in VRF ${vrf} on ${device}` : `no route table from ${device} yet`,
    note:
      table && age.stale
        ? `${device}: ${ageLabel(age)} (${age.reason ?? 'old'}) — its last table, not live`
        : null,
  };
  if (address) {
    model.rows = match ? [match] : [];
    model.note = match
      ? `longest match for ${address} in ${vrf}: ${match.prefix} via ${nexthops(match)} ${interfaces(match)}`
      : `no route for ${address} in ${vrf}`;
  }
  return <TableView model={model} {...props} />;
}

interface VrfRow {
  device: string;
  vrf: string;
  table: number | null;
  v4: number;
  v6: number;
}

const VRF_COLUMNS: Column<VrfRow>[] = [
  { header: 'VRF', value: (r) => r.vrf, min: 6 },
  { header: 'TABLE', value: (r) => (r.table === null ? '-' : String(r.table)), align: 'right', min: 5 },
  { header: 'IPV4', value: (r) => String(r.v4), align: 'right', min: 4 },
  { header: 'IPV6', value: (r) => String(r.v6), align: 'right', min: 4 },
];

/** Step two of device → VRF → table. */
export function RouteVrfsView(props: ViewProps) {
  const { device = '' } = props.frame.args;
  const snapshot = useAppStore((s) => s.devices[device]?.snapshot ?? null);
  const source = useMemo(() => {
    if (!snapshot) return [];
    const names = new Set([...snapshot.routes.vrfs(), ...snapshot.vrfs.map((v) => v.name)]);
    return [...names].sort().map((vrf) => ({
      device,
      vrf,
      table: snapshot.vrfs.find((v) => v.name === vrf)?.table ?? null,
      v4: snapshot.routes.indexesOf(vrf, 4).length,
      v6: snapshot.routes.indexesOf(vrf, 6).length,
    }));
  }, [snapshot, device]);
  const model: ViewModel<VrfRow> = {
    ...useTableModel(source, VRF_COLUMNS, props.frame.filter),
    columns: VRF_COLUMNS,
    device: (r) => r.device,
    open: (r, action) =>
      action === 'drill' ? { view: 'route-table', args: { device: r.device, vrf: r.vrf } } : null,
    empty: `no route tables from ${device} yet`,
  };
  return <TableView model={model} {...props} />;
}

interface DeviceTableRow {
  device: string;
  role: string;
  vrfs: number;
  routes: number;
}

const DEVICE_COLUMNS: Column<DeviceTableRow>[] = [
  { header: 'DEVICE', value: (r) => r.device, min: 6 },
  { header: 'ROLE', value: (r) => r.role, min: 4 },
  { header: 'VRFS', value: (r) => String(r.vrfs), align: 'right', min: 4 },
  { header: 'ROUTES', value: (r) => String(r.routes), align: 'right', min: 6 },
];

/** Step one: which device's tables. */
export function RoutesView(props: ViewProps) {
  const { devices, order } = useAppStore((s) => ({ devices: s.devices, order: s.deviceOrder }));
  const source = useMemo(
    () =>
      order.flatMap((name) => {
        const entry = devices[name];
        if (!entry?.snapshot) return [];
        const { routes } = entry.snapshot;
        return [{ device: name, role: entry.spec.role, vrfs: routes.vrfs().length, routes: routes.size }];
      }),
    [devices, order],
  );
  const model: ViewModel<DeviceTableRow> = {
    ...useTableModel(source, DEVICE_COLUMNS, props.frame.filter),
    columns: DEVICE_COLUMNS,
    device: (r) => r.device,
    open: (r, action) => (action === 'drill' ? { view: 'route-vrfs', args: { device: r.device } } : null),
    empty: 'no route tables polled yet',
  };
  return <TableView model={model} {...props} />;
}
