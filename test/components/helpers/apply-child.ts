/**
 * A console's apply in its own process, for the tests that kill it mid-plan: plans a migration
 * of `workload` to `target` on the registry and applies it, printing each executor event as a line.
 * Usage: node --import tsx apply-child.ts INVENTORY REGISTRY WORKLOAD TARGET
 */
import { openFabric, openWorkflows } from '../../../src/cli/wiring.ts';
import { loadInventoryFile } from '../../../src/inventory/load.ts';

const [inventoryPath, registryPath, workload, target] = process.argv.slice(2);
if (!inventoryPath || !registryPath || !workload || !target)
  throw new Error('usage: INVENTORY REGISTRY WORKLOAD TARGET');
const inventory = loadInventoryFile(inventoryPath);
const fabric = openFabric(inventory, { kind: 'lab-sim', label: 'LAB (simulated)' });
await fabric.poller.pollNow();
const wf = await openWorkflows(inventory, fabric, { registryPath, operator: 'bob' });
const plan = wf.service.planMigrate({ name: workload, target });
process.stdout.write(`planned ${plan.id}\n`);
await wf.service.apply(plan, {
  onEvent: (e) => process.stdout.write(`${e.type} ${'step' in e ? e.step : ''}\n`),
});
process.stdout.write('finished\n');
wf.close();
await fabric.close();
