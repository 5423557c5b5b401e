// Linux 6.1 (guests/linux) boots on the real core in kernel mode to a BusyBox root shell, powers
// off, reboots and panics as it should. (The shell's commands: linux-shell.test.ts; containers:
// linux-containers.test.ts.)

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, KernelError } from '../src/index.js';
import { launchGuest } from '../src/testing/index.js';

const image = new URL('../guests/bin/linux-rv32imac.Image', import.meta.url).pathname;
/** The shell's prompt: user@hostname:directory# */
const PROMPT = /root@minivisor:\/# /;

describe('Linux', () => {
  it('boots to a root shell, runs commands and powers off', async () => {
    await using linux = await launchGuest(image, { mode: 'kernel', ram: '64M', timeout: 30_000 });
    await linux.console.waitFor(/Run \/init as init process/);
    await linux.console.waitFor(/minivisor Linux: Linux 6\.1\.\d+ \(riscv32\), BusyBox 1\.\d+\.\d+, musl 1\.\d+\.\d+/);
    await linux.console.waitFor(PROMPT);
    linux.type('uname -a\n');
    await linux.console.waitFor(/Linux minivisor 6\.1\.\d+ #1 .* riscv32 GNU\/Linux/);
    linux.type('cat /proc/cpuinfo\n');
    await linux.console.waitFor(/isa\s+: rv32imac/);
    await linux.console.waitFor(/mmu\s+: sv32/);
    linux.type('nosuchcommand\n');
    await linux.console.waitFor('sh: nosuchcommand: not found');
    linux.type('poweroff\n');
    await linux.console.waitFor('The system is going down NOW!');
    await linux.console.waitFor('reboot: Power down');
    expect(await linux.exit({ timeout: 30_000 })).toBe(0);
    const exits = linux.stats().exits;
    expect(exits.find((e) => e.name === 'sbi:srst.system_reset')?.count).toBe(1);
    expect(exits.find((e) => e.name === 'sbi:time.set_timer')?.count).toBeGreaterThan(0);
  }, 90_000);

  it('reboots: `reboot` restarts the kernel, which comes back to the shell', async () => {
    await using linux = await launchGuest(image, { mode: 'kernel', ram: '64M', timeout: 30_000 });
    await linux.console.waitFor(PROMPT);
    linux.type('echo before > /tmp/mark; reboot\n');
    await linux.console.waitFor('reboot: Restarting system');
    await linux.console.waitFor(/Linux version 6\.1\.\d+/);
    await linux.console.waitFor(PROMPT);
    // a fresh boot: the initramfs again, /tmp empty
    linux.type('cat /tmp/mark || echo "gone-$((6*7))"\n');
    await linux.console.waitFor('gone-42');
    expect(linux.stats().state).not.toBe('halted');
  }, 90_000);

  it('boots with 32 MiB of RAM', async () => {
    await using linux = await launchGuest(image, { mode: 'kernel', ram: '32M', timeout: 30_000 });
    await linux.console.waitFor(PROMPT);
    linux.type("free | awk '/Mem:/ { print \"total-kb=\" $2 }'\n");
    const m = await linux.console.waitFor(/total-kb=(\d+)/);
    expect(Number(m[1])).toBeGreaterThan(16 * 1024);
    expect(Number(m[1])).toBeLessThan(32 * 1024);
  }, 60_000);

  it('halts with the reason when the kernel panics (pvpanic), its message on the console', async () => {
    await using linux = await launchGuest(image, { mode: 'kernel', ram: '32M', timeout: 30_000 });
    await linux.console.waitFor(PROMPT);
    linux.type('panic\n');
    await linux.console.waitFor(/Kernel panic - not syncing: sysrq triggered crash/);
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
