/** Where a command's inventory comes from: --inventory, ROUTEDECK_INVENTORY, the embedded lab, the netns lab. */
import { existsSync } from 'node:fs';
import path, { join } from 'node:path';
import { loadInventoryFile, type Inventory } from '../../inventory/load.ts';
import { findRunningSimLab, startSimLab } from '../../lab/sim/lab.ts';
import { labDir, labFiles } from '../../lab/netns/index.ts';
import type { SourceInfo } from '../../state/store.ts';
import { UsageError } from '../usage.ts';

/** The options that pick an inventory (every command that reads the fabric has them). */
export interface InventoryValues {
  inventory?: string;
  lab?: boolean;
  'lab-netns'?: boolean;
}

export interface OpenedInventory {
  inventory: Inventory;
  source: SourceInfo;
  /** Stops what was started just for this command (an in-process lab). */
  close(): Promise<void>;
}

const nothing = async () => {};

export function simLabDirFor(env: NodeJS.ProcessEnv): string | undefined {
  return env.ROUTEDECK_LAB_DIR ? join(env.ROUTEDECK_LAB_DIR, 'sim') : undefined;
}

/** `--lab`: the running embedded lab if there is one, else one started in-process for this command. */
export async function openInventory(
  values: InventoryValues,
  env: NodeJS.ProcessEnv,
): Promise<OpenedInventory> {
  if (!values.lab) return { ...resolveInventory(values, env), close: nothing };
  const source: SourceInfo = { kind: 'lab-sim', label: 'LAB (simulated)' };
  const dir = simLabDirFor(env);
  const running = await findRunningSimLab(dir);
  if (running) return { inventory: loadInventoryFile(running.inventoryPath), source, close: nothing };
  const lab = await startSimLab({ writeState: false, ...(dir ? { dir } : {}) });
  return { inventory: loadInventoryFile(lab.inventoryPath), source, close: () => lab.stop() };
}

export function resolveInventory(
  values: InventoryValues,
  env: NodeJS.ProcessEnv,
): { inventory: Inventory; source: SourceInfo } {
  if (values['lab-netns']) {
    const file = netnsInventoryPath(env);
    if (!existsSync(file))
      throw new UsageError(`the netns lab is not up (no ${file}); run \`routedeck lab netns up\` as root`);
    const inventory = loadInventoryFile(file);
    return { inventory, source: { kind: 'lab-netns', label: `LAB netns (real FRR) ${inventory.name}` } };
  }
  const file = values.inventory ?? env.ROUTEDECK_INVENTORY;
  if (!file)
    throw new UsageError('no inventory: pass --inventory FILE, set ROUTEDECK_INVENTORY, or use --lab-netns');
  const inventory = loadInventoryFile(file);
  return { inventory, source: { kind: 'inventory', label: inventory.name } };
}

export function netnsInventoryPath(env: NodeJS.ProcessEnv): string {
  return labFiles(netnsDirFor(env)).inventory;
}

export function netnsDirFor(env: NodeJS.ProcessEnv): string {
  const root = env['ROUTEDECK_LAB_DIR'];
  return root ? path.resolve(root, 'netns') : labDir();
}
