/**
 * The page's layout and its wiring: launcher on the left; the error banner, the tab strip and
 * the panels (one per guest, plus the host view) on the right. Only the visible panel redraws
 * its numbers; every console keeps receiving output whether visible or not.
 */
import type { CatalogueEntry } from '../catalogue.js';
import { LaunchError, type Controller, type LaunchRequest } from '../controller.js';
import { requestForEntry, requestForFile, type LaunchOptions } from '../launch-options.js';
import type { Model, PageGuest } from '../model.js';
import { h } from './dom.js';
import { ErrorBanner } from './error-banner.js';
import { GuestPanel } from './guest-panel.js';
import { HostView } from './host-view.js';
import { Launcher } from './launcher.js';
import { HOST_TAB, TabBar } from './tab-bar.js';

export class App {
  readonly banner = new ErrorBanner();
  readonly panels = new Map<number, GuestPanel>();
  private readonly tabs: TabBar;
  private readonly host: HostView;
  private readonly panelArea = h('div', { class: 'panels' });
  private readonly summary = h('span', { class: 'summary', testid: 'summary' });
  private selected = HOST_TAB;

  constructor(
    root: HTMLElement,
    private readonly model: Model,
    private readonly controller: Controller,
  ) {
    this.tabs = new TabBar((key) => this.select(key));
    this.host = new HostView(model, controller);
    const launcher = new Launcher({
      launchEntry: async (entry, o) => void (await this.launchQuietly(requestForEntry(entry, o), true)),
      launchFile: async (file, o) => void (await this.launchFile(file, o)),
    });
    this.panelArea.append(this.host.element);
    root.append(
      h('header', { class: 'topbar' }, h('div', { class: 'brand' }, h('span', { class: 'logo' }, '◈'), h('span', { class: 'brand-name' }, 'minivisor'), h('span', { class: 'tagline' }, 'RISC-V guests side by side, in one browser tab')), this.summary),
      h('div', { class: 'layout' }, launcher.element, h('main', { class: 'main' }, this.banner.element, this.tabs.element, this.panelArea)),
    );
    model.on('added', (g) => this.onAdded(g));
    model.on('removed', (g) => this.onRemoved(g));
    model.on('changed', (g) => {
      this.tabs.update(g);
      this.panels.get(g.id)?.update();
      if (this.selected === HOST_TAB) this.host.render();
    });
    model.on('output', ({ guest, bytes }) => this.panels.get(guest.id)?.console.write(bytes));
    model.on('stats', (g) => {
      if (this.selected === String(g.id)) this.panels.get(g.id)?.render();
    });
    model.on('workers', (workers) => {
      if (this.selected === HOST_TAB) this.host.render();
      const live = workers.filter((w) => !w.crashed).length;
      const mips = [...model.guests.values()].reduce((s, g) => s + (g.state === 'crashed' ? 0 : (g.stats?.mips ?? 0)), 0);
      this.summary.textContent = `${live} host CPU${live === 1 ? '' : 's'} · ${model.guests.size} guest${model.guests.size === 1 ? '' : 's'} · ${mips.toFixed(0)} MIPS`;
    });
    window.addEventListener('resize', () => this.fitVisible());
    this.select(HOST_TAB);
  }

  /** Launches and shows errors in the banner; rethrows so that callers (automation) see them too. */
  async launch(req: LaunchRequest, show: boolean): Promise<PageGuest> {
    try {
      const g = await this.controller.launch(req);
      this.banner.clear();
      if (show) this.select(String(g.id));
      return g;
    } catch (e) {
      const message = e instanceof LaunchError ? e.message : `cannot launch ${req.name}: ${(e as Error).message}`;
      this.banner.show(`${req.name}: ${message}`);
      throw e;
    }
  }

  private async launchQuietly(req: LaunchRequest, show: boolean): Promise<PageGuest | undefined> {
    return this.launch(req, show).catch(() => undefined);
  }

  async launchFile(file: File, o: LaunchOptions): Promise<PageGuest | undefined> {
    const bytes = new Uint8Array(await file.arrayBuffer());
    return this.launchQuietly(requestForFile(file.name, bytes, o), true);
  }

  launchEntry(entry: CatalogueEntry, o: LaunchOptions, show: boolean): Promise<PageGuest> {
    return this.launch(requestForEntry(entry, o), show);
  }

  select(key: string): void {
    this.selected = key;
    this.tabs.select(key);
    this.host.element.hidden = key !== HOST_TAB;
    for (const [id, panel] of this.panels) panel.element.hidden = String(id) !== key;
    if (key === HOST_TAB) {
      this.host.render();
    } else {
      const panel = this.panels.get(Number(key));
      panel?.console.fit();
      panel?.render();
      panel?.console.focus();
    }
  }

  get selectedKey(): string {
    return this.selected;
  }

  private onAdded(g: PageGuest): void {
    const panel = new GuestPanel(g, this.controller, (m) => this.banner.show(m));
    panel.element.hidden = true;
    this.panels.set(g.id, panel);
    this.panelArea.append(panel.element);
    this.tabs.add(g);
    // xterm needs a size before output arrives: measure it once while briefly laid out.
    panel.element.hidden = false;
    panel.console.fit();
    panel.element.hidden = this.selected !== String(g.id);
  }

  private onRemoved(g: PageGuest): void {
    const panel = this.panels.get(g.id);
    panel?.dispose();
    panel?.element.remove();
    this.panels.delete(g.id);
    this.tabs.remove(g.id);
    if (this.selected === String(g.id)) {
      const next = [...this.panels.keys()].pop();
      this.select(next === undefined ? HOST_TAB : String(next));
    }
  }

  private fitVisible(): void {
    const panel = this.panels.get(Number(this.selected));
    panel?.console.fit();
    panel?.render();
  }
}
