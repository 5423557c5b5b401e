// The SBI (hypercalls of kernel-mode guests) seen from a guest: guests/sbi-test boots in S-mode
// through Guest.bootKernel, calls every SBI 2.0 function the core implements (assembly/sbi.ts),
// prints `ok N - ...` / `FAIL N - ...` for each check and shuts down through SBI SRST with
// reason 0 (all passed) or 1 (exit status 1). Then the VM-exit counters must show exactly the
// calls the guest made.

import { describe, expect, it } from 'vitest';
import { runOnCore, type GuestRun } from './helpers/guests.js';

/** Checks guests/sbi-test/sbi-test.c makes (ok lines when everything passes). */
const CHECKS = 88;

/** Hypercalls guests/sbi-test makes, per exit-counter name (src/core/exits.ts). */
const SBI_CALLS: Record<string, number> = {
  'sbi:base.get_spec_version': 2, // one check, one in clobber_check (start.S)
  'sbi:base.get_impl_id': 1,
  'sbi:base.get_impl_version': 1,
  'sbi:base.probe_extension': 11, // 8 implemented, 3 unknown
  'sbi:base.get_mvendorid': 1,
  'sbi:base.get_marchid': 1,
  'sbi:base.get_mimpid': 1,
  'sbi:time.set_timer': 4, // 0, far future, now + 1 ms, far future in the interrupt handler
  'sbi:ipi.send_ipi': 5, // 2 valid, 2 invalid, 1 taken as an interrupt
  'sbi:rfence.remote_fence_i': 1,
  'sbi:rfence.remote_sfence_vma': 1,
  'sbi:rfence.remote_sfence_vma_asid': 1,
  'sbi:rfence.remote_hfence_gvma_vmid': 1,
  'sbi:hsm.hart_start': 2,
  'sbi:hsm.hart_stop': 1,
  'sbi:hsm.hart_get_status': 2,
  'sbi:hsm.hart_suspend': 2,
  'sbi:srst.system_reset': 2, // a bad type, then the final shutdown
  'sbi:dbcn.console_write': 4, // 1 valid, 3 invalid
  'sbi:dbcn.console_read': 2,
  'sbi:dbcn.console_write_byte': 1,
  'sbi:legacy.console_putchar': 1,
  'sbi:other': 4, // BASE function 7, extension 0x12345678, TIME function 1, DBCN function 3
};

describe('SBI 2.0 from a kernel-mode guest (guests/sbi-test)', () => {
  let run: GuestRun;

  it('boots in S-mode, passes every check and shuts down with status 0', async () => {
    run = await runOnCore('sbi-test.elf', { kernel: true, bootargs: 'console=hvc0', budget: 50_000_000 });
    const lines = run.output.split('\n');
    expect(lines[0]).toBe('# sbi-test: SBI 2.0 calls from a kernel-mode guest');
    expect(lines.filter((l) => l.startsWith('FAIL'))).toEqual([]);
    expect(lines.filter((l) => l.startsWith('ok ')).length).toBe(CHECKS);
    expect(run.output).toContain(`# ${CHECKS} passed, 0 failed\n`);
    expect(run.exitCode).toBe(0);
  });

  it('prints what the console calls wrote, and nothing from the refused ones', () => {
    expect(run.output).toContain('# console_write: hello from the guest\n');
    expect(run.output).toContain('# console_write_byte: B\n');
    expect(run.output).toContain('# console_putchar: L\n');
    expect(run.output).not.toContain('SHOULD NOT BE PRINTED');
  });

  it('counts every hypercall under its extension and function', () => {
    const sbi = Object.fromEntries(run.exits.filter((e) => e.name.startsWith('sbi:')).map((e) => [e.name, e.count]));
    expect(sbi).toEqual(SBI_CALLS);
  });

  it('counts the interrupts the calls raised', () => {
    const count = (name: string) => run.exits.find((e) => e.name === name)?.count ?? 0;
    expect(count('interrupt:supervisor_timer')).toBe(1);
    expect(count('interrupt:supervisor_software')).toBe(1);
    // ECALLs from S are hypercalls in kernel mode, never exceptions the guest sees
    expect(count('exception:ecall_from_s')).toBe(0);
  });
});
