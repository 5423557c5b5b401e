import type { Lab } from './types.js';

export const hosted: Lab = {
  name: 'hosted',
  title: 'A hosted hypervisor, and emulation',
  technique: 'hosted (type-2) hypervisor; CPU emulation',
  aims:
    'Name the three layers on this page. The host is your computer: its operating system runs the browser, and each Web Worker of this page is a host CPU. The hypervisor (minivisor, WebAssembly) is an ordinary program on that host: a hosted, type-2 hypervisor. The guests are RISC-V programs and kernels; their CPU does not exist, it is emulated instruction by instruction.',
  steps: [
    {
      title: 'Boot a guest',
      text: 'Launch hello: a bare-metal RISC-V program that prints two lines on its UART and powers off through the test device.',
      action: { label: 'Launch hello', run: async (c) => void (await c.launch('hello', 'hello')) },
      look: (c) => document.querySelector(`[data-testid="console-${c.guest('hello')?.id}"]`),
      check: { label: 'hello printed and powered off', test: (c) => c.guest('hello')?.state === 'halted' && c.text('hello').trim().length > 0 },
    },
    {
      title: 'The host: CPUs and memory',
      text: 'The host view shows each host CPU (a Web Worker) and its WebAssembly memory, with each guest\'s region drawn to scale. The hypervisor lives in that memory too; a guest can reach only its own band.',
      action: { label: 'Show the host view', run: (c) => c.app.select('host') },
      look: () => document.querySelector('[data-testid="host-view"]'),
      check: { label: 'the host view is on screen', test: (c) => c.app.selectedKey === 'host' && (c.model.workers.length ?? 0) > 0 },
    },
    {
      title: 'Emulation: instructions per second',
      text: 'Launch bench, a CPU benchmark. Every RISC-V instruction it runs is decoded and executed by the WebAssembly interpreter on the host\'s CPU: watch "guest MIPS" (millions of guest instructions per second) — compare it with your CPU\'s few thousand MIPS.',
      action: { label: 'Launch bench', run: async (c) => void (await c.launch('bench', 'bench')) },
      look: (c) => document.querySelector(`[data-testid="metric-mips-${c.guest('bench')?.id}"]`),
      check: { label: 'bench has run 50 million instructions', test: (c) => (c.guest('bench')?.stats?.instructions ?? 0) > 50e6 },
    },
  ],
  questions: [
    'Which program is the host\'s operating system scheduling when a guest runs? (the browser\'s worker thread)',
    'Why is a hosted hypervisor slower than a bare-metal (type-1) one? What does emulation add on top?',
    'bench runs at N MIPS here; how many instructions per guest instruction does the host execute, roughly?',
  ],
};
