/**
 * What every VM-exit reason of {@link EXIT_NAMES} means, in plain words, and which virtualization
 * technique it belongs to: the one place the page's tooltips, its glossary and the labs read from.
 *
 * A VM exit is the moment the guest stops running its own instructions and the hypervisor takes
 * over to do something on its behalf (emulate a device register, a privileged instruction, a
 * hypercall; fill a TLB entry; deliver a trap). On hardware each one costs the guest hundreds to
 * thousands of cycles, which is why the count matters.
 */
import { EXCEPTION_NAMES, EXIT_NAMES, INTERRUPT_NAMES } from './exits.js';

export type Technique =
  | 'device emulation'
  | 'trap-and-emulate'
  | 'paravirtualization'
  | 'memory virtualization'
  | 'trap delivery'
  | 'interrupt injection'
  | 'paravirtual device (virtio)'
  | 'unused';

/** The techniques, explained once (the glossary's headings). */
export const TECHNIQUES: Readonly<Record<Technique, string>> = {
  'device emulation':
    'Full virtualization of devices: the guest drives a device (UART, timer, interrupt controller) register by register as on real hardware; each register access traps into the hypervisor, which emulates the device in software.',
  'trap-and-emulate':
    'Full virtualization of the CPU: a privileged instruction (a CSR access, mret, sret, wfi, sfence.vma) cannot be left to the guest; it traps into the hypervisor, which emulates its effect on the guest\'s virtual CPU and resumes it.',
  paravirtualization:
    'The guest knows it runs on a hypervisor and asks it for a service directly with a hypercall (an ECALL to the SBI): one exit carries a whole request, e.g. a buffer of console text, instead of one exit per device register.',
  'memory virtualization':
    'Address translation: minivisor keeps a software TLB of guest pages mapped to host memory; a miss walks the guest\'s page table (or checks the physical page) in the hypervisor and fills an entry.',
  'trap delivery':
    'An exception raised by the guest (a fault, an ECALL from user mode, an illegal instruction) traps into the hypervisor first, which counts it and then injects it into the guest\'s own trap handler (its mtvec or stvec): the guest handles it, the hypervisor only delivers it.',
  'interrupt injection':
    'A virtual interrupt (timer, software, external from the PLIC) that the hypervisor delivers to the guest when its emulated devices raise it.',
  'paravirtual device (virtio)':
    'virtio: a device designed for virtual machines. The guest puts whole buffers in shared queues and notifies the device once for many of them.',
  unused: 'No event uses this counter.',
};

export interface ExitExplanation {
  readonly name: string;
  readonly technique: Technique;
  /** one or two plain sentences */
  readonly definition: string;
}

const DEVICE: Record<string, string> = {
  uart: 'the UART (ns16550a serial port: the guest\'s console)',
  clint: 'the CLINT (timer and software interrupts: mtime, mtimecmp, msip)',
  plic: 'the PLIC (the interrupt controller: claim and complete, priorities, enables)',
  test: 'the SiFive test device (power off, reset)',
  virtio: 'a virtio-mmio slot (the network card\'s registers)',
};

const CSR_GROUP: Record<string, string> = {
  machine: 'a machine-mode CSR (mstatus, mtvec, mepc, mcause, mie, mip, medeleg, ...): M-mode trap setup and handling',
  supervisor: 'a supervisor CSR (sstatus, stvec, sepc, scause, stval, sie, sip, sscratch): what a kernel touches on every trap entry and exit',
  satp: 'satp, the page-table root: a kernel switching address spaces',
  counters: 'a counter CSR (cycle, time, instret): the guest reading a clock, which the hypervisor must virtualize',
  pmp: 'a physical memory protection CSR (pmpcfg, pmpaddr)',
  other: 'another CSR (debug triggers, unknown ones)',
};

const EXCEPTION_TEXT: Record<string, string> = {
  instruction_misaligned: 'a jump to an address not aligned to an instruction',
  instruction_access_fault: 'fetching an instruction from an address that is not RAM (a jump into a device or a hole)',
  illegal_instruction: 'an instruction the guest may not run at its privilege level, or that does not exist',
  breakpoint: 'an EBREAK or a debug trigger',
  load_misaligned: 'a misaligned load the hardware does not do',
  load_access_fault: 'a load from an address with no RAM or device of this guest behind it',
  store_misaligned: 'a misaligned store the hardware does not do',
  store_access_fault: 'a store to an address with no RAM or device of this guest behind it',
  ecall_from_u: 'a system call: ECALL from user mode, for the guest\'s own kernel',
  ecall_from_s: 'ECALL from supervisor mode delegated to the guest (an SBI call handled by the hypervisor is counted as sbi:*)',
  ecall_from_m: 'ECALL from machine mode',
  instruction_page_fault: 'fetching from a virtual page that is not mapped executable in the guest\'s page table',
  load_page_fault: 'a load from a virtual page that is not mapped readable (a user touching kernel memory, a null pointer)',
  store_page_fault: 'a store to a virtual page that is not mapped writable (a user writing into the kernel, copy-on-write)',
};

const INTERRUPT_TEXT: Record<string, string> = {
  supervisor_software: 'a supervisor software interrupt (an IPI to the kernel)',
  machine_software: 'a machine software interrupt (msip)',
  supervisor_timer: 'the kernel\'s timer interrupt (set with the SBI TIME hypercall): a scheduler tick',
  machine_timer: 'the machine timer interrupt (mtime reached mtimecmp)',
  supervisor_external: 'an external interrupt for the kernel, from the PLIC (a key on the UART, a packet)',
  machine_external: 'an external interrupt for M-mode, from the PLIC (a key on the UART)',
};

const SBI_TEXT: Record<string, string> = {
  'time.set_timer': 'arm the next timer interrupt (the kernel\'s tick)',
  'dbcn.console_write': 'write a whole buffer to the console in one call',
  'dbcn.console_read': 'read what was typed, without waiting (polled)',
  'dbcn.console_write_byte': 'write one byte to the console',
  'legacy.console_putchar': 'write one byte to the console (SBI 0.1)',
  'legacy.console_getchar': 'read one byte from the console (SBI 0.1)',
  'legacy.set_timer': 'arm the next timer interrupt (SBI 0.1)',
  'srst.system_reset': 'power off or reboot',
  'ipi.send_ipi': 'interrupt other harts',
  'base.probe_extension': 'ask whether the hypervisor offers an SBI extension',
  other: 'an SBI call the hypervisor does not offer (answered "not supported")',
};

const VNET_TEXT: Record<string, string> = {
  'notify:rx': 'the driver told the card that receive buffers are ready',
  'notify:tx': 'the driver told the card that frames wait to be sent',
  config: 'the driver read the card\'s configuration (its MAC address)',
  interrupt: 'the card raised its interrupt (frames received or sent)',
  'needs-reset': 'the driver gave the card a malformed queue; the card stopped (DEVICE_NEEDS_RESET) instead of touching memory outside the guest',
};

function build(name: string): ExitExplanation {
  const [group, a, b] = name.split(':');
  const e = (technique: Technique, definition: string): ExitExplanation => ({ name, technique, definition });
  if (group === 'mmio' && a === 'unmapped') return e('device emulation', 'The guest accessed a physical address with no RAM and no device behind it: the hypervisor finds nothing there and injects an access fault into the guest.');
  if (group === 'mmio' && a === 'pvpanic') return e('paravirtualization', 'The guest\'s kernel reported a panic through the pvpanic device, a device made for virtual machines.');
  if (group === 'mmio' && a !== undefined && b !== undefined) {
    return e('device emulation', `The guest ${b === 'read' ? 'read' : 'wrote'} a register of ${DEVICE[a] ?? a}; the access trapped and the hypervisor emulated the device.`);
  }
  if (group === 'csr' && a !== undefined) return e('trap-and-emulate', `The guest read or wrote ${CSR_GROUP[a] ?? a}; the instruction trapped and the hypervisor emulated it on the virtual CPU.`);
  if (name === 'mret' || name === 'sret') return e('trap-and-emulate', `The guest returned from a trap handler (${name.toUpperCase()}): a privileged instruction that changes the privilege level, emulated by the hypervisor.`);
  if (name === 'wfi') return e('trap-and-emulate', 'The guest waits for an interrupt (WFI): the hypervisor puts it to sleep, so an idle guest costs no host CPU.');
  if (name === 'sfence.vma') return e('trap-and-emulate', 'The guest told the CPU that its page tables changed (SFENCE.VMA): the hypervisor flushes its translations.');
  if (name === 'tlb:refill') return e('memory virtualization', 'A miss in minivisor\'s software TLB: the hypervisor walked the guest\'s page table (or checked the physical page) and filled a translation. The TLB is flushed when the privilege level or the address space changes.');
  if (group === 'exception' && a !== undefined) return e('trap delivery', `An exception: ${EXCEPTION_TEXT[a] ?? a}. It traps into the hypervisor, which counts it and injects it into the guest's own trap handler.`);
  if (group === 'interrupt' && a !== undefined) return e('interrupt injection', `${capital(INTERRUPT_TEXT[a] ?? a)}, injected into the guest.`);
  if (group === 'sbi' && a !== undefined) {
    const fn = a.includes('.') ? a.slice(a.indexOf('.') + 1) : a;
    return e('paravirtualization', `A hypercall (SBI ${a}): ${SBI_TEXT[a] ?? fn.replace(/_/g, ' ')}. The kernel asked the hypervisor directly instead of driving hardware.`);
  }
  if (group === 'virtio-net') {
    const key = name.slice('virtio-net:'.length);
    return e('paravirtual device (virtio)', `virtio-net: ${VNET_TEXT[key] ?? key}.`);
  }
  return e('unused', TECHNIQUES.unused);
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

const CACHE = new Map<string, ExitExplanation>();

/** The plain-language definition and technique of an exit name (any name of EXIT_NAMES). */
export function explainExit(name: string): ExitExplanation {
  let x = CACHE.get(name);
  if (!x) CACHE.set(name, (x = build(name)));
  return x;
}

/** Every exit reason in use (reserved slots and unused exception/interrupt codes left out), in table order. */
export function exitGlossary(): ExitExplanation[] {
  return EXIT_NAMES.filter((n) => !n.startsWith('reserved:') && !/^(exception|interrupt):cause_\d+$/.test(n)).map(explainExit);
}

// Keep the cause tables referenced: every named cause must have a text (checked by the unit test).
export const EXPLAINED_CAUSES = { exceptions: EXCEPTION_NAMES.filter((n) => !n.startsWith('cause_')), interrupts: INTERRUPT_NAMES.filter((n) => !n.startsWith('cause_')) };
