import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 20_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Lab tests share namespaces and ports; run files one at a time to keep them deterministic.
    fileParallelism: false,
  },
});
