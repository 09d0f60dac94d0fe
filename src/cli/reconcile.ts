/**
 * `routedeck plan reconcile NAME… | --all [--keep HOST] [-o FILE]`: the way out of a half-done or
 * disputed workload. Per workload: the plan that makes fabric and registry agree on one holder
 * (applied with `routedeck apply`), "nothing to reconcile", or a refusal naming what was found and
 * the commands that choose a holder. Its own option table: `--keep` and `--all` are its alone.
 */
import { parseArgs } from 'node:util';
import { safeBlock, safeJson, safeText } from '../model/text.ts';
import { planReconcileFor, reconcileCandidates } from '../workflows/reconcile/index.ts';
import { WorkflowError } from '../workflows/service/index.ts';
import { GET_OPTIONS, type CliIo } from './common/io.ts';
import { UsageError } from './usage.ts';
import { guarded, openSession, printPlan } from './common/session.ts';

export const RECONCILE_USAGE =
  'plan reconcile NAME… | --all [--keep HOST] [--lab|--lab-netns|--inventory F] [-o FILE] [--json]';

function options() {
  return { ...GET_OPTIONS, keep: { type: 'string' }, all: { type: 'boolean' } } as const;
}

/** True when argv is `plan reconcile …` (options may come first). */
export function isReconcilePlan(argv: readonly string[]): boolean {
  const { positionals } = parseArgs({
    args: [...argv],
    options: options(),
    allowPositionals: true,
    strict: false,
  });
  return positionals[0] === 'plan' && positionals[1] === 'reconcile';
}

export function parseReconcileArgs(argv: readonly string[]) {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options: options(),
    allowPositionals: true,
    strict: true,
  });
  const names = positionals.slice(2);
  if (values.all && names.length > 0)
    throw new UsageError('plan reconcile takes workload names or --all, not both');
  if (!values.all && names.length === 0) throw new UsageError(`plan reconcile needs: ${RECONCILE_USAGE}`);
  if (values.keep !== undefined && (values.all || names.length !== 1))
    throw new UsageError('--keep HOST chooses the holder of one workload: name exactly one');
  if (values.keep === '') throw new UsageError('--keep needs a hypervisor name');
  if (values.output !== undefined && (values.all || names.length !== 1))
    throw new UsageError('-o writes one plan: name exactly one workload');
  return { values, names };
}

export async function runPlanReconcile(argv: readonly string[], io: CliIo): Promise<number> {
  const { values, names } = parseReconcileArgs(argv);
  const via = values.lab ? ' --lab' : values['lab-netns'] ? ' --lab-netns' : '';
  const session = await openSession(values, io);
  try {
    return await guarded(io, async () => {
      const { service } = session;
      const subjects = values.all ? reconcileCandidates(service) : names;
      const consistent = (workload: string, message: string) =>
        io.stdout.write(
          values.json
            ? `${safeJson({ workload, status: 'consistent', message })}\n`
            : `${safeText(message)}\n`,
        );
      if (subjects.length === 0) {
        const message = 'nothing to reconcile: every workload agrees with the fabric';
        io.stdout.write(values.json ? `${safeJson({ status: 'consistent', message })}\n` : `${message}\n`);
        return 0;
      }
      // One name: a refusal is the command's one sentence (guarded). Several: each is reported, then exit 2.
      if (subjects.length === 1 && !values.all) {
        const result = planReconcileFor(service, {
          name: subjects[0]!,
          ...(values.keep !== undefined ? { keep: values.keep } : {}),
          via,
        });
        if (result.kind === 'consistent') consistent(subjects[0]!, result.message);
        else await printPlan(result.plan, values, io);
        return 0;
      }
      let refused = 0;
      for (const name of subjects) {
        try {
          const result = planReconcileFor(service, { name, via });
          if (result.kind === 'consistent') consistent(name, result.message);
          else await printPlan(result.plan, values, io);
        } catch (error) {
          if (!(error instanceof WorkflowError)) throw error;
          refused += 1;
          io.stderr.write(`routedeck: ${safeBlock(error.message)}\n`);
        }
      }
      if (refused === 0) return 0;
      io.stderr.write(`${refused} workload(s) refused; nothing was sent for them.\n`);
      return 2;
    });
  } finally {
    await session.close();
  }
}
