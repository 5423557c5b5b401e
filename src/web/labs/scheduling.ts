import type { Lab } from './types.js';

function share(c: Parameters<NonNullable<Lab['steps'][number]['check']>['test']>[0], role: string): number {
  return c.guest(role)?.stats?.hostShare ?? 0;
}

export const scheduling: Lab = {
  name: 'scheduling',
  title: 'Scheduling: shares, and idle guests',
  technique: 'VM scheduling (weighted round robin; idle VMs block)',
  aims: 'Guests on one host CPU share it by weight; a guest waiting for an interrupt (WFI) costs nothing. Two spinners and an idle guest on one host CPU.',
  params: { workers: '1' },
  steps: [
    {
      title: 'Two spinners and an idle guest on one host CPU',
      text: 'Both spinners never wait; idle sleeps in WFI between timer ticks (one a second).',
      action: {
        label: 'Launch spinner, spinner and idle',
        run: async (c) => {
          await c.launch('a', 'spinner');
          await c.launch('b', 'spinner');
          await c.launch('idle', 'idle');
        },
      },
      check: { label: 'the spinners share the CPU about evenly', test: (c) => share(c, 'a') > 0.25 && share(c, 'b') > 0.25 && Math.abs(share(c, 'a') - share(c, 'b')) < 0.2 },
    },
    {
      title: 'Give one spinner four times the share',
      text: 'Weight ×4 for the first spinner: it gets four turns for each of the other\'s. Watch "host CPU share".',
      action: {
        label: 'Set weight ×4 on the first spinner',
        run: async (c) => {
          await c.controller.setWeight(c.guest('a')!.id, 4);
          c.app.select(String(c.guest('a')!.id));
        },
      },
      look: (c) => document.querySelector(`[data-testid="metric-share-${c.guest('a')?.id}"]`),
      check: { label: 'the first spinner gets over 2.5× the second\'s share', test: (c) => share(c, 'a') > 2.5 * share(c, 'b') && share(c, 'b') > 0 },
    },
    {
      title: 'An idle guest costs nothing',
      text: 'idle wakes once a second and sleeps in WFI (one wfi exit each time): the host CPU does not run it at all in between.',
      action: { label: 'Show idle', run: (c) => c.app.select(String(c.guest('idle')!.id)) },
      look: (c) => document.querySelector(`[data-testid="metric-share-${c.guest('idle')?.id}"]`),
      check: { label: 'idle ticks with under 2 % of the host CPU', test: (c) => /tick [2-9]/.test(c.text('idle')) && share(c, 'idle') < 0.02 && c.exits('idle', 'wfi') > 0 },
    },
  ],
  questions: ['What are the two spinners\' shares with weights 4 and 1? Why not exactly 80 % and 20 %?', 'Why does idle not need a share at all?'],
};
