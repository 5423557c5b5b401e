/**
 * One guest's tab content: its controls (pause/resume, step, reset, power off, CPU share), the
 * single-step readout, its console and its live numbers (a side panel that folds away).
 */
import type { Controller } from '../controller.js';
import type { Model, PageGuest } from '../model.js';
import { WEIGHTS, weightIndex, weightLabel } from '../weights.js';
import type { InstructionView, StepResult } from '../worker/api.js';
import { ConsoleView } from './console-view.js';
import { PRIV_NAMES, formatBytes, h, hex32 } from './dom.js';
import { StatsView } from './stats-view.js';
import { stateLabel } from './state-label.js';
import { StateControls, type StateActions } from './state-controls.js';
import { JIT_HELP } from './launcher.js';

export class GuestPanel {
  readonly element: HTMLElement;
  readonly console: ConsoleView;
  readonly stats: StatsView;
  private readonly pauseBtn: HTMLButtonElement;
  private readonly stepBtn: HTMLButtonElement;
  private readonly resetBtn: HTMLButtonElement;
  private readonly stateEl: HTMLElement;
  private readonly metaEl: HTMLElement;
  private readonly stepEl: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly weightValue: HTMLElement;
  private readonly jitBox: HTMLInputElement;
  private readonly jitLabel: HTMLElement;
  readonly statsToggle: HTMLButtonElement;
  /** Save, Fork, Migrate, Restore from last save, and the migration bar */
  readonly state: StateControls | undefined;

  constructor(
    private readonly guest: PageGuest,
    private readonly controller: Controller,
    private readonly reportError: (message: string) => void,
    onToggleStats: () => void,
    stateOptions?: { readonly model: Model; readonly actions: StateActions },
  ) {
    const id = guest.id;
    this.stateEl = h('span', { class: 'state-pill', testid: `state-${id}` });
    this.metaEl = h('span', { class: 'meta' });
    this.pauseBtn = h('button', { testid: `pause-${id}`, title: 'Pause or resume the guest' }, 'Pause');
    this.stepBtn = h('button', { testid: `step-${id}`, title: 'Pause and execute one instruction' }, 'Step');
    this.resetBtn = h('button', { testid: `reset-${id}`, title: 'Power-on reset: reload the image and restart' }, 'Reset');
    const destroyBtn = h('button', { class: 'danger', testid: `destroy-${id}`, title: 'Power off and remove the guest' }, 'Power off');
    const initial = weightIndex(guest.request.weight ?? 1);
    this.weightValue = h('span', { class: 'weight-value', testid: `weight-value-${id}` }, weightLabel(WEIGHTS[initial]!));
    this.slider = h('input', { type: 'range', min: 0, max: WEIGHTS.length - 1, step: 1, value: initial, testid: `weight-${id}`, title: 'CPU share (scheduler weight)' });
    this.jitBox = h('input', { type: 'checkbox', testid: `jit-${id}`, checked: guest.jit });
    this.jitLabel = h('label', { class: 'jit-toggle', title: `${JIT_HELP} Switches this guest only, while it runs.` }, this.jitBox, 'JIT');
    this.statsToggle = h('button', { class: 'toggle stats-toggle', testid: `toggle-stats-${id}`, title: 'Show or hide the live numbers' }, 'Numbers');
    this.statsToggle.addEventListener('click', onToggleStats);
    this.stepEl = h('div', { class: 'step-info', testid: `step-info-${id}`, hidden: true });
    const consoleEl = h('div', { class: 'console', testid: `console-${id}` });
    this.stats = new StatsView(guest);
    this.state = stateOptions ? new StateControls(guest, stateOptions.model, stateOptions.actions, (fn) => this.act(fn)) : undefined;

    this.element = h(
      'section',
      { class: 'guest-panel', testid: `panel-${id}` },
      h(
        'div',
        { class: 'toolbar' },
        h('div', { class: 'title' }, h('span', { class: 'guest-name' }, guest.name), this.stateEl, this.metaEl),
        h('div', { class: 'controls' }, this.pauseBtn, this.stepBtn, this.resetBtn, destroyBtn, this.state?.buttons, h('label', { class: 'weight' }, 'CPU share', this.slider, this.weightValue), this.jitLabel, this.statsToggle),
      ),
      this.stepEl,
      this.state?.bar,
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
    this.stepBtn.addEventListener('click', () => void this.act(async () => this.showStep(await controller.step(id))));
    this.resetBtn.addEventListener('click', () => void this.act(() => this.reset()));
    destroyBtn.addEventListener('click', () => void this.act(() => controller.destroy(id)));
    this.jitBox.addEventListener('change', () => {
      const on = this.jitBox.checked;
      void this.act(async () => {
        try {
          await controller.setJit(id, on);
        } finally {
          this.update();
        }
      });
    });
    this.slider.addEventListener('input', () => {
      const w = WEIGHTS[Number(this.slider.value)] ?? 1;
      this.weightValue.textContent = weightLabel(w);
      void this.act(() => controller.setWeight(id, w));
    });
    this.update();
  }

  /** Reset (or, for a crashed guest, launch it again): the old run's unwritten output is dropped. */
  async reset(): Promise<void> {
    const crashed = this.guest.state === 'crashed';
    this.console.restart(crashed ? 'relaunching' : 'reset');
    this.stepEl.hidden = true;
    await this.controller.reset(this.guest.id);
    if (crashed) this.console.note(`running again on host CPU ${this.guest.cpu}`);
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
    const head = r.stepped
      ? 'stepped one instruction'
      : r.reason === 'wfi'
        ? 'nothing ran: the guest sleeps in WFI until an interrupt (a key, a timer) is pending; PC and instret did not move'
        : `cannot step: the guest is ${r.state === 'halted' ? 'powered off' : r.state}`;
    this.stepEl.replaceChildren(
      h('div', { class: `step-head${r.stepped ? '' : ' step-none'}` }, h('span', { testid: `step-head-${this.guest.id}` }, head), h('span', { class: 'step-priv', testid: `step-priv-${this.guest.id}` }, PRIV_NAMES[r.priv] ?? `priv ${r.priv}`), h('span', { class: 'muted' }, `instret ${r.instret}`)),
      line(r.stepped ? 'ran' : r.reason === 'wfi' ? 'slept' : 'last', r.executed),
      line('next', r.next),
    );
    this.stepEl.dataset.pc = hex32(r.next.pc);
    this.stepEl.dataset.stepped = String(r.stepped);
    this.stepEl.hidden = false;
  }

  /** State changed: refresh the pill, the buttons and the numbers. */
  update(): void {
    const g = this.guest;
    this.stateEl.textContent = stateLabel(g);
    this.stateEl.className = `state-pill state-${g.state}`;
    this.stateEl.dataset.state = g.state;
    const mode = g.info.mode === 'kernel' ? 'kernel (S-mode, SBI)' : 'bare (M-mode)';
    this.metaEl.textContent = `host CPU ${g.cpu} · ${mode} · ${formatBytes(g.info.ramBytes)}`;
    this.pauseBtn.textContent = g.state === 'paused' ? 'Resume' : 'Pause';
    const dead = g.state === 'crashed';
    const stopped = g.state === 'halted' || g.state === 'faulted';
    this.pauseBtn.disabled = dead || stopped;
    this.stepBtn.disabled = dead || stopped;
    this.stepBtn.title = dead || stopped ? `Nothing to step: the guest is ${stateLabel(g)}` : 'Pause and execute one instruction';
    this.slider.disabled = dead;
    this.jitBox.checked = g.jit;
    this.jitBox.disabled = dead;
    this.jitLabel.classList.toggle('off', !g.jit);
    this.resetBtn.textContent = dead ? 'Relaunch' : 'Reset';
    this.resetBtn.title = dead ? 'Boot this guest again from its image, on a live host CPU' : 'Power-on reset: reload the image and restart';
    if (g.state === 'running' || g.state === 'waiting') this.stepEl.hidden = true;
    if (dead) this.stats.render();
    this.state?.update();
  }

  /** A relaunched guest: the region line and the chart start over. */
  relaunched(): void {
    this.stats.relaunched();
  }

  render(): void {
    this.stats.render();
  }

  dispose(): void {
    this.console.dispose();
    this.stats.dispose();
  }
}
