import { h } from '../ui/dom.js';
import type { Lab, LabContext } from './types.js';

/** BusyBox's prompt in the Linux guest (xterm's text drops its trailing space) */
const PROMPT = 'root@minivisor:/#';
const BOOT_ID = 'cat /proc/sys/kernel/random/boot_id';

function prompts(text: string): number {
  return text.split(PROMPT).length - 1;
}

async function until(test: () => boolean, ms: number, what: string): Promise<void> {
  for (const end = Date.now() + ms; !test(); ) {
    if (Date.now() > end) throw new Error(`${what}: not within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The guest's retired instructions, after two fresh stats (they reach the page 4 times a second). */
async function instructions(c: LabContext, role: string): Promise<number> {
  for (let fresh = 0, seen = c.guest(role)?.stats, end = Date.now() + 5000; fresh < 2 && Date.now() < end; ) {
    await new Promise((r) => setTimeout(r, 50));
    const now = c.guest(role)?.stats;
    if (now !== seen) {
      fresh++;
      seen = now;
    }
  }
  return c.guest(role)?.stats?.instructions ?? 0;
}

/**
 * Types a command into a Linux guest's shell and returns what it printed (between the echoed
 * command and the next prompt), and how long the page waited for it.
 */
async function sh(c: LabContext, role: string, cmd: string, timeout = 30_000): Promise<{ out: string; ms: number }> {
  const before = prompts(c.text(role));
  const t0 = performance.now();
  await c.type(role, `${cmd}\r`);
  await until(() => prompts(c.text(role)) > before, timeout, `\`${cmd}\``);
  const ms = performance.now() - t0;
  const text = c.text(role);
  // after the echoed command line (its output may contain the command's name: ps lists itself)
  const echoed = text.lastIndexOf(`${PROMPT} ${cmd}`);
  const out = text.slice(echoed + PROMPT.length + 1 + cmd.length, text.lastIndexOf(PROMPT)).replace(/\r/g, '').trim();
  return { out, ms };
}

/** Boots a Linux guest for `role`: the page's time from launch to its prompt (ms), and the instructions that took. */
async function bootLinux(c: LabContext, role: string): Promise<{ ms: number; instructions: number }> {
  const t0 = performance.now();
  await c.launch(role, 'linux');
  await until(() => c.text(role).includes(PROMPT), 120_000, `${role}: Linux's prompt`);
  const ms = performance.now() - t0;
  return { ms, instructions: await instructions(c, role) };
}

interface Figures {
  vm1BootMs?: number;
  vm2BootMs?: number;
  /** guest instructions from reset to the prompt (a figure the host's load does not change) */
  vm1BootInstructions?: number;
  startMs?: number;
  /** the VM's instructions while `container run` ran */
  startInstructions?: number;
  started?: string;
  inside?: { hostname: string; ps: string };
  outside?: { hostname: string };
  bootIds?: { vm1: string; container: string; vm2?: string };
  releases?: { vm1: string; container: string };
  vm2Ps?: string;
  memoryUsed?: number;
}

const fig = (c: LabContext): Figures => ((c.data.figures as Figures | undefined) ??= {});

const MiB = 1048576;
const mega = (n: number | undefined) => (n === undefined ? '?' : `${(n / 1e6).toFixed(0)} M`);
const sec = (ms: number | undefined) => (ms === undefined ? '?' : `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`);

function costTable(c: LabContext): Node | undefined {
  const f = fig(c);
  if (f.memoryUsed === undefined) return undefined;
  const ram = c.guest('vm1')?.info.ramBytes ?? 0;
  const row = (what: string, container: string, vm: string) => h('tr', {}, h('td', {}, what), h('td', { class: 'num' }, container), h('td', { class: 'num' }, vm));
  return h(
    'table',
    { class: 'lab-table', testid: 'containers-costs' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'container'), h('th', {}, 'VM'))),
    h(
      'tbody',
      {},
      row('start: guest instructions', mega(f.startInstructions), `${mega(f.vm1BootInstructions)} (boot to prompt)`),
      row('start: time, as the page saw it', sec(f.startMs), `${sec(f.vm1BootMs)}, ${sec(f.vm2BootMs)}`),
      row('memory', `${(f.memoryUsed / 1024).toFixed(0)} KiB used (its cgroup's memory.current)`, `${(ram / MiB).toFixed(0)} MiB of RAM reserved, a kernel in each`),
      row('kernel', 'shared (same boot_id)', 'its own (another boot_id)'),
    ),
  );
}

export const containers: Lab = {
  name: 'containers',
  title: 'Containers versus VMs',
  technique: 'OS-level virtualization (containers) versus hardware virtualization (VMs)',
  aims:
    'A container is a group of processes that one kernel shows a world of its own (namespaces: hostname, PIDs, mounts) and holds to a budget (cgroups: CPU weight, memory). A VM has a kernel of its own on a virtual machine. Start a container inside one Linux VM, check what it sees, boot a second VM beside it, and compare what each costs.',
  params: { workers: '2' },
  steps: [
    {
      title: 'Boot a Linux VM',
      text: 'Linux 6.1 on a virtual RISC-V machine with 64 MiB of RAM: the kernel boots, mounts its root file system and starts a shell. The step times it from launch to the prompt.',
      action: {
        label: 'Launch Linux',
        run: async (c) => {
          const b = await bootLinux(c, 'vm1');
          fig(c).vm1BootMs = b.ms;
          fig(c).vm1BootInstructions = b.instructions;
        },
      },
      check: { label: 'Linux is at its prompt', test: (c) => c.text('vm1').includes(PROMPT) && (fig(c).vm1BootInstructions ?? 0) > 0 },
    },
    {
      title: 'Start a container in it',
      text: '`container run -d web sleep 1000` starts `sleep` in new namespaces (UTS, PID, mount, IPC, network) and its own cgroup. Inside, `hostname` says web and `ps` shows sleep as PID 1; outside, the VM is still minivisor.',
      action: {
        label: 'Run a container, look inside and out',
        run: async (c) => {
          const f = fig(c);
          const i0 = await instructions(c, 'vm1');
          const r = await sh(c, 'vm1', 'container run -d web sleep 1000');
          f.startInstructions = (await instructions(c, 'vm1')) - i0;
          f.started = r.out;
          f.startMs = r.ms;
          f.inside = { hostname: (await sh(c, 'vm1', 'container exec web hostname')).out, ps: (await sh(c, 'vm1', 'container exec web ps')).out };
          f.outside = { hostname: (await sh(c, 'vm1', 'hostname')).out };
        },
      },
      look: (c) => document.querySelector(`[data-testid="console-${c.guest('vm1')?.id}"]`),
      check: {
        label: 'inside: hostname web, sleep is PID 1; outside: minivisor',
        test: (c) => {
          const f = fig(c);
          return /web: started, PID 1 is \d+ here/.test(f.started ?? '') && f.inside?.hostname === 'web' && /^\s*1 root\s+\S+\s+sleep 1000\s*$/m.test(f.inside.ps) && f.outside?.hostname === 'minivisor';
        },
      },
      render: (c) => {
        const f = fig(c);
        return f.inside ? h('pre', { class: 'lab-pre', testid: 'containers-inside' }, `inside web:  hostname → ${f.inside.hostname}\n${f.inside.ps}\noutside:     hostname → ${f.outside?.hostname ?? ''}`) : undefined;
      },
    },
    {
      title: 'One kernel for both',
      text: 'The container has its own names, not its own kernel: `uname -r` and the kernel\'s boot_id (a random id chosen at each boot) are the same inside and out.',
      action: {
        label: 'Compare the kernel inside and out',
        run: async (c) => {
          const f = fig(c);
          f.bootIds = { vm1: (await sh(c, 'vm1', BOOT_ID)).out, container: (await sh(c, 'vm1', `container exec web ${BOOT_ID}`)).out };
          f.releases = { vm1: (await sh(c, 'vm1', 'uname -r')).out, container: (await sh(c, 'vm1', 'container exec web uname -r')).out };
        },
      },
      check: {
        label: 'the same boot_id and release inside the container and in its VM',
        test: (c) => {
          const f = fig(c);
          return !!f.bootIds && /^[0-9a-f-]{36}$/.test(f.bootIds.vm1) && f.bootIds.vm1 === f.bootIds.container && !!f.releases && /^6\.1\./.test(f.releases.vm1) && f.releases.vm1 === f.releases.container;
        },
      },
      render: (c) => {
        const f = fig(c);
        return f.bootIds ? h('pre', { class: 'lab-pre' }, `boot_id  VM ${f.bootIds.vm1}\n         web ${f.bootIds.container}`) : undefined;
      },
    },
    {
      title: 'A second VM is a second kernel',
      text: 'Boot another Linux beside the first, on the other host CPU. Same image, same hostname, but another kernel: another boot_id, and nothing of the first VM\'s processes (the container\'s sleep is not in its ps).',
      action: {
        label: 'Launch a second Linux',
        run: async (c) => {
          const f = fig(c);
          f.vm2BootMs = (await bootLinux(c, 'vm2')).ms;
          const id = (await sh(c, 'vm2', BOOT_ID)).out;
          f.bootIds = { ...f.bootIds!, vm2: id };
          f.vm2Ps = (await sh(c, 'vm2', 'ps')).out;
        },
      },
      check: {
        label: 'another boot_id; the first VM\'s container is not there',
        test: (c) => {
          const f = fig(c);
          return !!f.bootIds?.vm2 && /^[0-9a-f-]{36}$/.test(f.bootIds.vm2) && f.bootIds.vm2 !== f.bootIds.vm1 && !!f.vm2Ps && /PID/.test(f.vm2Ps) && !/sleep 1000/.test(f.vm2Ps);
        },
      },
      render: (c) => {
        const f = fig(c);
        return f.bootIds?.vm2 ? h('pre', { class: 'lab-pre' }, `boot_id  VM 1 ${f.bootIds.vm1}\n         VM 2 ${f.bootIds.vm2}`) : undefined;
      },
    },
    {
      title: 'What each costs',
      text: '`container ls` shows the memory the container\'s cgroup is charged; a VM reserves all of its RAM in the host and boots a whole kernel. Starting is shown in guest instructions (the same however busy the host is) and in seconds as the page saw them (for the VM: loading its image and creating its 64 MiB too). Then the container is stopped.',
      action: {
        label: 'Measure the container, then stop it',
        run: async (c) => {
          const ls = (await sh(c, 'vm1', 'container ls')).out;
          const m = /^web\s+\d+\s+\S+\s+\S+\s+(\d+)\s/m.exec(ls);
          if (!m) throw new Error(`no line for web in \`container ls\`:\n${ls}`);
          fig(c).memoryUsed = Number(m[1]);
          await sh(c, 'vm1', 'container stop web');
        },
      },
      check: {
        label: 'the container is charged a small fraction of a VM\'s memory; both starts measured',
        test: (c) => {
          const f = fig(c);
          const ram = c.guest('vm1')?.info.ramBytes ?? 0;
          // Memory is where a container wins by far. Starting is shown, not judged: this Linux was
          // trimmed to boot in a few tens of millions of instructions, about what the container
          // script's forks, mounts and execs take (a distribution's kernel and init take far more).
          return f.memoryUsed !== undefined && f.memoryUsed > 0 && f.memoryUsed * 16 < ram && (f.startInstructions ?? 0) > 0 && (f.vm1BootInstructions ?? 0) > 0;
        },
      },
      render: costTable,
    },
  ],
  questions: [
    'What does the container share with its VM that a second VM does not? What would a kernel bug found from inside the container reach?',
    'Why is the container\'s memory figure so small next to the VM\'s? What is counted in each?',
    'Which namespace gives the container its own hostname? Its own PID 1? What would it see without the mount namespace?',
    'Starting the container takes about as many instructions as booting this whole Linux: why? (this kernel is trimmed to boot fast; the `container` script is a shell script that forks, mounts and execs a dozen programs.) What would change with a distribution\'s kernel and init?',
    'When would you pick a VM rather than a container, and the other way round?',
  ],
};
