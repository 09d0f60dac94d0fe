import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    setupFiles: ['test/setup/isolate-home.ts'],
    // Children spawned from bin/routedeck.mjs run the sources under test, never a dist/ build.
    env: { ROUTEDECK_FROM_SOURCE: '1' },
    // Sized for a 2-core machine under full load, where a lab test's steps take several times longer
    // than on an idle one; a passing test never waits for these, only a hung one does.
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Lab tests share namespaces and ports; run files one at a time to keep them deterministic.
    fileParallelism: false,
  },
});
