import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // The examples import the package by name, as a user's project would.
    alias: { 'minivisor/testing': new URL('./src/testing/index.ts', import.meta.url).pathname },
  },
  test: {
    include: ['tests/**/*.test.ts', 'examples/**/*.test.ts'],
    // Guests run on the real core; a slow CI machine needs more than the default 5 s.
    testTimeout: 60_000,
    // The JSON report feeds the one-line total that .ci/run prints at the end.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    hookTimeout: 60_000,
  },
});
