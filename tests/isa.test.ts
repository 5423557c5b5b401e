// The ISA suite (guests/isa) on the real core: each program checks one instruction group and
// exits with its number of failed checks, printing "FAIL n - ..." for each.

import { describe, expect, it } from 'vitest';
import { runOnCore } from './helpers/guests.js';

const groups = ['base', 'm', 'a', 'c', 'csr', 'traps', 'interrupts', 'wfi', 'devices', 'fencei', 'priv-deleg', 'priv-vm', 'priv-int', 'priv-traps', 'triggers', 'isolation'];

describe('ISA suite on minivisor', () => {
  for (const group of groups) {
    it(`isa-${group}`, async () => {
      const run = await runOnCore(`isa-${group}.elf`, { budget: 50_000_000 });
      const failures = run.output.split('\n').filter((l) => l.startsWith('FAIL'));
      expect(failures).toEqual([]);
      expect(run.output).toMatch(/# \d+ passed, 0 failed/);
      expect(run.exitCode).toBe(0);
    });
  }
});
