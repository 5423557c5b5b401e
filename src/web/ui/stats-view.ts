/**
 * A guest's live numbers: MIPS (with its chart), instructions retired, host CPU share, state,
 * privilege mode, its memory region, and the VM exits by reason, busiest first, kvm_stat style.
 */
import type { PageGuest } from '../model.js';
import { MipsChart } from './mips-chart.js';
import { PRIV_NAMES, formatBytes, formatCount, h, hex32 } from './dom.js';

const EXIT_ROWS = 12;

export class StatsView {
  readonly element: HTMLElement;
  private readonly values = new Map<string, HTMLElement>();
  private readonly chart: MipsChart;
  private readonly exitsBody: HTMLTableSectionElement;
  private readonly regionLine: HTMLElement;

  constructor(private readonly guest: PageGuest) {
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
      h('div', { class: 'metrics' }, metric('mips', 'guest MIPS', true), metric('instret', 'instructions'), metric('share', 'host CPU share'), metric('priv', 'privilege'), metric('pc', 'PC'), metric('exits', 'VM exits / s'), metric('weight', 'CPU weight')),
      h('div', { class: 'section-title' }, 'MIPS, last 2 minutes'),
      chartEl,
      h('div', { class: 'section-title' }, 'VM exits by rate'),
      h('table', { class: 'exits', testid: `exits-${guest.id}` }, h('thead', {}, h('tr', {}, h('th', {}, 'reason'), h('th', {}, 'total'), h('th', {}, '/s'))), this.exitsBody),
      (this.regionLine = h('div', { class: 'region-line' })),
    );
    this.relaunched();
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
    this.set('exits', s.exitsPerSecond >= 10 ? formatCount(s.exitsPerSecond) : s.exitsPerSecond.toFixed(1));
    this.chart.update(this.guest.history.t, this.guest.history.mips);
    const rows = s.exits.slice(0, EXIT_ROWS).map((e) =>
      h('tr', {}, h('td', { class: 'exit-name' }, e.name), h('td', {}, formatCount(e.count)), h('td', {}, e.rate >= 10 ? formatCount(e.rate) : e.rate.toFixed(1))),
    );
    if (rows.length === 0) rows.push(h('tr', {}, h('td', { class: 'muted', colspan: 3 }, 'no exits yet')));
    this.exitsBody.replaceChildren(...rows);
  }

  dispose(): void {
    this.chart.dispose();
  }
}
