import { parseArgs } from 'node:util';
import { InventoryError } from '../inventory/load.ts';
import { RegistryError } from '../registry/index.ts';
import { runGet } from './get.ts';
import { runConsole } from './console.ts';
import { runLab } from './lab.ts';
import { parseSimOptions, runSimControl, runSimForeground } from './lab-sim.ts';
import { runServe } from './serve.ts';
import { isSharedServicePlan, runPlanSharedService } from './shared-service.ts';
import { isTenantPlan, runPlanTenant } from './tenant.ts';
import { isReconcilePlan, runPlanReconcile } from './reconcile.ts';
import { runTrustHost } from './trust-host.ts';
import { runAudit } from './audit.ts';
import { runApply, runPlan } from './workflow.ts';
import { runPlanFip } from './floating-ip.ts';
import { runGetGuard, runPlanGuardRepair } from './guard.ts';
import { USAGE, UsageError } from './usage.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** True when stdin and stdout are a terminal the interactive console can own. */
  interactive?: boolean;
  /** Answers a yes/no question; absent when there is no terminal to ask on. */
  confirm?: (question: string) => Promise<boolean>;
}

export const GET_OPTIONS = {
  inventory: { type: 'string' },
  'lab-netns': { type: 'boolean' },
  lab: { type: 'boolean' },
  'read-only': { type: 'boolean' },
  log: { type: 'string' },
  registry: { type: 'string' },
  operator: { type: 'string' },
  tenant: { type: 'string' },
  host: { type: 'string' },
  to: { type: 'string' },
  peer: { type: 'string' },
  mac: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'cloud-init-dir': { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
  resume: { type: 'string' },
  rollback: { type: 'string' },
  'break-before-make': { type: 'boolean' },
  plan: { type: 'string' },
  limit: { type: 'string' },
  listen: { type: 'string' },
  'authorized-keys': { type: 'string' },
  'host-key': { type: 'string' },
  'auth-timeout': { type: 'string' },
  'max-viewers': { type: 'string' },
  'max-pending': { type: 'string' },
  'max-pending-per-source': { type: 'string' },
  hosts: { type: 'string' },
  routers: { type: 'string' },
  workloads: { type: 'string' },
  tenants: { type: 'string' },
  seed: { type: 'string' },
  device: { type: 'string', multiple: true },
  vrf: { type: 'string' },
  prefix: { type: 'string' },
  json: { type: 'boolean' },
  fingerprint: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    // Its own option table (a repeated --tenant): dispatched before the shared one parses strictly.
    if (isSharedServicePlan(argv)) return await runPlanSharedService(argv, io);
    if (isTenantPlan(argv)) return await runPlanTenant(argv, io);
    if (isReconcilePlan(argv)) return await runPlanReconcile(argv, io);
    const { values, positionals } = parseArgs({
      args: argv,
      options: GET_OPTIONS,
      allowPositionals: true,
      strict: true,
    });
    const [command, ...rest] = positionals;
    if (values.help || command === 'help') {
      io.stdout.write(USAGE);
      return 0;
    }
    switch (command) {
      case 'get':
        if (rest[0] === 'guard') return await runGetGuard(rest.slice(1), values, io);
        return await runGet(rest, values, io);
      case 'lab':
        if (rest[0] === 'ctl') return await runSimControl(rest.slice(1), io);
        if (rest[0] === 'sim') {
          if (rest.length > 1) throw new UsageError('lab sim takes options, not arguments');
          return await runSimForeground(parseSimOptions(values), io);
        }
        return await runLab(rest, io);
      case 'plan':
        if (rest[0] === 'fip') return await runPlanFip(rest.slice(1), values, io);
        if (rest[0] === 'guard-repair') return await runPlanGuardRepair(rest.slice(1), values, io);
        return await runPlan(rest, values, io);
      case 'apply':
        return await runApply(rest, values, io);
      case 'audit':
        return await runAudit(rest, values, io);
      case 'serve':
        return await runServe(rest, values, io);
      case 'trust-host':
        return await runTrustHost(rest, values, io);
      case undefined:
        // Without a terminal there is no TUI: keep the lab running with its text screen instead.
        if (!io.interactive) {
          if (values.inventory !== undefined || values['lab-netns'])
            throw new UsageError('the console needs a terminal; use `routedeck get …`');
          return await runSimForeground(parseSimOptions(values), io);
        }
        return await runConsole(values, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    // A registry refused at open (empty, damaged, foreign, newer) or a corrupt row: one sentence, no stack.
    if (error instanceof RegistryError) {
      io.stderr.write(`routedeck: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InventoryError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`routedeck: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
}
