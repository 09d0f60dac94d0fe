import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A large fabric's inventory is well under 1 MiB; 50 MB of YAML took V8 out of memory. */
export const MAX_INVENTORY_BYTES = 4 * 1024 * 1024;
/** Values after aliases are expanded: a 71 KB file aliasing a 5,000-pool list grew to millions. */
export const MAX_INVENTORY_VALUES = 1_000_000;
/** Aliases yaml may expand (its own bomb guard, counted in its own way); anchors for defaults need few. */
export const MAX_ALIAS_COUNT = 10_000;

/** Thrown for a file that is too big, too deep or expands too far: one sentence, no path inside it. */
export class InventoryLimitError extends Error {}

/** Reads at most the cap (plus one byte to tell), so a huge file is refused without loading it. */
export function readCapped(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size > MAX_INVENTORY_BYTES) throw new InventoryLimitError(tooBig(size));
    const buffer = Buffer.alloc(MAX_INVENTORY_BYTES + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_INVENTORY_BYTES) throw new InventoryLimitError(tooBig(length));
    }
    return buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

export function checkTextSize(text: string): void {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_INVENTORY_BYTES) throw new InventoryLimitError(tooBig(size));
}

function tooBig(size: number): string {
  return `the file is ${mib(size)} MiB, more than the ${mib(MAX_INVENTORY_BYTES)} MiB an inventory may be`;
}

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1);
}

/**
 * Counts values as if every alias were copied out (yaml shares them by reference, but validation
 * and the overlap check visit every copy), and refuses an alias that contains itself.
 */
export function checkExpandedSize(root: unknown): void {
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  const count = (value: unknown): number => {
    if (value === null || typeof value !== 'object') return 1;
    const known = sizes.get(value);
    if (known !== undefined) return known;
    if (open.has(value)) throw new InventoryLimitError('an alias refers to a value that contains it');
    open.add(value);
    let total = 1;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      total += count(child);
      if (total > MAX_INVENTORY_VALUES) break;
    }
    open.delete(value);
    sizes.set(value, total);
    if (total > MAX_INVENTORY_VALUES)
      throw new InventoryLimitError(
        `with its aliases expanded the file holds more than ${MAX_INVENTORY_VALUES.toLocaleString('en-US')} values; write the lists out or use fewer aliases`,
      );
    return total;
  };
  count(root);
}
