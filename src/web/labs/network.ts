/**
 * The network lab: two Linux guests on the hypervisor's switch, on two host CPUs. They ping
 * each other; one click moves one to another segment and the ping fails (the network side of
 * isolation); moved back, it works again. Every check reads the guests' own consoles.
 */
import type { Lab, LabContext } from './types.js';

const PROMPT = 'root@minivisor:';

/** Waits (at most `ms`) until the role's console shows its shell prompt. */
async function prompt(c: LabContext, role: string, ms = 90_000): Promise<void> {
  const end = performance.now() + ms;
  while (!c.text(role).includes(PROMPT)) {
    if (performance.now() > end) throw new Error(`${role} has not reached its shell prompt`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function moveAndShow(c: LabContext, segment: string): void {
  const b = c.guest('b');
  if (!b) throw new Error('launch the guests first');
  c.controller.network.setSegment(b.id, segment);
  c.app.select('network');
}

export const network: Lab = {
  name: 'network',
  title: 'Network isolation: a switch with segments',
  technique: 'virtual networking (a virtual switch and VLAN-like segments)',
  aims:
    'The hypervisor also builds the network between its VMs: each guest\'s virtio-net card is a port of a switch it runs, and segments decide who can reach whom. Two Linux guests, each on its own host CPU, get addresses from the hypervisor and ping each other; then one moves to another segment.',
  params: { workers: '2' },
  steps: [
    {
      title: 'Two Linux guests on segment lan',
      text: 'Each boots with its address on its kernel command line (ip=10.0.0.N, from its card\'s MAC): no DHCP needed. The Network view lists their ports.',
      action: {
        label: 'Launch two Linux guests on lan',
        run: async (c) => {
          await c.launch('a', 'linux', { net: 'lan' });
          await c.launch('b', 'linux', { net: 'lan' });
          c.app.select('network');
        },
      },
      look: () => document.querySelector('[data-testid="network-view"]'),
      check: {
        label: 'both at their prompt, both ports on lan',
        test: (c) => ['a', 'b'].every((r) => c.text(r).includes(PROMPT)) && c.controller.network.ports().filter((p) => p.segment === 'lan').length === 2,
      },
    },
    {
      title: 'Ping across the switch',
      text: 'The first guest pings 10.0.0.2: an ARP broadcast finds the second one\'s MAC, then ICMP echo requests and replies cross the switch. Click a port in the Network view to see its packets.',
      action: {
        label: 'ping -c 3 10.0.0.2',
        run: async (c) => {
          await prompt(c, 'a');
          await prompt(c, 'b');
          c.app.select(String(c.guest('a')!.id));
          await c.type('a', 'ping -c 3 10.0.0.2\r');
        },
      },
      check: { label: '3 packets transmitted, 3 received', test: (c) => c.text('a').includes('3 packets transmitted, 3 packets received') },
    },
    {
      title: 'Move the second guest to segment red',
      text: 'One click on "→ red" in the Network view does this. The switch forgets what it learned about that port; frames of lan, broadcasts included, never reach red. The guests themselves change nothing.',
      action: {
        label: 'Move it to red and ping again',
        run: async (c) => {
          moveAndShow(c, 'red');
          await c.type('a', 'ping -c 2 -W 1 10.0.0.2\r');
        },
      },
      look: () => document.querySelector('[data-testid="net-segment-red"]'),
      check: { label: 'the ping gets no answer', test: (c) => c.text('a').includes('2 packets transmitted, 0 packets received') },
    },
    {
      title: 'Move it back',
      text: 'Back on lan, the next ping goes through again: isolation here is the switch\'s decision, not the guests\'.',
      action: {
        label: 'Move it to lan and ping again',
        run: async (c) => {
          moveAndShow(c, 'lan');
          await c.type('a', 'ping -c 4 10.0.0.2\r');
        },
      },
      check: { label: '4 packets transmitted, 4 received', test: (c) => c.text('a').includes('4 packets transmitted, 4 packets received') },
    },
  ],
  questions: [
    'The first ping of a run sends an ARP request to ff:ff:ff:ff:ff:ff: which ports does the switch give it to, and why not the ports on red?',
    'Both guests keep the same address on either segment. What would a real network need to let them talk across segments?',
    'The two guests run on two host CPUs: which thread carries a frame from one to the other?',
  ],
};
