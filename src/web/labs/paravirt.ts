import { EXIT_NAMES } from '../../core/exits.js';
import { h } from '../ui/dom.js';
import type { Lab, LabContext } from './types.js';

const LINES = 200;
const ROLES = ['uart', 'sbi'] as const;
type Role = (typeof ROLES)[number];

/** One bench run of one minios, as the page saw it. */
export interface BenchRun {
  readonly role: Role;
  /** the exit-cost model in force (ticks per exit) */
  readonly model: number;
  /** the shell's CPU time for the whole bench, from minios's own report (µs) */
  readonly us: number;
  readonly consoleExits: number;
  readonly allExits: number;
}

const REPORT = /printed (\d+) bytes in (\d+) us via (\w+)/g;

function counters(c: LabContext, role: Role): readonly number[] {
  return c.guest(role)?.stats?.counters ?? [];
}

function sum(before: readonly number[], after: readonly number[], pick: (name: string) => boolean): number {
  let s = 0;
  for (let i = 0; i < after.length; i++) if (pick(EXIT_NAMES[i] ?? '')) s += (after[i] ?? 0) - (before[i] ?? 0);
  return s;
}

const isConsole = (n: string) => n.startsWith('mmio:uart:') || n.startsWith('sbi:dbcn.') || n.startsWith('sbi:legacy.console');

function runs(c: LabContext): BenchRun[] {
  return ((c.data.runs as BenchRun[] | undefined) ??= []);
}

const ROUNDS = 5;

/**
 * Runs "bench" in one guest and waits for its report. minios times itself with mtime, which follows
 * the host's clock, so a host that preempts the worker mid-run inflates that run; the guests take
 * turns (never both at once) and each setting runs ROUNDS times, and the chart keeps the fastest.
 */
async function benchOnce(c: LabContext, role: Role, model: number): Promise<void> {
  const before = [...counters(c, role)];
  const reports = [...c.text(role).matchAll(REPORT)].length;
  await c.type(role, `bench ${LINES}\r`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const all = [...c.text(role).matchAll(REPORT)];
    if (all.length > reports) {
      // the counters reach the page with the stats (every 250 ms), after the text: wait for two fresh ones
      for (let fresh = 0, seen = c.guest(role)?.stats, until = Date.now() + 5000; fresh < 2 && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 50));
        const now = c.guest(role)?.stats;
        if (now !== seen) { fresh++; seen = now; }
      }
      const last = all[all.length - 1]!;
      const after = counters(c, role);
      runs(c).push({ role, model, us: Number(last[2]), consoleExits: sum(before, after, isConsole), allExits: sum(before, after, () => true) });
      return;
    }
    if (Date.now() > deadline) throw new Error(`${role}: no bench report within 60 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function benchRounds(c: LabContext, model: number): Promise<void> {
  for (let i = 0; i < ROUNDS; i++) for (const role of ROLES) await benchOnce(c, role, model);
}

/** Whether every round of a setting has reported in both guests. */
function done(c: LabContext, model: number): boolean {
  return ROLES.every((role) => runs(c).filter((r) => r.role === role && (model === 0 ? r.model === 0 : r.model > 0)).length >= ROUNDS);
}

/** The fastest run of a role under a setting (the one least disturbed by the host). */
function best(c: LabContext, role: Role, model: number): BenchRun | undefined {
  let b: BenchRun | undefined;
  for (const r of runs(c)) if (r.role === role && (model === 0 ? r.model === 0 : r.model > 0) && (!b || r.us < b.us)) b = r;
  return b;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en') : n.toFixed(1));

/** The side-by-side table and bar chart: per line printed, no arithmetic left to the reader. */
export function paravirtChart(c: LabContext, model: number): Node | undefined {
  const u = best(c, 'uart', model);
  const s = best(c, 'sbi', model);
  if (!u || !s) return undefined;
  const rows: [string, (r: BenchRun) => number, string][] = [
    ['console exits per line', (r) => r.consoleExits / LINES, 'exits'],
    ['all exits per line', (r) => r.allExits / LINES, 'exits'],
    ['guest time per line', (r) => r.us / LINES, 'µs'],
  ];
  const chart = h('div', { class: 'lab-chart', testid: `paravirt-chart-${model ? 'model' : 'plain'}` });
  for (const [label, f, unit] of rows) {
    const a = f(u);
    const b = f(s);
    const max = Math.max(a, b, 1e-9);
    // "1.3× less", not "0.8× less": the bigger over the smaller, and the word says which way
    const ratio = a >= b ? (b > 0 ? a / b : Infinity) : a > 0 ? b / a : Infinity;
    chart.append(
      h('div', { class: 'lab-chart-title' }, `${label}: uart ${fmt(a)} ${unit}, sbi ${fmt(b)} ${unit} — ${Number.isFinite(ratio) ? `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× ` : ''}${a >= b ? 'more' : 'less'} with the emulated UART`),
      h('div', { class: 'lab-bar-row' }, h('span', { class: 'lab-bar-label' }, 'uart (full)'), h('span', { class: 'lab-bar uart', style: `width:${(100 * a) / max}%`, 'data-value': String(a) }), h('span', { class: 'lab-bar-num' }, fmt(a))),
      h('div', { class: 'lab-bar-row' }, h('span', { class: 'lab-bar-label' }, 'sbi (para)'), h('span', { class: 'lab-bar sbi', style: `width:${(100 * b) / max}%`, 'data-value': String(b) }), h('span', { class: 'lab-bar-num' }, fmt(b))),
    );
  }
  return chart;
}

export const paravirt: Lab = {
  name: 'paravirt',
  title: 'Paravirtualization: the same kernel, two console drivers',
  technique: 'paravirtualization (hypercalls) versus full virtualization (device emulation)',
  aims:
    'minios can print through the emulated UART (full virtualization: a trap per register access, two per byte) or through SBI hypercalls (paravirtualization: it knows it runs on a hypervisor and hands over a whole buffer in one call). Run the same bench in both, side by side, and read the exits and the time per line.',
  steps: [
    {
      title: 'Boot minios twice',
      text: 'One minios with console=uart, one with console=sbi (the default). Same kernel image; only the boot argument differs.',
      action: {
        label: 'Launch both',
        run: async (c) => {
          await c.launch('uart', 'minios', { bootargs: 'console=uart' });
          await c.launch('sbi', 'minios', { bootargs: 'console=sbi' });
        },
      },
      check: { label: 'both at their prompt', test: (c) => ROLES.every((r) => c.text(r).includes('minios$')) },
    },
    {
      title: `Print ${LINES} lines in both`,
      text: `Runs "bench ${LINES}" in both: ${LINES} lines of 60 bytes, one write() each. minios reports the CPU time it took; the page counts the exits between start and report. The guests take turns, five rounds each, and the chart keeps each one's fastest run, since a busy host stretches a run.`,
      action: { label: `Run bench ${LINES} in both`, run: (c) => benchRounds(c, 0) },
      look: () => document.querySelector('.lab-chart'),
      check: { label: 'both reported, and the UART needed over 10× the console exits', test: (c) => {
        const u = best(c, 'uart', 0);
        const s = best(c, 'sbi', 0);
        return done(c, 0) && !!u && !!s && u.consoleExits > 10 * Math.max(1, s.consoleExits);
      } },
      render: (c) => paravirtChart(c, 0),
    },
    {
      title: 'What an exit would cost on hardware (a model)',
      text: 'Here an exit costs the host little (Machine → What an exit costs measures it), so both consoles take similar guest time. On hardware an exit costs a microsecond or more. This charges 1 µs (10 ticks) of guest clock per exit, to both, and runs bench again: the guest\'s own timing now shows the overhead the chapter describes. It is a model, clearly not a measurement.',
      action: {
        label: 'Charge 1 µs per exit and run bench again',
        run: async (c) => {
          for (const r of ROLES) await c.controller.inspect(c.guest(r)!.id, (api, local) => api.setExitCost(local, 10));
          await benchRounds(c, 10);
        },
      },
      check: { label: 'with the model, the UART\'s time per line grows far more than the SBI\'s', test: (c) => {
        const u0 = best(c, 'uart', 0);
        const s0 = best(c, 'sbi', 0);
        const u = best(c, 'uart', 10);
        const s = best(c, 'sbi', 10);
        return done(c, 10) && !!u && !!s && !!u0 && !!s0 && (u.us - s.us) / LINES > (u0.us - s0.us) / LINES + 50;
      } },
      render: (c) => paravirtChart(c, 10),
    },
  ],
  questions: [
    'Where do the UART\'s exits per line come from? (2 per byte: LSR, THR; 60 bytes a line)',
    'Why do both consoles show many exits beyond the console ones? (system calls, trap entry CSRs, TLB refills)',
    'Without the model, why is the time per line so close? What does that say about exits in an emulator versus on hardware?',
    'What does the SBI console give up? (input is polled: sbi:dbcn.console_read while the shell waits)',
  ],
};
