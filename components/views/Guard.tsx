import { useMemo } from 'react';
import { useConsole } from '../hooks/context.ts';
import { useAppStore } from '../hooks/useAppStore.ts';
import type { Column } from '../shared/columns.ts';
import { adoptionText } from '../../src/workflows/service/adopt.ts';
import { guardRows, type GuardRow } from './guard-rows.ts';
import { useDeviceAge } from '../hooks/useDeviceAge.ts';
import { dimStale } from './stale.ts';
import { TableView } from './TableView.tsx';
import { useTableModel } from './useTableModel.ts';
import type { ViewModel, ViewProps } from './types.ts';

const COLUMNS: Column<GuardRow>[] = [
  { header: 'HOST', value: (r) => r.host, min: 4 },
  { header: 'TAP', value: (r) => r.tap, min: 8, squeeze: 3, detail: true },
  { header: 'DRIFT', value: (r) => r.state, color: (r) => r.level, min: 7 },
  { header: 'SET', value: (r) => r.set, min: 6 },
  { header: 'ELEMENT', value: (r) => r.element, min: 12, squeeze: 4, detail: true },
  {
    header: 'SPOOF',
    value: (r) => (r.spoof === null ? '-' : String(r.spoof)),
    color: (r) => ((r.spoof ?? 0) > 0 ? 'error' : undefined),
    align: 'right',
    min: 5,
  },
  // The reason gives way first: what drifted, and where, must stay readable at 80 columns.
  { header: 'WHY', value: (r) => r.why, min: 8, squeeze: 1, detail: true },
];

/**
 * Anti-spoofing per hypervisor: the vmguard allow sets against the registry (missing, extra and
 * stale elements, with why), spoofed-source drops per TAP, and a summary row per host. Problems
 * first, in red. `R` plans the repair of the selected row's host, or of every host.
 */
export function GuardView(props: ViewProps) {
  const { device } = props.frame.args;
  const { workflows } = useConsole();
  const { devices, order } = useAppStore((s) => ({ devices: s.devices, order: s.deviceOrder }));
  const source = useMemo(() => {
    let workloads = null;
    try {
      // Read again at every poll (the store changes then): another console may have moved a workload.
      workloads = workflows ? workflows.registryWorkloads() : null;
    } catch {
      // A registry busy with another console's write: compare at the next poll.
    }
    // While the console records the live workloads, the registry does not know them yet: not drift.
    const adoption = workflows?.adoption();
    return guardRows(devices, order, workloads, device, adoption ? adoptionText(adoption) : undefined);
  }, [devices, order, device, workflows]);
  const table = useTableModel(source, COLUMNS, props.frame.filter);
  const age = useDeviceAge();
  // Dimmed when the host's last poll failed or is late; problems keep their red (the age is in :devices).
  const columns = useMemo(
    () =>
      dimStale(
        COLUMNS,
        (r: GuardRow) => age(r.host),
        [],
        (r) => r.level,
      ),
    [age],
  );
  const model: ViewModel<GuardRow> = {
    ...table,
    columns,
    rowColor: (r) => r.level,
    subject: (r) => r.host,
    device: (r) => r.host,
    empty: device ? `${device} is not a hypervisor (yet)` : 'no hypervisors in the inventory',
  };
  return <TableView model={model} {...props} />;
}
