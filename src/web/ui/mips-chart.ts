/**
 * Guest MIPS over time: a small uPlot line chart. It is only redrawn while visible (the stats
 * of background tabs still accumulate in the model and show up when their tab is opened).
 *
 * Its width comes from a ResizeObserver, not from reading clientWidth at each update: a stats
 * update arrives in a message task after the consoles have changed the DOM, and reading a
 * layout property there forced a synchronous layout of the whole page (several ms, 4 times a
 * second, under a flood).
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const AXIS = { stroke: '#8b98a9', grid: { stroke: '#1d2733', width: 1 }, ticks: { stroke: '#1d2733', width: 1 }, font: '11px system-ui, sans-serif' };
/** Shorter on short windows (styles.css's max-height: 820px), where the exit table needs the room. */
const chartHeight = (): number => (window.innerHeight <= 820 ? 80 : 120);

export class MipsChart {
  private plot: uPlot | undefined;
  /** the element's width as last observed (0: hidden, or not laid out yet) */
  private width = 0;
  private readonly observer: ResizeObserver | undefined;
  /** the series of the last update, drawn when the element gets a width */
  private last: { readonly t: readonly number[]; readonly mips: readonly number[] } | undefined;

  constructor(private readonly element: HTMLElement) {
    if (typeof ResizeObserver === 'undefined') return;
    this.observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentBoxSize?.[0];
      const width = Math.floor(box ? box.inlineSize : this.element.clientWidth);
      const grew = this.width === 0 && width > 0;
      this.width = width;
      if (grew && this.last) this.update(this.last.t, this.last.mips);
    });
    this.observer.observe(element);
  }

  /** Draws the series; creates the chart on first use, when the element has a width. */
  update(t: readonly number[], mips: readonly number[]): void {
    this.last = { t, mips };
    const width = this.observer ? this.width : this.element.clientWidth;
    if (width === 0) return;
    const height = chartHeight();
    const data: uPlot.AlignedData = [t.slice(), mips.slice()];
    if (!this.plot) {
      this.plot = new uPlot(
        {
          width,
          height,
          legend: { show: false },
          cursor: { show: false },
          scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
          axes: [
            // Whole seconds only: a short history would otherwise repeat labels ("1s 1s").
            { ...AXIS, incrs: [1, 2, 5, 10, 15, 30, 60], values: (_u, ticks) => ticks.map((s) => `${Math.round(s)}s`) },
            { ...AXIS, size: 44, values: (_u, ticks) => ticks.map((v) => (v === 0 || v >= 10 ? v.toFixed(0) : v.toFixed(1))) },
          ],
          series: [{}, { stroke: '#5fd3a4', width: 1.5, fill: 'rgba(95, 211, 164, 0.12)', points: { show: false } }],
        },
        data,
        this.element,
      );
    } else {
      if (Math.abs(this.plot.width - width) > 1 || this.plot.height !== height) this.plot.setSize({ width, height });
      this.plot.setData(data);
    }
  }

  dispose(): void {
    this.observer?.disconnect();
    this.plot?.destroy();
  }
}
