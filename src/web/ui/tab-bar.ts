/**
 * The tab strip: one tab per guest (a state dot and its name) and the host view at the end.
 * With more guests than fit, the guest tabs scroll sideways between two arrow buttons, the
 * selected tab is always scrolled into view, and a menu lists every guest.
 */
import type { PageGuest } from '../model.js';
import { h } from './dom.js';
import { stateLabel } from './state-label.js';

export const HOST_TAB = 'host';
export const NETWORK_TAB = 'network';

export class TabBar {
  readonly element: HTMLElement;
  private readonly guestTabs = h('div', { class: 'guest-tabs', role: 'tablist', testid: 'guest-tabs' });
  private readonly tabs = new Map<string, HTMLButtonElement>();
  private readonly guests = new Map<number, PageGuest>();
  private readonly empty = h('span', { class: 'tabs-empty' }, 'No guests yet: launch one from the catalogue');
  private readonly left = h('button', { class: 'tab-scroll', testid: 'tabs-left', title: 'Scroll the tabs left', 'aria-label': 'Scroll the tabs left', hidden: true }, '‹');
  private readonly right = h('button', { class: 'tab-scroll', testid: 'tabs-right', title: 'Scroll the tabs right', 'aria-label': 'Scroll the tabs right', hidden: true }, '›');
  private readonly menuBtn = h('button', { class: 'tab-menu-button', testid: 'tabs-menu-button', title: 'Every guest', 'aria-haspopup': 'menu', 'aria-expanded': 'false', hidden: true });
  private readonly menu = h('div', { class: 'tab-menu', testid: 'tabs-menu', role: 'menu', hidden: true });
  private selected = HOST_TAB;

  constructor(private readonly onSelect: (key: string) => void) {
    const host = h('button', { class: 'tab host-tab', testid: 'tab-host', role: 'tab' }, h('span', { class: 'host-icon' }, '▦'), 'Host');
    host.addEventListener('click', () => onSelect(HOST_TAB));
    this.tabs.set(HOST_TAB, host);
    const network = h('button', { class: 'tab host-tab', testid: 'tab-network', role: 'tab' }, h('span', { class: 'host-icon' }, '⇄'), 'Network');
    network.addEventListener('click', () => onSelect(NETWORK_TAB));
    this.tabs.set(NETWORK_TAB, network);
    this.left.addEventListener('click', () => this.guestTabs.scrollBy({ left: -this.guestTabs.clientWidth * 0.8 }));
    this.right.addEventListener('click', () => this.guestTabs.scrollBy({ left: this.guestTabs.clientWidth * 0.8 }));
    this.guestTabs.addEventListener('scroll', () => this.updateOverflow(), { passive: true });
    this.menuBtn.addEventListener('click', (e) => {
      e.stopPropagation();
      this.toggleMenu(this.menu.hidden);
    });
    document.addEventListener('click', (e) => {
      if (!this.menu.hidden && !this.menu.contains(e.target as Node)) this.toggleMenu(false);
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && !this.menu.hidden) this.toggleMenu(false);
    });
    new ResizeObserver(() => this.updateOverflow()).observe(this.guestTabs);
    this.element = h(
      'nav',
      { class: 'tab-bar' },
      this.left,
      this.guestTabs,
      this.right,
      this.empty,
      h('div', { class: 'tab-menu-wrap' }, this.menuBtn, this.menu),
      network,
      host,
    );
  }

  add(g: PageGuest): void {
    const tab = h('button', { class: 'tab', testid: `tab-${g.id}`, role: 'tab' }, h('span', { class: 'dot' }), h('span', { class: 'tab-name' }, g.name), h('span', { class: 'tab-id' }, `#${g.id}`));
    tab.addEventListener('click', () => this.onSelect(String(g.id)));
    this.tabs.set(String(g.id), tab);
    this.guests.set(g.id, g);
    this.guestTabs.append(tab);
    this.empty.hidden = true;
    this.update(g);
    this.updateOverflow();
  }

  remove(id: number): void {
    this.tabs.get(String(id))?.remove();
    this.tabs.delete(String(id));
    this.guests.delete(id);
    this.empty.hidden = this.tabs.size > 1;
    this.updateOverflow();
  }

  update(g: PageGuest): void {
    const tab = this.tabs.get(String(g.id));
    if (!tab) return;
    tab.dataset.state = g.state;
    tab.title = `${g.name} on host CPU ${g.cpu}: ${stateLabel(g)}`;
    if (!this.menu.hidden) this.renderMenu();
  }

  select(key: string): void {
    this.selected = key;
    for (const [k, tab] of this.tabs) tab.setAttribute('aria-selected', String(k === key));
    this.reveal(key);
  }

  /** Scrolls the strip (only the strip) so that the tab is wholly visible. */
  private reveal(key: string): void {
    const tab = this.tabs.get(key);
    if (!tab || key === HOST_TAB) return;
    const strip = this.guestTabs;
    const left = tab.offsetLeft - strip.offsetLeft;
    const right = left + tab.offsetWidth;
    if (left < strip.scrollLeft) strip.scrollLeft = left;
    else if (right > strip.scrollLeft + strip.clientWidth) strip.scrollLeft = right - strip.clientWidth;
    this.updateOverflow();
  }

  private updateOverflow(): void {
    const s = this.guestTabs;
    const overflowing = s.scrollWidth > s.clientWidth + 1;
    this.left.hidden = !overflowing;
    this.right.hidden = !overflowing;
    this.left.disabled = s.scrollLeft <= 0;
    this.right.disabled = s.scrollLeft + s.clientWidth >= s.scrollWidth - 1;
    this.menuBtn.hidden = !overflowing;
    if (!overflowing && !this.menu.hidden) this.toggleMenu(false);
    this.menuBtn.textContent = `${this.guests.size} ▾`;
    this.menuBtn.title = `All ${this.guests.size} guests`;
  }

  private toggleMenu(open: boolean): void {
    this.menu.hidden = !open;
    this.menuBtn.setAttribute('aria-expanded', String(open));
    if (open) this.renderMenu();
  }

  private renderMenu(): void {
    this.menu.replaceChildren(
      ...[...this.guests.values()].map((g) => {
        const item = h(
          'button',
          { class: 'tab-menu-item', role: 'menuitem', testid: `tabs-menu-item-${g.id}`, 'data-state': g.state, 'aria-current': String(this.selected === String(g.id)) },
          h('span', { class: 'dot' }),
          h('span', { class: 'tab-name' }, g.name),
          h('span', { class: 'tab-id' }, `#${g.id}`),
          h('span', { class: 'tab-menu-state' }, stateLabel(g)),
        );
        item.addEventListener('click', () => {
          this.toggleMenu(false);
          this.onSelect(String(g.id));
        });
        return item;
      }),
    );
  }
}
