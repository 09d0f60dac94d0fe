/**
 * `routedeck registry migrate` (bring a registry's schema up to date explicitly, e.g. before a team's
 * consoles are upgraded) and `routedeck registry copy --from sqlite:FILE --to postgres://…` (move one
 * operator's history into a team's shared registry).
 */
import { parseArgs } from 'node:util';
import { copyRegistry, migrateRegistry } from '../registry/index.ts';
import { resolveInventory } from './common/inventory.ts';
import type { CliIo } from './common/io.ts';
import { UsageError } from './usage.ts';
import { registryOptionsFor, registryPathFor } from './wiring.ts';

const OPTIONS = {
  registry: { type: 'string' },
  inventory: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export async function runRegistry(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: OPTIONS,
    allowPositionals: true,
    strict: true,
  });
  const [sub, ...rest] = positionals;
  if (rest.length > 0) throw new UsageError(`registry ${sub ?? ''} takes options, not arguments`);
  if (sub === 'migrate') return migrate(values, io);
  if (sub === 'copy') return copy(values, io);
  throw new UsageError('registry needs a subcommand: migrate or copy');
}

async function migrate(values: { registry?: string; inventory?: string; json?: boolean }, io: CliIo) {
  let options: Awaited<ReturnType<typeof registryOptionsFor>>;
  if (values.inventory !== undefined || (values.registry === undefined && io.env.ROUTEDECK_INVENTORY)) {
    const { inventory, source } = resolveInventory(values, io.env);
    options = await registryOptionsFor(
      inventory,
      registryPathFor(inventory, source, io.env, values.registry),
    );
  } else {
    const path = values.registry ?? io.env.ROUTEDECK_REGISTRY;
    if (!path) throw new UsageError('registry migrate: pass --registry LOCATION or --inventory FILE');
    options = { path };
  }
  const result = migrateRegistry(options);
  if (values.json) io.stdout.write(`${JSON.stringify(result)}\n`);
  else
    io.stdout.write(
      result.applied.length === 0
        ? `registry ${result.location} (${result.backend}) is at schema v${result.version}; nothing to do\n`
        : `registry ${result.location} (${result.backend}): applied v${result.applied.join(', v')}; now at schema v${result.version}\n`,
    );
  return 0;
}

async function copy(values: { from?: string; to?: string; inventory?: string; json?: boolean }, io: CliIo) {
  if (!values.from || !values.to)
    throw new UsageError('registry copy needs --from sqlite:FILE and --to postgres://USER@HOST/DB');
  // The destination's password and TLS come from the inventory when it names that registry.
  const { path: _to, ...extra } =
    values.inventory !== undefined
      ? await registryOptionsFor(resolveInventory(values, io.env).inventory, values.to)
      : { path: values.to };
  const result = copyRegistry(values.from, values.to, extra);
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  }
  const counts = Object.entries(result.counts)
    .map(([table, n]) => `${table} ${n}`)
    .join(', ');
  io.stdout.write(
    `copied ${result.from} → ${result.to}: ${counts}\n` +
      `Point every console at it (inventory registry.url, or --registry ${result.to}); ` +
      `keep ${result.from} as a backup and stop using it.\n`,
  );
  return 0;
}
