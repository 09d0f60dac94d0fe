/**
 * `routedeck plan fip attach ADDR --to W [--peer W2] | move ADDR --to W | detach ADDR | list`:
 * floating-IP plans, made and previewed like the other plans (nothing sent) and applied with
 * `routedeck apply PLAN-ID`.
 */
import { floatingIps, planFipAttach, planFipDetach, planFipMove } from '../workflows/service/index.ts';
import type { CliIo } from './common/io.ts';
import { renderTable, useColor } from './common/table.ts';
import { UsageError } from './usage.ts';
import { guarded, openSession, printPlan, type WorkflowValues } from './common/session.ts';

export const FIP_USAGE =
  'plan fip needs: attach ADDR --to W [--peer W2] | move ADDR --to W | detach ADDR | list';

export async function runPlanFip(
  rest: string[],
  values: WorkflowValues & { peer?: string },
  io: CliIo,
): Promise<number> {
  const [op, address, ...extra] = rest;
  const known = op === 'list' ? address === undefined : ['attach', 'move', 'detach'].includes(op ?? '');
  if (!known || extra.length > 0 || (op !== 'list' && !address)) throw new UsageError(FIP_USAGE);
  if ((op === 'attach' || op === 'move') && !values.to)
    throw new UsageError(`plan fip ${op} needs --to WORKLOAD`);
  if (op !== 'attach' && values.peer !== undefined) throw new UsageError('--peer goes with plan fip attach');
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const { service } = session;
      if (op === 'list') {
        const fips = floatingIps(service);
        io.stdout.write(
          renderTable(
            fips,
            [
              { header: 'ADDRESS', value: (f) => f.address },
              { header: 'TENANT', value: (f) => f.tenant },
              { header: 'VRF', value: (f) => f.vrf },
              { header: 'OWNER', value: (f) => f.owner ?? '-' },
              { header: 'ALLOWED ON', value: (f) => f.holders.join(', ') },
              { header: 'ANNOUNCED BY', value: (f) => f.announcedBy.join(', ') || '-' },
            ],
            { color: useColor(io.stdout as NodeJS.WriteStream) },
          ),
        );
        if (fips.length === 0) io.stdout.write('(no floating IPs)\n');
        return 0;
      }
      const plan =
        op === 'attach'
          ? planFipAttach(service, {
              address: address!,
              to: values.to!,
              ...(values.peer !== undefined ? { peer: values.peer } : {}),
            })
          : op === 'move'
            ? planFipMove(service, { address: address!, to: values.to! })
            : planFipDetach(service, { address: address! });
      await printPlan(plan, values, io);
      return 0;
    });
  } finally {
    await session.close();
  }
}
