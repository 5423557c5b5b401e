/**
 * The lab side panel: the lab's aims, then its steps, each with a button that does it, "Show me"
 * (highlights what to look at) and a check polled from the page's real state. A check that has
 * passed stays green.
 */
import { EXIT_NAMES } from '../../core/exits.js';
import { findEntry } from '../catalogue.js';
import { requestForEntry } from '../launch-options.js';
import type { Controller } from '../controller.js';
import type { Model } from '../model.js';
import type { App } from '../ui/app.js';
import { h } from '../ui/dom.js';
import type { MachinePanel } from '../ui/machine-panel.js';
import type { Lab, LabContext } from './types.js';

export class LabRunner {
  readonly element: HTMLElement;
  readonly passed: boolean[];
  /** a step with a button is checked only once its button was pressed: what it checks is what that did */
  private readonly pressed: boolean[];
  private readonly roles = new Map<string, number>();
  private readonly checks: HTMLElement[] = [];
  private readonly figures: HTMLElement[] = [];
  private readonly timer: ReturnType<typeof setInterval>;
  readonly ctx: LabContext;

  constructor(
    readonly lab: Lab,
    private readonly app: App,
    model: Model,
    controller: Controller,
    machine: (id: number) => MachinePanel | undefined,
    onClose: () => void,
  ) {
    this.passed = lab.steps.map(() => false);
    this.pressed = lab.steps.map((s) => !s.action);
    const roles = this.roles;
    const guestOf = (role: string) => {
      const id = roles.get(role);
      return id === undefined ? undefined : model.guests.get(id);
    };
    this.ctx = {
      app,
      model,
      controller,
      data: {},
      async launch(role, name, o = {}) {
        const entry = findEntry(name);
        if (!entry) throw new Error(`no guest ${name} in the catalogue`);
        const g = await app.launch(requestForEntry(entry, o), true);
        roles.set(role, g.id);
        return g.id;
      },
      guest: guestOf,
      async type(role, text) {
        const g = guestOf(role);
        if (!g) throw new Error(`launch ${role} first`);
        await controller.input(g.id, new TextEncoder().encode(text));
      },
      text(role) {
        const g = guestOf(role);
        return g ? (app.panels.get(g.id)?.console.text() ?? '') : '';
      },
      exits(role, name) {
        const c = guestOf(role)?.stats?.counters;
        if (!c) return 0;
        let s = 0;
        c.forEach((v, i) => {
          const n = EXIT_NAMES[i] ?? '';
          if (typeof name === 'string' ? n === name : name.test(n)) s += v;
        });
        return s;
      },
      machine(role) {
        const g = guestOf(role);
        return g ? machine(g.id) : undefined;
      },
      highlight(el) {
        if (!el) return;
        el.classList.remove('lab-highlight');
        void (el as HTMLElement).offsetWidth;
        el.classList.add('lab-highlight');
        el.scrollIntoView?.({ block: 'nearest' });
        setTimeout(() => el.classList.remove('lab-highlight'), 4000);
      },
    };
    const close = h('button', { class: 'mini', testid: 'lab-close', title: 'Close the lab (the guests stay)' }, '×');
    close.addEventListener('click', onClose);
    const steps = lab.steps.map((step, i) => {
      const check = h('div', { class: 'lab-check', testid: `lab-check-${i}`, 'data-ok': 'false' }, step.check ? `○ ${step.check.label}` : '');
      this.checks.push(check);
      const fig = h('div', { class: 'lab-figure', testid: `lab-figure-${i}` });
      this.figures.push(fig);
      const buttons: HTMLElement[] = [];
      if (step.action) {
        const b = h('button', { class: 'lab-action', testid: `lab-action-${i}` }, step.action.label);
        b.addEventListener('click', async () => {
          b.disabled = true;
          this.pressed[i] = true;
          try {
            await step.action!.run(this.ctx);
            b.dataset.done = 'true';
          } catch (e) {
            app.banner.show(`lab: ${(e as Error).message}`);
          } finally {
            b.disabled = false;
          }
          this.poll();
        });
        buttons.push(b);
      }
      if (step.look) {
        const b = h('button', { class: 'mini', testid: `lab-look-${i}`, title: 'Highlight what to look at' }, 'Show me');
        b.addEventListener('click', () => this.ctx.highlight(step.look!(this.ctx)));
        buttons.push(b);
      }
      return h('li', { class: 'lab-step', testid: `lab-step-${i}` }, h('div', { class: 'lab-step-title' }, `${i + 1}. ${step.title}`), h('div', { class: 'lab-text' }, step.text), h('div', { class: 'lab-buttons' }, ...buttons), check, fig);
    });
    this.element = h(
      'aside',
      { class: 'lab-panel', testid: 'lab-panel', 'data-lab': lab.name },
      h('div', { class: 'lab-head' }, h('div', {}, h('div', { class: 'lab-kicker' }, `Lab · ${lab.technique}`), h('h2', { class: 'lab-title' }, lab.title)), close),
      h('p', { class: 'lab-aims' }, lab.aims),
      h('ol', { class: 'lab-steps' }, ...steps),
      lab.questions?.length ? h('div', { class: 'lab-questions' }, h('div', { class: 'section-title' }, 'Questions'), h('ul', {}, ...lab.questions.map((q) => h('li', {}, q)))) : '',
      h('div', { class: 'lab-done', testid: 'lab-done', hidden: true }, 'All checks passed.'),
    );
    this.timer = setInterval(() => this.poll(), 250);
  }

  private poll(): void {
    this.lab.steps.forEach((step, i) => {
      if (step.check && !this.passed[i] && this.pressed[i]) {
        let ok = false;
        try {
          ok = step.check.test(this.ctx);
        } catch {
          ok = false;
        }
        if (ok) {
          this.passed[i] = true;
          const el = this.checks[i]!;
          el.dataset.ok = 'true';
          el.textContent = `✓ ${step.check.label}`;
        }
      }
      if (step.render) {
        const node = step.render(this.ctx);
        if (node) this.figures[i]!.replaceChildren(node);
      }
    });
    const done = this.passed.every((p, i) => p || !this.lab.steps[i]!.check);
    const el = this.element.querySelector<HTMLElement>('[data-testid="lab-done"]');
    if (el) el.hidden = !done;
  }

  dispose(): void {
    clearInterval(this.timer);
    this.element.remove();
  }
}
