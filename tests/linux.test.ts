// Linux 6.1 (guests/linux) boots on the real core in kernel mode and answers at its shell.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, KernelError } from '../src/index.js';
import { launchGuest } from '../src/testing/index.js';

const image = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;

describe('Linux', () => {
  it('boots to a shell, runs commands and powers off', async () => {
    await using linux = await launchGuest(image, { mode: 'kernel', ram: '64M', timeout: 30_000 });
    await linux.console.waitFor('/ # ');
    linux.type('uname -a\n');
    await linux.console.waitFor(/Linux minivisor 6\.1\.\d+ .* riscv32/);
    linux.type('cat /proc/cpuinfo\n');
    await linux.console.waitFor(/isa\s+: rv32imac/);
    await linux.console.waitFor(/mmu\s+: sv32/);
    linux.type('nosuchcommand\n');
    await linux.console.waitFor('sh: nosuchcommand: command not found');
    linux.type('poweroff\n');
    expect(await linux.exit({ timeout: 30_000 })).toBe(0);
    const exits = linux.stats().exits;
    expect(exits.find((e) => e.name === 'sbi:srst.system_reset')?.count).toBe(1);
    expect(exits.find((e) => e.name === 'sbi:time.set_timer')?.count).toBeGreaterThan(0);
  }, 60_000);

  it('halts with the reason when the kernel panics (pvpanic), its message on the console', async () => {
    await using linux = await launchGuest(image, { mode: 'kernel', ram: '32M', timeout: 30_000 });
    await linux.console.waitFor('/ # ');
    linux.type('panic\n');
    await linux.console.waitFor(/Kernel panic - not syncing: Attempted to kill init!/);
    expect(await linux.exit({ timeout: 30_000 })).toBe(1);
    expect(linux.guest.haltReason).toBe('panic');
    expect(linux.stats().exits.find((e) => e.name === 'mmio:pvpanic')?.count).toBeGreaterThan(0);
  }, 60_000);

  it('rejects a truncated image and a file that is no RISC-V kernel', async () => {
    const hv = await Hypervisor.create();
    const g = hv.createGuest({ ramBytes: 64 << 20 });
    const bytes = readFileSync(image);
    expect(() => g.bootKernel(bytes.subarray(0, 40))).toThrow(KernelError);
    expect(() => g.bootKernel(bytes.subarray(0, 100_000))).toThrow(/RISC-V Linux Image truncated/);
    expect(() => g.bootKernel(new Uint8Array(4096).fill(0x90))).toThrow(/not a RISC-V kernel image/);
    g.destroy();
  });
});
