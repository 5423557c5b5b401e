// minios (guests/minios) on the real core in kernel mode: the hypervisor is its SBI firmware.
// Written with minivisor/testing, driving the shell command by command in deterministic time.

import { describe, expect, it } from 'vitest';
import { launchGuest, type TestGuest } from '../src/testing/index.js';

const image = new URL('../guests/bin/minios.elf', import.meta.url);
const PROMPT = 'minios$ ';

function launch(bootargs = ''): Promise<TestGuest> {
  return launchGuest(image, { mode: 'kernel', ram: '4M', bootargs, deterministic: true, timeout: 30_000 });
}

/** Boots and waits for the shell's first prompt. */
async function boot(bootargs = ''): Promise<TestGuest> {
  const os = await launch(bootargs);
  await os.console.waitFor(PROMPT);
  return os;
}

/** Types a command at the prompt (already shown) and returns what it printed up to the next one. */
async function command(guest: TestGuest, line: string): Promise<string> {
  const from = guest.console.text().length;
  guest.type(`${line}\n`);
  await guest.console.waitFor(PROMPT);
  return guest.console.text().slice(from);
}

const count = (guest: TestGuest, name: string): number => guest.stats().exits.find((e) => e.name === name)?.count ?? 0;

describe('minios', () => {
  it('boots with paging and starts three user processes', async () => {
    await using os = await launch();
    await os.console.waitFor('minios: booting (console=sbi');
    await os.console.waitFor('Sv32 paging on');
    await os.console.waitFor('minios: started 3 processes');
    await os.console.waitFor(PROMPT);
    const ps = await command(os, 'ps');
    expect(ps).toMatch(/1 counter/);
    expect(ps).toMatch(/2 spinner/);
    expect(ps).toMatch(/3 shell\s+running/);
  });

  it('preempts: the counter and the spinner make progress while the shell waits', async () => {
    await using os = await boot();
    await os.console.waitFor('[counter 1]');
    await os.console.waitFor('[spinner 2]');
  });

  it('kills a process that writes into the kernel, and the others keep going', async () => {
    await using os = await boot();
    expect(await command(os, 'evil')).toMatch(/minios: killed pid \d+ \(evil\): store page fault at 0x80001000 \(scause 15/);
    expect(await command(os, 'evil priv')).toMatch(/killed pid \d+ \(evil\): illegal instruction .* \(scause 2\)/);
    const ps = await command(os, 'ps');
    expect(ps).toMatch(/1 counter/);
    expect(ps).toMatch(/2 spinner/);
    expect(ps).not.toMatch(/evil\s+(running|ready)/);
    // The counter still counts.
    await os.console.waitFor('[counter 1]');
  });

  it('drives its console through SBI calls or the UART registers, and the exits show it', async () => {
    await using sbi = await boot('console=sbi');
    await command(sbi, 'bench');
    await using uart = await boot('console=uart');
    expect(await command(uart, 'bench')).toMatch(/printed 12000 bytes in \d+ us via uart/);
    expect(count(sbi, 'sbi:dbcn.console_write')).toBeGreaterThan(200);
    expect(count(sbi, 'mmio:uart:write')).toBeLessThan(100);
    expect(count(uart, 'mmio:uart:write')).toBeGreaterThan(12_000);
    expect(count(uart, 'sbi:dbcn.console_write')).toBe(0);
  });

  it('prints a process table and powers off through SBI SRST', async () => {
    await using os = await boot();
    expect(await command(os, 'ps')).toContain('PID NAME');
    os.type('poweroff\n');
    expect(await os.exit()).toBe(0);
    expect(count(os, 'sbi:srst.system_reset')).toBe(1);
  });
});
