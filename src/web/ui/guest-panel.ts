/**
 * One guest's tab content: its controls (pause/resume, step, reset, power off, CPU share), the
 * single-step readout, its console and its live numbers.
 */
import type { Controller } from '../controller.js';
import type { PageGuest } from '../model.js';
import type { InstructionView, StepResult } from '../worker/api.js';
import { ConsoleView } from './console-view.js';
import { PRIV_NAMES, formatBytes, h, hex32 } from './dom.js';
import { StatsView } from './stats-view.js';
import { stateLabel } from './state-label.js';

/** Slider positions → scheduler weights: a log scale, 1 in the middle. */
const WEIGHTS = [0.125, 0.25, 0.5, 1, 2, 4, 8];

export class GuestPanel {
  readonly element: HTMLElement;
  readonly console: ConsoleView;
  private readonly stats: StatsView;
  private readonly pauseBtn: HTMLButtonElement;
  private readonly stateEl: HTMLElement;
  private readonly stepEl: HTMLElement;
  private readonly buttons: HTMLButtonElement[];

  constructor(
    private readonly guest: PageGuest,
    private readonly controller: Controller,
    private readonly reportError: (message: string) => void,
  ) {
    const id = guest.id;
    this.stateEl = h('span', { class: 'state-pill', testid: `state-${id}` });
    this.pauseBtn = h('button', { testid: `pause-${id}`, title: 'Pause or resume the guest' }, 'Pause');
    const stepBtn = h('button', { testid: `step-${id}`, title: 'Pause and execute one instruction' }, 'Step');
    const resetBtn = h('button', { testid: `reset-${id}`, title: 'Power-on reset: reload the image and restart' }, 'Reset');
    const destroyBtn = h('button', { class: 'danger', testid: `destroy-${id}`, title: 'Power off and remove the guest' }, 'Power off');
    this.buttons = [this.pauseBtn, stepBtn, resetBtn];
    const weightValue = h('span', { class: 'weight-value' }, '× 1');
    const slider = h('input', { type: 'range', min: 0, max: WEIGHTS.length - 1, step: 1, value: WEIGHTS.indexOf(1), testid: `weight-${id}`, title: 'CPU share (scheduler weight)' });
    this.stepEl = h('div', { class: 'step-info', testid: `step-info-${id}`, hidden: true });
    const consoleEl = h('div', { class: 'console', testid: `console-${id}` });
    this.stats = new StatsView(guest);

    const mode = guest.info.mode === 'kernel' ? 'kernel (S-mode, SBI)' : 'bare (M-mode)';
    this.element = h(
      'section',
      { class: 'guest-panel', testid: `panel-${id}` },
      h(
        'div',
        { class: 'toolbar' },
        h('div', { class: 'title' }, h('span', { class: 'guest-name' }, guest.name), this.stateEl, h('span', { class: 'meta' }, `host CPU ${guest.cpu} · ${mode} · ${formatBytes(guest.info.ramBytes)}`)),
        h('div', { class: 'controls' }, this.pauseBtn, stepBtn, resetBtn, destroyBtn, h('label', { class: 'weight' }, 'CPU share', slider, weightValue)),
      ),
      this.stepEl,
      h('div', { class: 'panel-body' }, h('div', { class: 'console-wrap' }, consoleEl), this.stats.element),
    );

    this.console = new ConsoleView(consoleEl, {
      onInput: (bytes) => void this.act(() => controller.input(id, bytes)),
      onAck: (n) => controller.ack(id, n),
    });
    this.pauseBtn.addEventListener('click', () => {
      const s = this.guest.state;
      void this.act(() => (s === 'paused' ? controller.resume(id) : controller.pause(id)));
    });
    stepBtn.addEventListener('click', () => void this.act(async () => this.showStep(await controller.step(id))));
    resetBtn.addEventListener('click', () =>
      void this.act(async () => {
        await controller.reset(id);
        this.console.note('reset');
        this.stepEl.hidden = true;
      }),
    );
    destroyBtn.addEventListener('click', () => void this.act(() => controller.destroy(id)));
    slider.addEventListener('input', () => {
      const w = WEIGHTS[Number(slider.value)] ?? 1;
      weightValue.textContent = `× ${w}`;
      void this.act(() => controller.setWeight(id, w));
    });
    this.update();
  }

  private async act(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.reportError(`${this.guest.name}: ${(e as Error).message}`);
    }
  }

  showStep(r: StepResult): void {
    const line = (label: string, v: InstructionView) =>
      h(
        'div',
        { class: 'step-line' },
        h('span', { class: 'step-label' }, label),
        h('code', { class: 'step-pc' }, hex32(v.pc)),
        h('code', { class: 'step-word' }, v.word === undefined ? '(virtual address)' : v.length === 2 ? '0x' + v.word.toString(16).padStart(4, '0') : hex32(v.word)),
        h('code', { class: 'step-asm' }, v.text ?? ''),
      );
    this.stepEl.replaceChildren(
      h('div', { class: 'step-head' }, r.stepped ? 'stepped one instruction' : `cannot step: the guest is ${r.state}`, h('span', { class: 'step-priv', testid: `step-priv-${this.guest.id}` }, PRIV_NAMES[r.priv] ?? `priv ${r.priv}`), h('span', { class: 'muted' }, `instret ${r.instret}`)),
      line('ran', r.executed),
      line('next', r.next),
    );
    this.stepEl.dataset.pc = hex32(r.next.pc);
    this.stepEl.hidden = false;
  }

  /** State changed: refresh the pill and the buttons. */
  update(): void {
    const g = this.guest;
    this.stateEl.textContent = stateLabel(g);
    this.stateEl.className = `state-pill state-${g.state}`;
    this.stateEl.dataset.state = g.state;
    this.pauseBtn.textContent = g.state === 'paused' ? 'Resume' : 'Pause';
    const dead = g.state === 'crashed';
    for (const b of this.buttons) b.disabled = dead;
    this.pauseBtn.disabled = dead || g.state === 'halted' || g.state === 'faulted';
    if (g.state === 'running' || g.state === 'waiting') this.stepEl.hidden = true;
  }

  render(): void {
    this.stats.render();
  }

  dispose(): void {
    this.console.dispose();
    this.stats.dispose();
  }
}
