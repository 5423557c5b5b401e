// minios (guests/minios) on the real core in kernel mode: the hypervisor is its SBI firmware.
// The shell is driven command by command, waiting for its prompt, in deterministic time.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Hypervisor, StopReason, type Guest } from '../src/index.js';
import { guestPath } from './helpers/guests.js';

const PROMPT = 'minios$ ';

class Session {
  output = '';
  stop: StopReason = StopReason.Budget;

  constructor(readonly guest: Guest) {}

  /** Runs until `text` appears after `from` (or the budget runs out); returns what came after `from`. */
  until(text: string, from = this.output.length, budget = 400_000_000): string {
    let spent = 0;
    while (!this.output.includes(text, from) && spent < budget && this.stop !== StopReason.Halted) {
      this.stop = this.guest.run(2_000_000);
      spent += this.guest.lastRunCount;
      this.output += Buffer.from(this.guest.readConsole()).toString('latin1');
    }
    return this.output.slice(from);
  }

  /** Types a command at the prompt and returns its output up to the next prompt. */
  command(line: string): string {
    this.until(PROMPT);
    const from = this.output.length;
    this.guest.writeConsole(`${line}\n`);
    return this.until(PROMPT, from);
  }
}

async function boot(bootargs = ''): Promise<Session> {
  const hv = await Hypervisor.create();
  const guest = hv.createGuest({ ramBytes: 4 << 20, deterministic: true });
  guest.bootKernel(readFileSync(guestPath('minios.elf')), { bootargs });
  return new Session(guest);
}

describe('minios', () => {
  it('boots with paging and starts three user processes', async () => {
    const s = await boot();
    const banner = s.until(PROMPT);
    expect(banner).toContain('minios: booting (console=sbi');
    expect(banner).toContain('Sv32 paging on');
    expect(banner).toContain('minios: started 3 processes');
    const ps = s.command('ps');
    expect(ps).toMatch(/1 counter/);
    expect(ps).toMatch(/2 spinner/);
    expect(ps).toMatch(/3 shell\s+running/);
  });

  it('preempts: the counter and the spinner make progress while the shell waits', async () => {
    const s = await boot();
    s.until(PROMPT);
    const from = s.output.length;
    s.until('[counter 1] 3', from);
    expect(s.output.slice(from)).toMatch(/\[counter 1\] 3/);
    s.until('[spinner 2]', from);
    expect(s.output.slice(from)).toContain('[spinner 2]');
  });

  it('kills a process that writes into the kernel, and the others keep going', async () => {
    const s = await boot();
    const out = s.command('evil');
    expect(out).toMatch(/minios: killed pid \d+ \(evil\): store page fault at 0x80001000 \(scause 15/);
    const priv = s.command('evil priv');
    expect(priv).toMatch(/killed pid \d+ \(evil\): illegal instruction .* \(scause 2\)/);
    // Everyone else is still alive and scheduled.
    const ps = s.command('ps');
    expect(ps).toMatch(/1 counter/);
    expect(ps).toMatch(/2 spinner/);
    expect(ps).not.toMatch(/evil\s+(running|ready)/);
    const counter = /\[counter 1\] (\d+)/g;
    const last = (text: string): number => Math.max(-1, ...[...text.matchAll(counter)].map((m) => Number(m[1])));
    const before = last(s.output);
    const from = s.output.length;
    s.until('[counter 1]', from);
    expect(last(s.output.slice(from))).toBeGreaterThan(before);
  });

  it('drives its console through SBI calls or the UART registers, and the exits show it', async () => {
    const sbi = await boot('console=sbi');
    sbi.command('bench');
    const uart = await boot('console=uart');
    const uartOut = uart.command('bench');
    expect(uartOut).toMatch(/printed 12000 bytes in \d+ us via uart/);
    const count = (g: Guest, name: string): number => g.exits().find((e) => e.name === name)?.count ?? 0;
    expect(count(sbi.guest, 'sbi:dbcn.console_write')).toBeGreaterThan(200);
    expect(count(sbi.guest, 'mmio:uart:write')).toBeLessThan(100);
    expect(count(uart.guest, 'mmio:uart:write')).toBeGreaterThan(12_000);
    expect(count(uart.guest, 'sbi:dbcn.console_write')).toBe(0);
  });

  it('prints a process table and powers off through SBI SRST', async () => {
    const s = await boot();
    s.command('ps');
    s.guest.writeConsole('poweroff\n');
    s.until('never printed');
    expect(s.stop).toBe(StopReason.Halted);
    expect(s.guest.exitCode).toBe(0);
    expect(s.guest.exits().find((e) => e.name === 'sbi:srst.system_reset')?.count).toBe(1);
  });
});
