import type { Lab } from './types.js';

export const fullVirt: Lab = {
  name: 'full-virt',
  title: 'Full virtualization: trap and emulate',
  technique: 'full virtualization (trap-and-emulate)',
  aims:
    'An unmodified guest drives hardware that is not there. echo was written for a real ns16550a UART and runs unchanged on QEMU; here each of its device-register accesses and privileged instructions traps into the hypervisor, which emulates it. Count the exits per key, then watch one exit happen.',
  steps: [
    {
      title: 'Launch an unmodified guest',
      text: 'echo waits for keys with WFI, takes the UART interrupt through the PLIC, and answers each line.',
      action: { label: 'Launch echo', run: async (c) => void (await c.launch('echo', 'echo')) },
      check: { label: 'echo is up and waiting', test: (c) => c.text('echo').includes('>') },
    },
    {
      title: 'Count from now',
      text: 'Press Mark above the exit table: from now on it shows only the exits that happen after the mark (Δ), in a fixed order.',
      action: { label: 'Mark the exit counters', run: (c) => c.app.panels.get(c.guest('echo')!.id)?.stats.setMark() },
      look: (c) => document.querySelector(`[data-testid="exits-${c.guest('echo')?.id}"]`),
      check: { label: 'the table counts from the mark', test: (c) => c.app.panels.get(c.guest('echo')?.id ?? -1)?.stats.markAgeMs !== undefined },
    },
    {
      title: 'Type a line: every byte is several exits',
      text: 'Typing "hi" and Enter: for each byte echo reads LSR and RBR (mmio:uart:read), writes THR (mmio:uart:write), claims and completes the interrupt at the PLIC; WFI and MRET trap too. Hover a row for what it means.',
      action: { label: 'Type "hi⏎" into echo', run: (c) => c.type('echo', 'hi\r') },
      look: (c) => document.querySelector(`[data-testid="exits-${c.guest('echo')?.id}"]`),
      check: {
        label: 'echo answered and the table shows UART exits since the mark',
        test: (c) => c.text('echo').includes('echo: hi') && (c.app.panels.get(c.guest('echo')!.id)?.stats.deltas()['mmio:uart:write'] ?? 0) >= 3,
      },
    },
    {
      title: 'Watch one exit happen',
      text: 'Open Machine, set a breakpoint on the exit mmio:uart:read and continue: the hypervisor stops the guest right after its next UART read; the trace shows the reason and the PC of the instruction that trapped. Type a key to make it happen.',
      action: {
        label: 'Break on the next UART read',
        run: async (c) => {
          c.app.select(String(c.guest('echo')!.id));
          const m = c.machine('echo')!;
          m.toggle(true);
          m.clearBreakpoints();
          m.addExit('mmio:uart:read');
          const done = m.continue(30_000);
          await new Promise((r) => setTimeout(r, 200));
          await c.type('echo', 'x');
          await done;
          m.clearBreakpoints();
        },
      },
      look: (c) => c.machine('echo')?.element,
      check: { label: 'stopped right after an mmio:uart:read exit', test: (c) => c.machine('echo')?.lastRun?.exit === 'mmio:uart:read' },
    },
  ],
  questions: [
    'How many exits did one typed byte cost? Which of them would a paravirtualized driver avoid?',
    'Why must MRET and WFI trap, but an ADD need not?',
    'In the trace, the PC of the exit is an lbu or lw: find it in the disassembly.',
  ],
};
