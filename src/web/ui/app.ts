/**
 * The page's layout and its wiring: launcher on the left; the error banner, the tab strip and
 * the panels (one per guest, plus the host view) on the right. Only the visible panel redraws
 * its numbers; every console keeps receiving output whether visible or not.
 *
 * The two side panels (the launcher, and each guest's numbers) fold away so that a console keeps
 * 80 columns: below LAUNCHER_MIN_WIDTH the launcher starts folded and opens over the page, below
 * STATS_MIN_WIDTH the numbers start folded too. A toggle a learner clicks wins over the width.
 */
import type { CatalogueEntry } from '../catalogue.js';
import { LaunchError, MigrationError, type Controller, type LaunchRequest, type MigrateOptions } from '../controller.js';
import { SNAPSHOT_EXTENSION, SNAPSHOT_MAGIC } from '../../state/format.js';
import { requestForEntry, requestForFile, type LaunchOptions } from '../launch-options.js';
import type { Model, PageGuest } from '../model.js';
import { h } from './dom.js';
import { ErrorBanner } from './error-banner.js';
import { GuestPanel } from './guest-panel.js';
import { HostView } from './host-view.js';
import { Launcher } from './launcher.js';
import type { MigrationFigures } from '../model.js';
import { HOST_TAB, NETWORK_TAB, TabBar } from './tab-bar.js';
import { NetworkView } from './network-view.js';

/** Launcher (290 px) + numbers (340 px) + an 80-column console (~660 px). */
const LAUNCHER_MIN_WIDTH = 1300;
/** Numbers + an 80-column console. */
const STATS_MIN_WIDTH = 1000;

const SUMMARY_HELP =
  'Total guest MIPS: the sum of every guest\'s instructions per second over the last second. ' +
  'Guests on one host CPU share it by weight: a second busy guest takes half of the first one\'s turns, ' +
  'so the total stays at what that CPU can run, not double. It also moves with whatever else the machine ' +
  'runs (the page itself, other tabs and programs), which takes time from the workers. Per host CPU: load, guest MIPS.';

export class App {
  readonly banner = new ErrorBanner();
  /** one line per notice from the workers (not errors: e.g. translation not allowed here), each shown once */
  private readonly notices = h('div', { class: 'notices', testid: 'notices', role: 'status', hidden: true });
  readonly launcher: Launcher;
  readonly panels = new Map<number, GuestPanel>();
  private readonly tabs: TabBar;
  private readonly host: HostView;
  private readonly network: NetworkView;
  private readonly panelArea = h('div', { class: 'panels' });
  private readonly summary = h('span', { class: 'summary', testid: 'summary', title: SUMMARY_HELP });
  private selected = HOST_TAB;
  private readonly root: HTMLElement;
  private readonly launcherToggle: HTMLButtonElement;
  /** what a learner chose with the toggles; undefined: follow the window's width */
  private launcherOpen: boolean | undefined;
  private statsOpen: boolean | undefined;

  constructor(
    root: HTMLElement,
    private readonly model: Model,
    private readonly controller: Controller,
  ) {
    this.root = root;
    this.tabs = new TabBar((key) => this.select(key));
    this.host = new HostView(model, controller, (m) => this.banner.show(m));
    this.network = new NetworkView(controller.network, (m) => this.banner.show(m), (id) => this.select(String(id)));
    const launcher = (this.launcher = new Launcher({
      launchEntry: async (entry, o) => {
        this.foldOverlay();
        await this.launchQuietly(requestForEntry(entry, o), true);
      },
      launchFile: async (file, o) => {
        this.foldOverlay();
        await this.launchFile(file, o);
      },
    }));
    this.launcherToggle = h('button', { class: 'toggle launcher-toggle', testid: 'toggle-launcher', title: 'Show or hide the guest catalogue', 'aria-controls': 'launcher' }, h('span', { class: 'toggle-icon' }, '☰'), ' Launch');
    this.launcherToggle.addEventListener('click', (e) => {
      e.stopPropagation();
      this.launcherOpen = root.classList.contains('launcher-folded');
      this.layout();
    });
    launcher.element.id = 'launcher';
    launcher.element.dataset.testid = 'launcher';
    // An overlaid launcher folds again on a click elsewhere or Escape.
    document.addEventListener('click', (e) => {
      if (root.classList.contains('launcher-overlay') && !launcher.element.contains(e.target as Node)) this.foldOverlay();
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') this.foldOverlay();
    });
    this.panelArea.append(this.host.element, this.network.element);
    root.append(
      h(
        'header',
        { class: 'topbar' },
        h('div', { class: 'brand' }, this.launcherToggle, h('span', { class: 'logo' }, '◈'), h('span', { class: 'brand-name' }, 'minivisor'), h('span', { class: 'tagline' }, 'RISC-V guests side by side, in one browser tab')),
        this.summary,
      ),
      h('div', { class: 'layout' }, launcher.element, h('main', { class: 'main' }, this.banner.element, this.notices, this.tabs.element, this.panelArea)),
    );
    model.on('added', (g) => this.onAdded(g));
    model.on('removed', (g) => this.onRemoved(g));
    model.on('changed', (g) => {
      this.tabs.update(g);
      this.panels.get(g.id)?.update();
      this.redrawSoon();
    });
    model.on('relaunched', (g) => this.panels.get(g.id)?.relaunched());
    model.on('migration', (g) => {
      const panel = this.panels.get(g.id);
      panel?.state?.renderMigration();
      panel?.update();
    });
    model.on('output', ({ guest, bytes }) => this.panels.get(guest.id)?.console.write(bytes));
    model.on('stats', (g) => {
      if (this.selected === String(g.id)) this.panels.get(g.id)?.render();
    });
    model.on('workers', () => this.redrawSoon());
    model.on('notice', (n) => this.showNotice(n.key, n.message));
    window.addEventListener('resize', () => this.layout());
    this.layout();
    this.select(HOST_TAB);
  }

  private redrawPending = false;

  /**
   * The host view and the header, redrawn once per frame however many state changes and stats
   * snapshots arrived in it (guests that sleep and wake change state many times a second).
   */
  private redrawSoon(): void {
    if (this.redrawPending) return;
    this.redrawPending = true;
    requestAnimationFrame(() => {
      this.redrawPending = false;
      if (this.selected === HOST_TAB) this.host.render();
      this.renderSummary();
    });
  }

  /** Header: host CPUs, guests, total guest MIPS, and each host CPU's load (SUMMARY_HELP says why the total moves). */
  private renderSummary(): void {
    const workers = this.model.workers;
    const live = workers.filter((w) => !w.crashed).length;
    const guests = [...this.model.guests.values()];
    const mips = guests.reduce((s, g) => s + (g.state === 'crashed' ? 0 : (g.stats?.mips ?? 0)), 0);
    const cpus = workers
      .map((w) => (w.crashed ? `CPU ${w.index} crashed` : `CPU ${w.index} ${Math.round((w.stats?.load ?? 0) * 100)} %`))
      .join(' · ');
    this.summary.dataset.mips = mips.toFixed(1);
    this.summary.textContent = `${live} host CPU${live === 1 ? '' : 's'} · ${guests.length} guest${guests.length === 1 ? '' : 's'} · ${mips.toFixed(0)} guest MIPS (${cpus})`;
  }

  /** A notice line (the model shows each key once); dismissable, and not in the error banner's red. */
  private showNotice(key: string, message: string): void {
    const close = h('button', { class: 'icon', title: 'Dismiss', 'aria-label': 'Dismiss' }, '×');
    const line = h('div', { class: 'notice', 'data-key': key, testid: `notice-${key}` }, h('span', { class: 'notice-icon' }, 'i'), h('span', { class: 'notice-text' }, message), close);
    close.addEventListener('click', () => {
      line.remove();
      this.notices.hidden = this.notices.childElementCount === 0;
      this.fitVisible();
    });
    this.notices.append(line);
    this.notices.hidden = false;
    this.fitVisible();
  }

  /** Folds or unfolds the side panels for the window's width (or as the learner chose). */
  private layout(): void {
    const w = window.innerWidth;
    const narrow = w < LAUNCHER_MIN_WIDTH;
    const launcherOpen = this.launcherOpen ?? !narrow;
    const statsOpen = this.statsOpen ?? w >= STATS_MIN_WIDTH;
    this.root.classList.toggle('launcher-folded', !launcherOpen);
    // Opened on a narrow window, the launcher lies over the page instead of squeezing the console.
    this.root.classList.toggle('launcher-overlay', launcherOpen && narrow);
    this.root.classList.toggle('stats-folded', !statsOpen);
    this.launcherToggle.setAttribute('aria-expanded', String(launcherOpen));
    for (const p of this.panels.values()) p.statsToggle.setAttribute('aria-pressed', String(statsOpen));
    this.fitVisible();
  }

  private toggleStats(): void {
    this.statsOpen = this.root.classList.contains('stats-folded');
    this.layout();
  }

  /** An overlaid launcher folds away once used. */
  private foldOverlay(): void {
    if (!this.root.classList.contains('launcher-overlay')) return;
    this.launcherOpen = undefined;
    this.layout();
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
    if (isSnapshotFile(file.name, bytes)) return this.restore(bytes, file.name).catch(() => undefined);
    return this.launchQuietly(requestForFile(file.name, bytes, o), true);
  }

  // ---- State: save, fork, migrate, restore (docs/snapshots.md) ----

  /** `.mvsnap` bytes in a new tab, on the least loaded worker; a bad file's SnapshotError message goes to the banner. */
  async restore(bytes: Uint8Array, fileName = 'snapshot'): Promise<PageGuest> {
    const name = fileName.replace(/\.mvsnap$/i, '') || 'snapshot';
    try {
      const g = await this.controller.restore(bytes, name);
      this.banner.clear();
      this.select(String(g.id));
      return g;
    } catch (e) {
      this.banner.show(`${fileName}: ${(e as Error).message}`);
      throw e;
    }
  }

  /** Save: the guest's `.mvsnap` bytes, downloaded as `<name>.mvsnap` (and kept as its last save). */
  async save(id: number, download = true): Promise<Uint8Array> {
    const g = this.model.get(id);
    const bytes = await this.controller.save(id);
    if (download) {
      const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
      const a = h('a', { href: url, download: `${g.name.replace(/[\\/:*?"<>|]/g, '_')}${SNAPSHOT_EXTENSION}`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    }
    return bytes;
  }

  /** Fork: the copy opens in its own tab. */
  async fork(id: number): Promise<PageGuest> {
    const g = await this.controller.fork(id);
    this.select(String(g.id));
    return g;
  }

  /** Live migration; a failure (the guest runs on at its source) is said in the banner. */
  async migrate(id: number, to: number, options: MigrateOptions = {}): Promise<MigrationFigures> {
    try {
      return await this.controller.migrate(id, to, options);
    } catch (e) {
      this.banner.show(e instanceof MigrationError ? e.message : `${this.model.get(id).name}: cannot migrate: ${(e as Error).message}`);
      throw e;
    }
  }

  /** A crashed guest comes back as it was last saved, in its tab. */
  async restoreSave(id: number): Promise<void> {
    const panel = this.panels.get(id);
    const g = this.model.get(id);
    panel?.console.restart(`restoring the save of ${g.lastSave ? new Date(g.lastSave.at).toLocaleTimeString() : '?'}`);
    await this.controller.relaunch(id, undefined, true);
    panel?.console.note(`running again on host CPU ${g.cpu}, from its last save`);
  }

  launchEntry(entry: CatalogueEntry, o: LaunchOptions, show: boolean): Promise<PageGuest> {
    return this.launch(requestForEntry(entry, o), show);
  }

  select(key: string): void {
    this.selected = key;
    this.tabs.select(key);
    this.host.element.hidden = key !== HOST_TAB;
    this.network.element.hidden = key !== NETWORK_TAB;
    this.network.visible = key === NETWORK_TAB;
    for (const [id, panel] of this.panels) panel.element.hidden = String(id) !== key;
    if (key === HOST_TAB) {
      this.host.render();
    } else if (key === NETWORK_TAB) {
      this.network.render();
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
    const panel = new GuestPanel(g, this.controller, (m) => this.banner.show(m), () => this.toggleStats(), {
      model: this.model,
      actions: { save: (id) => this.save(id), fork: (id) => this.fork(id), migrate: (id, to) => this.migrate(id, to), restoreSave: (id) => this.restoreSave(id) },
    });
    panel.statsToggle.setAttribute('aria-pressed', String(!this.root.classList.contains('stats-folded')));
    panel.element.hidden = true;
    this.panels.set(g.id, panel);
    this.panelArea.append(panel.element);
    this.tabs.add(g);
    this.renderSummary();
    // xterm needs a size before output arrives: measure it once while briefly laid out.
    panel.element.hidden = false;
    panel.console.fit();
    panel.element.hidden = this.selected !== String(g.id);
    // A fork's console starts with its parent's (the screen it was forked from).
    const parent = g.forkedFrom !== undefined ? this.panels.get(g.forkedFrom) : undefined;
    if (parent) {
      const lines = parent.console.text().replace(/\n+$/, '').split('\n').slice(-200);
      panel.console.write(new TextEncoder().encode(lines.join('\r\n')));
      panel.console.note(`forked from ${this.model.guests.get(g.forkedFrom!)?.name ?? 'its parent'} #${g.forkedFrom}`);
    }
  }

  private onRemoved(g: PageGuest): void {
    const panel = this.panels.get(g.id);
    panel?.dispose();
    panel?.element.remove();
    this.panels.delete(g.id);
    this.tabs.remove(g.id);
    this.renderSummary();
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

/** A dropped file is a snapshot when it is called *.mvsnap or starts with the signature. */
function isSnapshotFile(name: string, bytes: Uint8Array): boolean {
  return name.toLowerCase().endsWith(SNAPSHOT_EXTENSION) || SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b);
}
