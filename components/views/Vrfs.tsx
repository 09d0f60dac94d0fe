import { useMemo } from 'react';
import { useAppStore } from '../hooks/useAppStore.ts';
import type { Column } from '../shared/columns.ts';
import { useDeviceAge } from '../hooks/useDeviceAge.ts';
import { ageColumn, dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

interface VrfRow {
  device: string;
  vrf: string;
  table: number | null;
  vni: number | null;
  rd: string;
  rtImport: string;
  rtExport: string;
  routes: number;
}

const COLUMNS: Column<VrfRow>[] = [
  { header: 'DEVICE', value: (r) => r.device, min: 6 },
  { header: 'VRF', value: (r) => r.vrf, min: 5 },
  { header: 'TABLE', value: (r) => (r.table === null ? '-' : String(r.table)), align: 'right', min: 5 },
  { header: 'VNI', value: (r) => (r.vni === null ? '-' : String(r.vni)), align: 'right', min: 3 },
  { header: 'RD', value: (r) => r.rd, min: 4, squeeze: 2 },
  { header: 'RT IMPORT', value: (r) => r.rtImport, min: 4, squeeze: 1, detail: true },
  { header: 'RT EXPORT', value: (r) => r.rtExport, min: 4, squeeze: 1, detail: true },
  { header: 'ROUTES', value: (r) => String(r.routes), align: 'right', min: 6 },
];

/** Per router: each VRF, its kernel table, EVPN identity and how many routes it holds. */
export function VrfsView(props: ViewProps) {
  const { device } = props.frame.args;
  const { devices, order } = useAppStore((s) => ({ devices: s.devices, order: s.deviceOrder }));
  const source = useMemo(() => {
    const rows: VrfRow[] = [];
    for (const name of order) {
      const entry = devices[name];
      if (!entry?.snapshot || (device ? name !== device : entry.spec.role !== 'router')) continue;
      const { vrfs, routes } = entry.snapshot;
      const names = new Set([...vrfs.map((v) => v.name), ...routes.vrfs()]);
      for (const vrf of [...names].sort()) {
        const info = vrfs.find((v) => v.name === vrf);
        rows.push({
          device: name,
          vrf,
          table: info?.table ?? null,
          vni: info?.vni ?? null,
          rd: info?.rd ?? '-',
          rtImport: info?.routeTargetsImport?.join(',') || '-',
          rtExport: info?.routeTargetsExport?.join(',') || '-',
          routes: routes.indexesOf(vrf).length,
        });
      }
    }
    return rows;
  }, [devices, order, device]);
  const age = useDeviceAge();
  const columns = useMemo(() => {
    const of = (r: VrfRow) => age(r.device);
    return dimStale([...COLUMNS, ageColumn(of)], of);
  }, [age]);
  const model: ViewModel<VrfRow> = {
    ...useTableModel(source, COLUMNS, props.frame.filter),
    columns,
    device: (r) => r.device,
    open: (r, action) =>
      action === 'drill' ? { view: 'route-table', args: { device: r.device, vrf: r.vrf } } : null,
    empty: 'no VRFs polled yet',
  };
  return <TableView model={model} {...props} />;
}
