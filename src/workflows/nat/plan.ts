/**
 * The shared-service plan: one step per tenant edge (SNAT into its slice, DNAT of the local service
 * address), then the provider edge (DNAT to the service, routes back to every slice). VyOS edges
 * get a `vyos-configure` batch, Linux edges `nft`/`ip` commands over SSH; the preview's config
 * lines come from the same objects as the commands sent.
 */
import type { DeviceDiff, Plan, RouteChange, Step } from '../../model/plan.ts';
import type { PlanMeta } from '../plan/build.ts';
import { SSH_STEP_TIMEOUT_MS } from '../plan/build.ts';
import type { NatEdge, SharedServiceDesign } from './design.ts';
import {
  nftInstall,
  nftLines,
  nftRemove,
  providerTable,
  routeCommand,
  routeLine,
  tenantTable,
  type RouteOp,
} from './render-nft.ts';
import {
  providerVyos,
  providerVyosUndo,
  tenantVyos,
  tenantVyosUndo,
  vyosLine,
  type VyosCommand,
} from './render-vyos.ts';

interface Built {
  step: Step;
  lines: string[];
}

function vyosStep(
  id: string,
  edge: NatEdge,
  description: string,
  set: VyosCommand[],
  undo: VyosCommand[],
): Built {
  return {
    step: {
      id,
      device: edge.device,
      description,
      action: {
        type: 'vyos-configure',
        commands: set,
        ...(edge.confirmMinutes ? { confirmMinutes: edge.confirmMinutes } : {}),
      },
      rollback: { type: 'vyos-configure', commands: undo },
      verify: [],
      timeoutMs: SSH_STEP_TIMEOUT_MS,
    },
    lines: set.map(vyosLine),
  };
}

/** `VyOS 1.4`, or `VyOS 1.5-rolling-…, 1.4 paths` when probed, and the commit-confirm window. */
function vyosLabel(edge: NatEdge): string {
  const v = edge.vyosVersion ?? '1.4';
  const version =
    edge.vyosProbed && edge.vyosProbed !== v ? `VyOS ${edge.vyosProbed}, ${v} paths` : `VyOS ${v}`;
  // Saved once verified; an unconfirmed timer would reboot (or reload) the router, so it is never left.
  return edge.confirmMinutes
    ? `${version}, commit-confirm ${edge.confirmMinutes} min (action ${edge.confirmAction ?? 'reboot'}), saved once verified`
    : `${version}, saved once verified`;
}

function tenantStep(d: SharedServiceDesign, index: number): Built {
  const t = d.tenants[index]!;
  const id = `tenant-${t.tenant}`;
  const what = `tenant ${t.tenant}: ${t.private} → ${t.slice} towards ${d.serviceTransit}; ${d.local} → ${d.serviceTransit}`;
  if (t.edge.kind === 'vyos') {
    const v = t.edge.vyosVersion ?? '1.4';
    return vyosStep(id, t.edge, `${what} (${vyosLabel(t.edge)})`, tenantVyos(d, t, v), tenantVyosUndo(d));
  }
  const table = tenantTable(d, t);
  return {
    step: {
      id,
      device: t.edge.device,
      description: `${what} (nftables)`,
      action: { type: 'ssh', commands: nftInstall(table, t.edge.privilege) },
      rollback: { type: 'ssh', commands: nftRemove(table, t.edge.privilege) },
      verify: [],
      timeoutMs: SSH_STEP_TIMEOUT_MS,
    },
    lines: nftLines(table),
  };
}

function providerStep(d: SharedServiceDesign): Built {
  const edge = d.provider.edge;
  const what = `provider: ${d.serviceTransit} → ${d.service}; routes to ${d.tenants.map((t) => t.slice).join(', ')}`;
  if (edge.kind === 'vyos') {
    const v = edge.vyosVersion ?? '1.4';
    return vyosStep(
      'provider',
      edge,
      `${what} (${vyosLabel(edge)})`,
      providerVyos(d, v),
      providerVyosUndo(d, v),
    );
  }
  const table = providerTable(d);
  const routes: RouteOp[] = d.tenants.map((t) => ({ prefix: t.slice, via: t.via }));
  return {
    step: {
      id: 'provider',
      device: edge.device,
      description: `${what} (nftables)`,
      action: {
        type: 'ssh',
        commands: [
          ...nftInstall(table, edge.privilege),
          ...routes.map((r) => routeCommand('add', r, edge.privilege)),
        ],
      },
      rollback: {
        type: 'ssh',
        commands: [
          ...[...routes].reverse().map((r) => routeCommand('del', r, edge.privilege)),
          ...nftRemove(table, edge.privilege),
        ],
      },
      verify: [],
      timeoutMs: SSH_STEP_TIMEOUT_MS,
    },
    lines: [...nftLines(table), ...routes.map(routeLine)],
  };
}

/** The plan's subject (lease key): one shared service at a time. */
export function sharedServiceSubject(name: string): string {
  return `shared-service:${name}`;
}

export function buildSharedServicePlan(d: SharedServiceDesign, meta: PlanMeta): Plan {
  const built = [...d.tenants.map((_, i) => tenantStep(d, i)), providerStep(d)];
  const byDevice = new Map<string, string[]>();
  for (const b of built) byDevice.set(b.step.device, [...(byDevice.get(b.step.device) ?? []), ...b.lines]);
  const diffs: DeviceDiff[] = [...byDevice].map(([device, after]) => ({ device, before: [], after }));
  const routeChanges: RouteChange[] = d.tenants.map((t) => ({
    router: d.provider.edge.device,
    vrf: 'default',
    family: 4,
    prefix: t.slice,
    change: 'appears',
    toHost: t.edge.device,
  }));
  return {
    id: meta.id,
    kind: 'shared-service',
    createdAt: meta.now.toISOString(),
    operator: meta.operator,
    workload: sharedServiceSubject(d.name),
    tenant: d.tenants.map((t) => t.tenant).join(','),
    summary:
      `shared service ${d.name}: ${d.tenants.map((t) => `${t.tenant} ${t.private} → ${t.slice}`).join(', ')}; ` +
      `tenants reach ${d.local}, the provider sees ${d.serviceTransit} → ${d.service}`,
    steps: built.map((b) => b.step),
    diffs,
    routeChanges,
    artifacts: {},
  };
}
