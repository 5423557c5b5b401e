import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Guests run on the real core; a slow CI machine needs more than the default 5 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
