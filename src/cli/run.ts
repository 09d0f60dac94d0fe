import { parseArgs } from 'node:util';
import { RegistryError } from '../registry/errors.ts';
import { GET_OPTIONS, type CliIo } from './common/io.ts';
import { USAGE, UsageError } from './usage.ts';

// The command table. Each command's module is imported when that command runs (dynamic import: a
// chunk of its own in dist/), so `--help` or `get devices` never load the TUI (ink, React), the lab,
// or better-sqlite3. A command file imports only common/ (and usage.ts, wiring.ts): adding one is
// that file and a line here.
export type { CliIo } from './common/io.ts';

export async function runCli(argv: string[], io: CliIo): Promise<number> {
  try {
    // Its own option table (a repeated --tenant): dispatched before the shared one parses strictly.
    // Each of these needs a positional `plan`; without one their modules stay unloaded.
    if (argv.includes('plan')) {
      const shared = await import('./shared-service.ts');
      if (shared.isSharedServicePlan(argv)) return await shared.runPlanSharedService(argv, io);
      const tenant = await import('./tenant.ts');
      if (tenant.isTenantPlan(argv)) return await tenant.runPlanTenant(argv, io);
      const reconcile = await import('./reconcile.ts');
      if (reconcile.isReconcilePlan(argv)) return await reconcile.runPlanReconcile(argv, io);
    }
    if (argv[0] === 'registry') return await (await import('./registry.ts')).runRegistry(argv.slice(1), io);
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
        if (rest[0] === 'guard')
          return await (await import('./guard.ts')).runGetGuard(rest.slice(1), values, io);
        return await (await import('./get.ts')).runGet(rest, values, io);
      case 'lab':
        if (rest[0] === 'ctl') return await (await import('./lab-sim.ts')).runSimControl(rest.slice(1), io);
        if (rest[0] === 'sim') {
          if (rest.length > 1) throw new UsageError('lab sim takes options, not arguments');
          const sim = await import('./lab-sim.ts');
          return await sim.runSimForeground(sim.parseSimOptions(values), io);
        }
        return await (await import('./lab.ts')).runLab(rest, io);
      case 'plan':
        if (rest[0] === 'fip')
          return await (await import('./floating-ip.ts')).runPlanFip(rest.slice(1), values, io);
        if (rest[0] === 'guard-repair')
          return await (await import('./guard.ts')).runPlanGuardRepair(rest.slice(1), values, io);
        if (rest[0] === 'list' && rest.length === 1)
          return await (await import('./audit.ts')).runPlanList(values, io);
        return await (await import('./workflow.ts')).runPlan(rest, values, io);
      case 'apply':
        return await (await import('./workflow.ts')).runApply(rest, values, io);
      case 'audit':
        return await (await import('./audit.ts')).runAudit(rest, values, io);
      case 'serve':
        (await import('../../components/render/fast-ansi.ts')).useFastAnsi();
        return await (await import('./serve.ts')).runServe(rest, values, io);
      case 'trust-host':
        return await (await import('./trust-host.ts')).runTrustHost(rest, values, io);
      case undefined:
        // Without a terminal there is no TUI: keep the lab running with its text screen instead.
        if (!io.interactive) {
          if (values.inventory !== undefined || values['lab-netns'])
            throw new UsageError('the console needs a terminal; use `routedeck get …`');
          // Say why: a piped `npm start` (| tee, | less) would otherwise silently show another screen.
          io.stderr.write(
            `routedeck: ${io.stdout.isTTY ? 'stdin' : 'stdout'} is not a terminal, so no console: running the embedded lab with its text screen instead.\n` +
              `  For the console, run \`npm start\` (or \`routedeck\`) in a terminal without a pipe or redirect.\n`,
          );
          const sim = await import('./lab-sim.ts');
          return await sim.runSimForeground(sim.parseSimOptions(values), io);
        }
        // Before ink loads: its frames' ANSI handling with less garbage (components/render/).
        (await import('../../components/render/fast-ansi.ts')).useFastAnsi();
        return await (await import('./common/console.ts')).runConsole(values, io);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    // A registry refused at open (empty, damaged, foreign, newer) or a corrupt row: one sentence, no stack.
    if (error instanceof RegistryError) {
      io.stderr.write(`routedeck: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UsageError || (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`routedeck: ${(error as Error).message}\n\n${USAGE}`);
      return 2;
    }
    // Only a command that loaded the inventory module can have thrown one of its errors.
    const { InventoryError } = await import('../inventory/load.ts');
    if (error instanceof InventoryError) {
      io.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
