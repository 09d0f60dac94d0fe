import { useMemo } from 'react';
import { overlayRows, type OverlayRow } from '../../src/model/overlay.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import type { Column } from '../shared/columns.ts';
import { useDeviceAge } from '../hooks/useDeviceAge.ts';
import { ageColumn, dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const COLUMNS: Column<OverlayRow>[] = [
  { header: 'DEVICE', value: (r) => r.device, min: 6 },
  { header: 'TYPE', value: (r) => (r.type === 'wireguard' ? 'wg' : r.type), min: 4 },
  { header: 'NAME', value: (r) => r.name, min: 10, squeeze: 3 },
  { header: 'STATE', value: (r) => r.state, color: (r) => (r.problem ? 'error' : 'ok'), min: 6 },
  {
    header: 'PROBLEM',
    value: (r) => r.problem ?? '',
    color: () => 'error',
    min: 7,
    squeeze: 2,
    detail: true,
  },
  // Detail gives way first: what is broken, and where, must stay readable at 80 columns.
  { header: 'DETAIL', value: (r) => r.detail, min: 6, squeeze: 1, detail: true },
];

/**
 * WireGuard peers, EVPN VNIs and VRRP groups of every router, broken ones first and red: a peer
 * without a handshake for 3 minutes, a VNI with no remote VTEP, a VRRP group without exactly one
 * MASTER (judged across all routers, so `:overlay spine2` still knows spine1 is MASTER).
 */
export function OverlayView(props: ViewProps) {
  const { device } = props.frame.args;
  const { devices, order } = useAppStore((s) => ({ devices: s.devices, order: s.deviceOrder }));
  const source = useMemo(() => {
    const overlays = order.flatMap((name) => devices[name]?.snapshot?.overlay ?? []);
    // Ages are computed at each poll: the store changes then, and with it this memo.
    return overlayRows(overlays, Date.now()).filter((r) => !device || r.device === device);
  }, [devices, order, device]);
  const table = useTableModel(source, COLUMNS, props.frame.filter);
  const age = useDeviceAge();
  const columns = useMemo(() => {
    const of = (r: OverlayRow) => age(r.device);
    // Before DETAIL, the column that gives way first.
    return dimStale([...COLUMNS.slice(0, -1), ageColumn(of), ...COLUMNS.slice(-1)], of);
  }, [age]);
  const model: ViewModel<OverlayRow> = {
    ...table,
    columns,
    rowColor: (r) => (r.problem ? 'error' : undefined),
    device: (r) => r.device,
    empty: device ? `no overlay on ${device} (yet)` : 'no WireGuard, EVPN or VRRP on any router (yet)',
  };
  return <TableView model={model} {...props} />;
}
