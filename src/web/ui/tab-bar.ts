/**
 * The tab strip: one tab per guest (a state dot and its name) and the host view at the end.
 */
import type { PageGuest } from '../model.js';
import { h } from './dom.js';
import { stateLabel } from './state-label.js';

export const HOST_TAB = 'host';

export class TabBar {
  readonly element: HTMLElement;
  private readonly guestTabs = h('div', { class: 'guest-tabs', role: 'tablist' });
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private readonly empty = h('span', { class: 'tabs-empty' }, 'No guests yet: launch one from the catalogue');

  constructor(private readonly onSelect: (key: string) => void) {
    const host = h('button', { class: 'tab host-tab', testid: 'tab-host', role: 'tab' }, h('span', { class: 'host-icon' }, '▦'), 'Host');
    host.addEventListener('click', () => onSelect(HOST_TAB));
    this.tabs.set(HOST_TAB, host);
    this.element = h('nav', { class: 'tab-bar' }, this.guestTabs, this.empty, host);
  }

  add(g: PageGuest): void {
    const tab = h('button', { class: 'tab', testid: `tab-${g.id}`, role: 'tab' }, h('span', { class: 'dot' }), h('span', { class: 'tab-name' }, g.name), h('span', { class: 'tab-id' }, `#${g.id}`));
    tab.addEventListener('click', () => this.onSelect(String(g.id)));
    this.tabs.set(String(g.id), tab);
    this.guestTabs.append(tab);
    this.empty.hidden = true;
    this.update(g);
  }

  remove(id: number): void {
    this.tabs.get(String(id))?.remove();
    this.tabs.delete(String(id));
    this.empty.hidden = this.tabs.size > 1;
  }

  update(g: PageGuest): void {
    const tab = this.tabs.get(String(g.id));
    if (!tab) return;
    tab.dataset.state = g.state;
    tab.title = `${g.name} on host CPU ${g.cpu}: ${stateLabel(g)}`;
  }

  select(key: string): void {
    for (const [k, tab] of this.tabs) tab.setAttribute('aria-selected', String(k === key));
  }
}
