/**
 * Inventory loading at scale (issue 13 item 11), alone: `node --import tsx bench/inventory.ts`.
 * Times parseInventory (YAML → schema → pool-overlap sweep → build) on 3,000 and 10,000 tenants
 * with distinct pools in one VRF (the overlap check's worst case), the same plus one overlapping
 * pool, and how long the hostile files take to be refused: a 5,000-pool list aliased by 3,000
 * tenants and the classic alias bomb. Before the sweep: 3,000 tenants 124 s, 10,000 over 300 s.
 */
import os from 'node:os';
import { InventoryError, parseInventory } from '../src/inventory/load.ts';
import { aliasBomb, aliasedPoolsInventory, tenantsInventory } from './inventory-docs.ts';

interface Case {
  label: string;
  text: string;
}

const cases: Case[] = [
  { label: '3,000 tenants, no overlap', text: tenantsInventory(3000) },
  { label: '10,000 tenants, no overlap', text: tenantsInventory(10_000) },
  {
    label: '10,000 tenants + 1 overlapping pool',
    text: tenantsInventory(10_000, ['{ name: late, pools4: [10.39.15.0/24] }']),
  },
  { label: '5,000-pool list aliased by 150 VRFs (750k)', text: aliasedPoolsInventory(5000, 150) },
  { label: '5,000-pool list aliased by 3,000 tenants', text: aliasedPoolsInventory(5000, 3000) },
  { label: 'alias bomb (9 levels of 9)', text: aliasBomb() },
];

console.log(
  `${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, Node ${process.version}, load ${os.loadavg()[0]?.toFixed(1)}`,
);
for (const { label, text } of cases) {
  const started = performance.now();
  let outcome: string;
  try {
    outcome = `loaded ${parseInventory(text, '/bench.yaml').tenants.length} tenants`;
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    outcome = `refused: ${error.problems[0]?.slice(0, 70)}`;
  }
  const ms = performance.now() - started;
  console.log(
    `${label.padEnd(42)} ${(text.length / 1024).toFixed(0).padStart(5)} KiB ${(ms / 1000).toFixed(2).padStart(7)} s  ${outcome}`,
  );
}
