import type { Lab } from './types.js';

export const isolation: Lab = {
  name: 'isolation',
  title: 'Isolation: memory, CPU, and a crashed host CPU',
  technique: 'isolation between virtual machines',
  aims:
    'A VM must not reach another\'s memory, must not starve it of CPU, and must not take it down when it fails. escape attacks its memory, spinner never waits, and we kill a host CPU.',
  params: { workers: '2' },
  steps: [
    {
      title: 'Launch an attacker and two bystanders',
      text: 'escape (the attacker), echo (a bystander that answers lines), spinner (a busy loop that never waits). With two host CPUs they are spread over both.',
      action: {
        label: 'Launch escape, echo and spinner',
        run: async (c) => {
          await c.launch('escape', 'escape');
          await c.launch('echo', 'echo');
          await c.launch('spinner', 'spinner');
        },
      },
      check: { label: 'all three running', test: (c) => ['escape', 'echo', 'spinner'].every((r) => c.text(r).length > 0) },
    },
    {
      title: 'Memory: read and write past the guest\'s RAM',
      text: 'Attacks a and b. Each access traps into the hypervisor (see exception:* and mmio:unmapped in escape\'s exit table), which finds nothing of escape\'s there and injects a fault into escape\'s own handler.',
      action: {
        label: 'Fire attacks a and b',
        run: async (c) => {
          c.app.select(String(c.guest('escape')!.id));
          await c.type('escape', 'a');
          await new Promise((r) => setTimeout(r, 1500));
          await c.type('escape', 'b');
        },
      },
      look: (c) => document.querySelector(`[data-testid="exits-${c.guest('escape')?.id}"]`),
      check: { label: 'both faulted inside escape; exits counted', test: (c) => c.text('escape').includes('the fault was delivered to this guest') && c.text('escape').includes('nothing was written') && c.exits('escape', /^exception:(load|store)_access_fault$/) >= 2 },
    },
    {
      title: 'CPU: the spinner cannot starve echo',
      text: 'spinner never sleeps, yet echo answers at once: the scheduler gives each guest turns of 50 000 instructions, and a guest woken by a key runs within a few turns.',
      action: { label: 'Type into echo', run: (c) => c.type('echo', 'still here\r') },
      check: { label: 'echo answered while spinner spins', test: (c) => c.text('echo').includes('echo: still here') && (c.guest('spinner')?.stats?.hostShare ?? 0) > 0.2 },
    },
    {
      title: 'A crashed host CPU',
      text: 'Kill the host CPU that runs spinner, as if that processor failed: its guests turn crashed, the other host CPU\'s guests keep running.',
      action: { label: 'Kill spinner\'s host CPU', run: (c) => c.controller.killWorker(c.guest('spinner')!.cpu) },
      look: () => document.querySelector('[data-testid="host-view"]'),
      check: {
        label: 'spinner crashed; a guest on the other CPU still answers',
        test: (c) => {
          const sp = c.guest('spinner');
          if (sp?.state !== 'crashed') return false;
          const alive = ['echo', 'escape'].filter((r) => c.guest(r)?.state !== 'crashed');
          return alive.length > 0;
        },
      },
    },
  ],
  questions: [
    'escape\'s fault is counted in the exit table and also reaches escape\'s handler: who handles it first?',
    'What would a scheduler without preemption do with spinner?',
    'Why do the guests of the killed host CPU crash, and not the others? What is shared between host CPUs here?',
  ],
};
