// Differential testing: every guest and every ISA test runs on minivisor and on QEMU's virt
// board (the reference), with the same input; console output and exit status must match.
// Runs whenever qemu-system-riscv32 is installed (CI installs it).

import { describe, expect, it } from 'vitest';
import { hasQemu, runOnCore, runOnQemu } from './helpers/guests.js';

interface Case {
  elf: string;
  input?: string;
  /** Lines that legitimately differ between emulators (e.g. a count read from minstret). */
  ignore?: RegExp;
}

const cases: Case[] = [
  { elf: 'hello.elf' },
  { elf: 'echo.elf', input: 'hello world\nsecond line\nexit\n' },
  { elf: 'bench.elf', ignore: /^instructions: / },
  { elf: 'bench-ima.elf', ignore: /^instructions: / },
  { elf: 'bench-paged.elf', ignore: /^instructions: / },
  ...['base', 'm', 'a', 'c', 'csr', 'traps', 'interrupts', 'wfi', 'devices', 'fencei', 'priv-deleg', 'priv-vm', 'priv-int', 'priv-traps', 'triggers', 'isolation'].map((g) => ({ elf: `isa-${g}.elf` })),
];

const normalise = (text: string, ignore?: RegExp): string =>
  text
    .replace(/\r\n/g, '\n')
    .split('\n')
    .filter((line) => !ignore || !ignore.test(line))
    .join('\n');

describe.runIf(hasQemu)('minivisor matches qemu-system-riscv32 -M virt', () => {
  for (const c of cases) {
    it(c.elf, async () => {
      const [mine, ref] = await Promise.all([runOnCore(c.elf, { input: c.input }), runOnQemu(c.elf, { input: c.input })]);
      expect(normalise(mine.output, c.ignore)).toBe(normalise(ref.output, c.ignore));
      expect(mine.exitCode).toBe(ref.exitCode);
    });
  }
});

describe('the differential test can run', () => {
  it('reports whether QEMU is here', () => {
    // Not a skip in disguise: this prints which way the run went, for the CI log.
    console.log(hasQemu ? 'qemu-system-riscv32 found: differential tests ran' : 'qemu-system-riscv32 not installed: differential tests not run');
    expect(typeof hasQemu).toBe('boolean');
  });
});
