import { defineConfig } from 'vitest/config';

const checkedCore = new URL('./build/minivisor-checked.wasm', import.meta.url).pathname;

export default defineConfig({
  resolve: {
    // The examples import the package by name, as a user's project would.
    alias: { 'minivisor/testing': new URL('./src/testing/index.ts', import.meta.url).pathname },
  },
  test: {
    // Guests run on the real core; a slow CI machine needs more than the default 5 s.
    testTimeout: 60_000,
    // The JSON report feeds the one-line total that .ci/run prints at the end.
    reporters: ['default', ['json', { outputFile: 'reports/vitest.json' }]],
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'release', include: ['tests/**/*.test.ts', 'examples/**/*.test.ts'] },
      },
      {
        // Every guest test again on the checked core (assembly/checked.ts): each host address the
        // core forms from a guest's values is asserted to lie in that guest's window, so a core
        // bug that would break isolation fails here even when no guest notices it.
        extends: true,
        test: {
          name: 'checked',
          include: [
            'tests/isa.test.ts',
            'tests/sbi.test.ts',
            'tests/minios.test.ts',
            'tests/linux.test.ts',
            'tests/kernel.test.ts',
            'tests/hypervisor.test.ts',
            'tests/checked-core.test.ts',
            'tests/snapshot.test.ts',
            'tests/fork.test.ts',
            'tests/isolation-*.test.ts',
            'tests/net-*.test.ts',
            'tests/cli-net.test.ts',
            'tests/testing-net.test.ts',
            'tests/jit.test.ts',
          ],
          env: { MINIVISOR_CORE: checkedCore },
        },
      },
    ],
  },
});
