/**
 * The glossary: the words the textbook chapters use, and every VM-exit reason with its plain
 * definition and technique (from src/core/exit-glossary.ts, the one place they are kept).
 */
import { TECHNIQUES, exitGlossary } from '../../core/exit-glossary.js';
import { h } from './dom.js';

export const WORDS: readonly [string, string][] = [
  ['host', 'The real machine: your computer, its operating system and this browser. Here each Web Worker of the page is one host CPU.'],
  ['hypervisor (VMM)', 'The program that runs virtual machines and keeps them apart: minivisor, a WebAssembly module in each worker.'],
  ['hosted (type-2) hypervisor', 'A hypervisor that runs as an ordinary program on a host operating system (VirtualBox, QEMU, minivisor), rather than on the bare hardware (type 1: Xen, ESXi).'],
  ['guest', 'A virtual machine and what runs in it: here a RISC-V program or kernel (echo, minios, Linux) in its own region of memory.'],
  ['emulation', 'Running a CPU in software, instruction by instruction: minivisor interprets RISC-V on whatever CPU your computer has.'],
  ['translation (JIT)', 'Dynamic binary translation: a block of guest code that runs often is translated into a WebAssembly function, which the browser compiles to native code, so it no longer goes through the interpreter one instruction at a time (as QEMU\'s TCG does). It behaves exactly like the interpreter, only faster; a guest\'s own write to translated code drops it. "translated" in a guest\'s numbers is the share of its instructions that ran this way. A page whose Content-Security-Policy lacks \'wasm-unsafe-eval\' may not compile at run time: then everything is interpreted.'],
  ['VM exit', 'The guest stops and the hypervisor runs on its behalf (emulates a device register, a privileged instruction, a hypercall), then resumes it. Counted per reason in each guest\'s exit table.'],
  ['trap-and-emulate', 'How full virtualization runs an unmodified kernel: privileged instructions and device accesses trap to the hypervisor, which emulates them.'],
  ['full virtualization', 'The guest cannot tell it is virtualized: it drives emulated hardware exactly as real hardware.'],
  ['paravirtualization', 'The guest knows it runs on a hypervisor and calls it directly (hypercalls, virtio), avoiding many exits.'],
  ['hypercall', 'A call from a guest kernel into the hypervisor; here an ECALL to the SBI (sbi:* exits).'],
  ['isolation', 'No guest can read or write another\'s memory, starve it of CPU, or bring it down.'],
  ['live migration', 'Moving a running guest to another host CPU: copy its memory while it runs, then the rest while it is paused.'],
  ['container', 'Processes isolated by one shared kernel (namespaces, cgroups), not by a hypervisor: lighter, with a bigger shared attack surface.'],
];

export function glossaryElement(): HTMLElement {
  const byTech = new Map<string, ReturnType<typeof exitGlossary>>();
  for (const x of exitGlossary()) {
    const list = byTech.get(x.technique) ?? [];
    list.push(x);
    byTech.set(x.technique, list);
  }
  return h(
    'div',
    { class: 'glossary', testid: 'glossary' },
    h('h2', {}, 'Words'),
    h('dl', {}, ...WORDS.flatMap(([w, d]) => [h('dt', {}, w), h('dd', {}, d)])),
    h('h2', {}, 'VM exits, by technique'),
    ...[...byTech].map(([tech, list]) =>
      h(
        'section',
        { class: 'glossary-tech' },
        h('h3', {}, tech),
        h('p', { class: 'muted' }, TECHNIQUES[tech as keyof typeof TECHNIQUES]),
        h('dl', {}, ...list.flatMap((x) => [h('dt', { 'data-exit': x.name }, h('code', {}, x.name)), h('dd', {}, x.definition)])),
      ),
    ),
  );
}
