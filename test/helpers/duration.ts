/**
 * A duration as the console prints it (components/workflows/lines.ts formatMs): "85 ms", "1.60 s",
 * "12.3 s". Tests match this, never one unit: how long a step takes depends on the machine's load.
 */
export const DURATION = String.raw`\d+ ms|\d+\.\d+ s`;
