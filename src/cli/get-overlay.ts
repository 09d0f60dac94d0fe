import {
  overlayRows,
  vniProblem,
  vrrpProblems,
  wireguardProblem,
  type OverlayRow,
} from '../model/overlay.ts';
import type { AppState } from '../state/store.ts';
import { safeText } from '../model/text.ts';
import { deviceErrors, type GetFilters, type ViewOutput } from './get-views.ts';
import { renderTable, type Column, type RenderOptions } from './common/table.ts';

/**
 * `get overlay`: WireGuard peers, EVPN VNIs and VRRP groups of every router, problems first (red).
 * VRRP is judged across all routers (one MASTER per group), so all are polled even with --device;
 * --device only narrows what is shown.
 */
export function overlayView(state: AppState, filters: GetFilters, render: RenderOptions): ViewOutput {
  const now = Date.now();
  const entries = state.deviceOrder.map((name) => state.devices[name]!);
  const overlays = entries.flatMap((e) => (e.snapshot?.overlay ? [e.snapshot.overlay] : []));
  const shown = (device: string) => filters.devices.length === 0 || filters.devices.includes(device);
  const rows = overlayRows(overlays, now).filter((r) => shown(r.device));
  const vrrp = vrrpProblems(overlays.flatMap((o) => o.vrrp));
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  const json = {
    source: state.source,
    wireguard: overlays
      .flatMap((o) => o.wireguard)
      .filter((p) => shown(p.device))
      .map((p) => ({ ...p, latestHandshakeAt: iso(p.latestHandshakeAt), problem: wireguardProblem(p, now) })),
    vxlan: overlays.flatMap((o) => o.vxlan).filter((v) => shown(v.device)),
    vnis: overlays
      .flatMap((o) => o.vnis)
      .filter((v) => shown(v.device))
      .map((v) => ({ ...v, problem: vniProblem(v) })),
    vrrp: overlays
      .flatMap((o) => o.vrrp)
      .filter((g) => shown(g.device))
      .map((g) => ({ ...g, lastTransitionAt: iso(g.lastTransitionAt), problem: vrrp.get(g) ?? null })),
    errors: deviceErrors(entries.filter((e) => shown(e.spec.name))),
  };
  const columns: Column<OverlayRow>[] = [
    { header: 'DEVICE', value: (r) => r.device },
    { header: 'TYPE', value: (r) => (r.type === 'wireguard' ? 'wg' : r.type) },
    { header: 'NAME', value: (r) => r.name },
    { header: 'STATE', value: (r) => r.state, color: (r) => (r.problem ? 'red' : null) },
    { header: 'PROBLEM', value: (r) => r.problem ?? '', hideWhenEmpty: true, color: () => 'red' },
    { header: 'DETAIL', value: (r) => r.detail },
  ];
  const errors = json.errors.map((p) => `! ${safeText(`${p.device} ${p.health}: ${p.error}`)}\n`).join('');
  const text =
    rows.length || errors ? renderTable(rows, columns, render) + errors : 'no overlay on any router\n';
  return { json, text };
}
