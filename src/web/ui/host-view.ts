/**
 * The host view: every worker (a host CPU) with its load and guests, and a picture of its Wasm
 * memory with each guest's region drawn to scale: the isolation boundary made visible. A guest
 * can address only its own band; everything else in the bar is out of its reach.
 */
import type { Controller } from '../controller.js';
import type { Model, PageGuest, WorkerView } from '../model.js';
import { formatBytes, formatCount, h, hex32 } from './dom.js';

const JIT_LINE_HELP =
  'Translation of hot guest code to WebAssembly in this host CPU (all its guests): blocks translated, ' +
  'pages whose translations a guest\'s own write dropped (self-modifying or reloaded code), milliseconds spent compiling, ' +
  'and the generated code kept in its cache now (emptied when full).';
import { stateLabel } from './state-label.js';

/** A stable colour per guest, shared by its band and its legend row. */
export function guestColour(id: number): string {
  return `hsl(${(id * 67 + 160) % 360} 55% 52%)`;
}

interface Card {
  readonly root: HTMLElement;
  readonly load: HTMLElement;
  readonly loadBar: HTMLElement;
  readonly status: HTMLElement;
  readonly map: HTMLElement;
  readonly axisEnd: HTMLElement;
  readonly legend: HTMLElement;
  readonly jit: HTMLElement;
  readonly kill: HTMLButtonElement;
  readonly restart: HTMLButtonElement;
}

export class HostView {
  readonly element: HTMLElement;
  private readonly cards: Card[] = [];
  private readonly grid = h('div', { class: 'host-grid' });

  constructor(
    private readonly model: Model,
    private readonly controller: Controller,
    private readonly reportError: (message: string) => void,
  ) {
    this.element = h(
      'section',
      { class: 'host-view', testid: 'host-view' },
      h('header', { class: 'host-intro' }, h('h2', {}, 'Host CPUs and memory'), h('p', {}, 'Each worker is a host CPU running one instance of the core. Its guests share it by weighted round-robin, and each one lives in its own region of that worker\'s WebAssembly memory. Every guest-physical access is translated and bounds-checked into that region alone.')),
      this.grid,
    );
  }

  private card(w: WorkerView): Card {
    let c = this.cards[w.index];
    if (c) return c;
    const load = h('span', { class: 'load-value' });
    const loadBar = h('div', { class: 'load-fill' });
    const status = h('span', { class: 'cpu-status' });
    const kill = h('button', { class: 'danger small', testid: `kill-worker-${w.index}`, title: 'Terminate this worker, as if the host CPU failed' }, 'Kill worker');
    kill.addEventListener('click', () => this.controller.killWorker(w.index));
    const restart = h('button', { class: 'small', testid: `restart-worker-${w.index}`, title: 'Start a new worker in its place and boot its guests again', hidden: true }, 'Restart worker');
    restart.addEventListener('click', () => {
      restart.disabled = true;
      this.controller.restartWorker(w.index).then(
        () => this.render(),
        (e: unknown) => {
          restart.disabled = false;
          this.reportError(`host CPU ${w.index}: cannot restart: ${(e as Error).message}`);
        },
      );
    });
    const map = h('div', { class: 'memory-map', testid: `memory-map-${w.index}` });
    const legend = h('div', { class: 'legend' });
    const axisEnd = h('span');
    const jit = h('div', { class: 'jit-line', testid: `jit-worker-${w.index}`, title: JIT_LINE_HELP });
    const root = h(
      'article',
      { class: 'cpu-card', testid: `worker-${w.index}` },
      h('div', { class: 'cpu-head' }, h('h3', {}, `Host CPU ${w.index}`), status, kill, restart),
      h('div', { class: 'load' }, h('span', { class: 'muted' }, 'load'), h('div', { class: 'load-bar' }, loadBar), load),
      jit,
      h('div', { class: 'section-title' }, 'WebAssembly memory'),
      map,
      h('div', { class: 'memory-axis' }, h('span', {}, '0x00000000'), axisEnd),
      legend,
    );
    c = { root, load, loadBar, status, map, axisEnd, legend, jit, kill, restart };
    this.cards[w.index] = c;
    this.grid.append(root);
    return c;
  }

  render(): void {
    for (const w of this.model.workers) this.renderCard(w);
  }

  private renderCard(w: WorkerView): void {
    const c = this.card(w);
    // A crashed worker's guests are listed (struck through) until relaunched or removed.
    const guests = [...this.model.guests.values()].filter((g) => g.cpu === w.index);
    const load = w.crashed ? 0 : (w.stats?.load ?? 0);
    c.load.textContent = `${Math.round(load * 100)} %`;
    c.loadBar.style.width = `${Math.round(load * 100)}%`;
    c.status.textContent = w.crashed ? `crashed: ${w.crashed}` : `${guests.length} guest${guests.length === 1 ? '' : 's'}`;
    c.root.classList.toggle('crashed', w.crashed !== undefined);
    c.kill.hidden = w.crashed !== undefined;
    if (c.restart.hidden !== (w.crashed === undefined)) c.restart.disabled = false;
    c.restart.hidden = w.crashed === undefined;
    this.renderJit(c.jit, w);
    const memory = w.stats?.memoryBytes ?? 0;
    c.map.replaceChildren(...this.bands(guests, memory));
    c.axisEnd.textContent = memory ? `${hex32(memory)} (${formatBytes(memory)})` : '';
    c.legend.replaceChildren(
      h('div', { class: 'legend-row head' }, h('span', {}, 'guest'), h('span', {}, 'region'), h('span', {}, 'size'), h('span', {}, 'CPU'), h('span', {}, 'state')),
      ...guests.map((g) => {
        const r = g.info.region;
        return h(
          'div',
          { class: 'legend-row', testid: `legend-${g.id}` },
          h('span', {}, h('i', { class: 'swatch', style: `background:${guestColour(g.id)}` }), `${g.name} #${g.id}`),
          h('code', {}, `${hex32(r.base)}–${hex32(r.base + r.size)}`),
          h('span', {}, formatBytes(r.size)),
          h('span', {}, g.state === 'crashed' || !g.stats ? '–' : `${Math.round(g.stats.hostShare * 100)} %`),
          h('span', { class: `state-text state-${g.state}` }, stateLabel(g)),
        );
      }),
      h('div', { class: 'legend-row foot muted' }, h('span', {}, 'guest MIPS'), h('span', {}, (w.stats?.guests.reduce((s, g) => s + g.mips, 0) ?? 0).toFixed(1)), h('span', {}, ''), h('span', {}, ''), h('span', {}, '')),
    );
  }

  /** The worker's JIT: blocks translated, pages invalidated, compile time, code cache; or why it is off. */
  private renderJit(el: HTMLElement, w: WorkerView): void {
    const j = w.stats?.jit;
    let text: string;
    if (w.crashed || !j) text = 'JIT: –';
    else if (!j.available) text = 'JIT: not allowed here (Content-Security-Policy): guests are interpreted';
    else text = `JIT: ${formatCount(j.translations)} translations · ${formatCount(j.invalidations)} invalidations · ${j.compileMs.toFixed(0)} ms compiling · cache ${(j.cacheBytes / 1024).toFixed(0)} KiB`;
    if (el.textContent !== text) el.textContent = text;
    el.dataset.available = String(j?.available ?? true);
    el.classList.toggle('unavailable', j !== undefined && !j.available);
  }

  private bands(guests: readonly PageGuest[], memory: number): HTMLElement[] {
    if (memory === 0) return [];
    const pct = (n: number) => `${((100 * n) / memory).toFixed(3)}%`;
    const firstBase = Math.min(memory, ...guests.map((g) => g.info.region.base));
    const bands = [h('div', { class: 'band core', style: `left:0;width:${pct(firstBase)}`, title: `the core's own data: 0x0–${hex32(firstBase)}` }, 'core')];
    for (const g of guests) {
      const r = g.info.region;
      bands.push(
        h(
          'div',
          { class: `band guest state-${g.state}`, testid: `region-${g.id}`, style: `left:${pct(r.base)};width:${pct(r.size)};background:${guestColour(g.id)}`, title: `${g.name} #${g.id}: ${hex32(r.base)}–${hex32(r.base + r.size)} (${formatBytes(r.size)}; RAM at ${hex32(r.ramBase)})` },
          `${g.name}`,
        ),
      );
    }
    return bands;
  }
}
