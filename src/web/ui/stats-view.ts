/**
 * A guest's live numbers: MIPS (with its chart), instructions retired, host CPU share, state,
 * privilege mode, its memory region, and the VM exits by reason, busiest first, kvm_stat style.
 */
import { EXIT_NAMES } from '../../core/exits.js';
import { explainExit } from '../../core/exit-glossary.js';
import type { PageGuest } from '../model.js';
import { MipsChart } from './mips-chart.js';
import { PRIV_NAMES, formatBytes, formatCount, h, hex32 } from './dom.js';

const EXIT_ROWS = 12;

const TRANSLATED_HELP =
  'Share of the instructions of the last second that ran in translated code: hot blocks of guest code compiled to WebAssembly (the JIT). ' +
  'The rest were interpreted: code run only a few times, instructions that need the hypervisor (CSRs, traps, device accesses), and everything when the JIT is off.';

export class StatsView {
  readonly element: HTMLElement;
  private readonly values = new Map<string, HTMLElement>();
  private readonly chart: MipsChart;
  private readonly exitsBody: HTMLTableSectionElement;
  private readonly regionLine: HTMLElement;
  /** counters at the learner's mark ("Mark"): the table shows what happened since */
  private mark: readonly number[] | undefined;
  private markedAt = 0;
  /** row order: table order (grouped by technique), or the order frozen when "busiest" was pressed */
  private order: number[] | undefined;
  private readonly exitsTitle: HTMLElement;
  private readonly jitLabel: HTMLElement;

  constructor(private readonly guest: PageGuest) {
    this.jitLabel = h('span', { class: 'jit-label' }, 'translated ');
    const chartEl = h('div', { class: 'chart' });
    this.chart = new MipsChart(chartEl);
    this.exitsBody = h('tbody');
    const metric = (key: string, label: string, big = false) => {
      const v = h('div', { class: 'metric-value', testid: `metric-${key}-${guest.id}` }, '–');
      this.values.set(key, v);
      return h('div', { class: big ? 'metric big' : 'metric' }, h('div', { class: 'metric-label' }, label), v);
    };
    this.element = h(
      'aside',
      { class: 'stats' },
      h('div', { class: 'metrics' }, this.mipsMetric(metric('mips', 'guest MIPS', true)), metric('instret', 'instructions'), metric('share', 'host CPU share'), metric('priv', 'privilege'), metric('pc', 'PC'), metric('exits', 'VM exits / s'), metric('weight', 'CPU weight')),
      h('div', { class: 'section-title' }, 'MIPS, last 2 minutes'),
      chartEl,
      h(
        'div',
        { class: 'section-title exits-title' },
        (this.exitsTitle = h('span', { testid: `exits-title-${guest.id}` }, 'VM exits since boot')),
        this.button('Mark', `exits-mark-${guest.id}`, 'Count from now on: the table shows the exits since this moment (Δ), the totals stay in the tooltip', () => this.setMark()),
        this.button('Since boot', `exits-unmark-${guest.id}`, 'Show the totals since the guest was created', () => this.clearMark()),
        this.button('Busiest first', `exits-sort-${guest.id}`, 'Order the rows by count once, then keep that order while you read (press again to re-sort; Table order to undo)', () => this.sortOnce()),
        this.button('Table order', `exits-order-${guest.id}`, 'Rows in the order of the exit table: devices, privileged instructions, TLB, exceptions, interrupts, hypercalls', () => this.tableOrder()),
      ),
      h('table', { class: 'exits', testid: `exits-${guest.id}` }, h('thead', {}, h('tr', {}, h('th', {}, 'reason'), h('th', { title: 'count since the mark, or since boot' }, 'count'), h('th', {}, '/s'))), this.exitsBody),
      (this.regionLine = h('div', { class: 'region-line' })),
    );
    this.relaunched();
  }

  /** The big MIPS metric also carries the share of instructions that ran translated (the JIT). */
  private mipsMetric(el: HTMLElement): HTMLElement {
    const v = h('span', { class: 'jit-value', testid: `metric-jit-${this.guest.id}` }, '–');
    this.values.set('jit', v);
    el.append(h('div', { class: 'metric-sub', title: TRANSLATED_HELP }, this.jitLabel, v));
    return el;
  }

  /** The guest runs again on another worker: a new region, and the chart starts over. */
  relaunched(): void {
    const g = this.guest;
    this.regionLine.textContent = `region ${hex32(g.info.region.base)} · ${formatBytes(g.info.region.size)} · RAM ${formatBytes(g.info.ramBytes)}`;
  }

  private set(key: string, text: string): void {
    const el = this.values.get(key);
    if (el && el.textContent !== text) el.textContent = text;
  }

  /** Redraws from the model; call while the panel is visible. */
  render(): void {
    const s = this.guest.stats;
    if (!s) {
      // No numbers (yet, or any more: a crashed worker's last ones would be stale).
      for (const key of this.values.keys()) this.set(key, '–');
      const why = this.guest.state === 'crashed' ? 'no numbers: its host CPU crashed' : 'no numbers yet';
      this.exitsBody.replaceChildren(h('tr', {}, h('td', { class: 'muted', colspan: 3 }, why)));
      return;
    }
    this.set('mips', s.state === 'running' || s.mips > 0 ? s.mips.toFixed(s.mips >= 100 ? 0 : 1) : '0');
    this.set('instret', formatCount(s.instructions));
    this.set('share', `${Math.round(s.hostShare * 100)} %`);
    this.set('priv', PRIV_NAMES[s.priv] ?? String(s.priv));
    this.set('pc', hex32(s.pc));
    this.set('weight', `× ${s.weight}`);
    this.set('jit', `${Math.round(s.translated * 100)} %`);
    const label = this.guest.jit ? 'translated ' : 'translated (JIT off) ';
    if (this.jitLabel.textContent !== label) this.jitLabel.textContent = label;
    this.set('exits', s.exitsPerSecond >= 10 ? formatCount(s.exitsPerSecond) : s.exitsPerSecond.toFixed(1));
    this.chart.update(this.guest.history.t, this.guest.history.mips);
    const rates = new Map(s.exits.map((e) => [e.name, e.rate]));
    const counters = s.counters;
    let rows: HTMLElement[];
    if (!counters) {
      rows = s.exits.slice(0, EXIT_ROWS).map((e) => this.row(e.name, e.count, e.count, e.rate));
    } else {
      const shown = this.indices(counters);
      rows = shown.map((i) => {
        const name = EXIT_NAMES[i] ?? `reserved:${i}`;
        const total = counters[i] ?? 0;
        return this.row(name, total - (this.mark?.[i] ?? 0), total, rates.get(name) ?? 0);
      });
    }
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { class: 'muted', colspan: 3 }, 'no exits yet')));
    this.exitsBody.replaceChildren(...rows);
  }

  dispose(): void {
    this.chart.dispose();
  }

  private button(label: string, testid: string, title: string, fn: () => void): HTMLButtonElement {
    const b = h('button', { class: 'mini', testid, title }, label);
    b.addEventListener('click', () => {
      fn();
      this.render();
    });
    return b;
  }

  /** Marks now: the counts shown are what happened after it (Δ). */
  setMark(): void {
    const c = this.guest.stats?.counters;
    if (!c) return;
    this.mark = [...c];
    this.markedAt = performance.now();
    this.exitsTitle.textContent = 'VM exits since the mark (Δ)';
  }

  clearMark(): void {
    this.mark = undefined;
    this.exitsTitle.textContent = 'VM exits since boot';
  }

  /** The counts since the mark (or since boot) by name, non-zero only: what the table shows. */
  deltas(): Record<string, number> {
    const c = this.guest.stats?.counters ?? [];
    const out: Record<string, number> = {};
    c.forEach((v, i) => {
      const d = v - (this.mark?.[i] ?? 0);
      if (d !== 0) out[EXIT_NAMES[i] ?? `reserved:${i}`] = d;
    });
    return out;
  }

  get markAgeMs(): number | undefined {
    return this.mark ? performance.now() - this.markedAt : undefined;
  }

  private sortOnce(): void {
    const c = this.guest.stats?.counters;
    if (!c) return;
    this.order = c.map((_, i) => i).sort((a, b) => (c[b]! - (this.mark?.[b] ?? 0)) - (c[a]! - (this.mark?.[a] ?? 0)) || a - b);
  }

  private tableOrder(): void {
    this.order = undefined;
  }

  /** Rows to show: non-zero since the mark, in a stable order (new reasons go to the end of a frozen order). */
  private indices(c: readonly number[]): number[] {
    const nonZero = (i: number) => (c[i] ?? 0) - (this.mark?.[i] ?? 0) !== 0;
    const base = this.order ?? c.map((_, i) => i);
    return base.filter(nonZero).slice(0, EXIT_ROWS + 8);
  }

  private row(name: string, count: number, total: number, rate: number): HTMLElement {
    const x = explainExit(name);
    const title = `${name} — ${x.technique}\n${x.definition}${this.mark ? `\n(total since boot: ${total})` : ''}`;
    return h(
      'tr',
      { title, 'data-exit': name, 'data-technique': x.technique },
      h('td', { class: `exit-name tech-${x.technique.split(' ')[0]!.replace(/[^a-z-]/g, '')}` }, name),
      h('td', {}, formatCount(count)),
      h('td', {}, rate >= 10 ? formatCount(rate) : rate.toFixed(1)),
    );
  }
}
