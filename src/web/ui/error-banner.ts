/** One line at the top of the page for what went wrong (a refused image, a crashed worker). */
import { h } from './dom.js';

export class ErrorBanner {
  private readonly text = h('span', { class: 'error-text' });
  readonly element: HTMLElement;

  constructor() {
    const close = h('button', { class: 'icon', title: 'Dismiss', 'aria-label': 'Dismiss' }, '×');
    close.addEventListener('click', () => this.clear());
    this.element = h('div', { class: 'error-banner', testid: 'error-banner', role: 'alert', hidden: true }, h('span', { class: 'error-icon' }, '!'), this.text, close);
  }

  show(message: string): void {
    this.text.textContent = message;
    this.element.hidden = false;
  }

  clear(): void {
    this.element.hidden = true;
    this.text.textContent = '';
  }
}
