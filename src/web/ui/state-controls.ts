/**
 * A guest's state, in its toolbar: Save (downloads `<name>.mvsnap`), Fork (a new tab sharing its
 * RAM copy-on-write), Migrate (live pre-copy to another host CPU, from a menu of the others),
 * and, once its worker crashed, Restore from last save. The migration bar under the toolbar
 * shows a migration as it happens: rounds, pages per round, bytes, total time and downtime.
 */
import type { MigrationFigures, Model, PageGuest } from '../model.js';
import { formatBytes, h } from './dom.js';

export interface StateActions {
  save(id: number): Promise<unknown>;
  fork(id: number): Promise<unknown>;
  migrate(id: number, to: number): Promise<unknown>;
  restoreSave(id: number): Promise<unknown>;
}

const ms = (t: number | undefined): string => (t === undefined ? '–' : t < 10 ? `${t.toFixed(2)} ms` : `${t.toFixed(0)} ms`);

export class StateControls {
  /** Save, Fork, Migrate ▾ (with its menu) and Restore from last save, for the toolbar */
  readonly buttons: HTMLElement;
  /** the migration bar, under the toolbar */
  readonly bar: HTMLElement;
  private readonly saveBtn: HTMLButtonElement;
  private readonly forkBtn: HTMLButtonElement;
  private readonly migrateBtn: HTMLButtonElement;
  private readonly menu: HTMLElement;
  private readonly restoreBtn: HTMLButtonElement;

  constructor(
    private readonly guest: PageGuest,
    private readonly model: Model,
    private readonly actions: StateActions,
    private readonly act: (fn: () => Promise<unknown>) => Promise<void>,
  ) {
    const id = guest.id;
    this.saveBtn = h('button', { testid: `save-${id}`, title: 'Save the guest\'s whole state to a .mvsnap file (drop it on the page to restore it)' }, 'Save');
    this.forkBtn = h('button', { testid: `fork-${id}`, title: 'A copy of the running guest in a new tab, sharing its RAM copy-on-write' }, 'Fork');
    this.migrateBtn = h('button', { testid: `migrate-${id}`, title: 'Move the running guest to another host CPU (live, pre-copy)', 'aria-haspopup': 'menu', 'aria-expanded': 'false' }, 'Migrate ▾');
    this.menu = h('div', { class: 'tab-menu migrate-menu', testid: `migrate-menu-${id}`, role: 'menu', hidden: true });
    this.restoreBtn = h('button', { testid: `restore-save-${id}`, hidden: true, title: 'Bring the guest back as it was when last saved, on a live host CPU' }, 'Restore from last save');
    this.bar = h('div', { class: 'migration-bar', testid: `migration-${id}`, hidden: true });
    this.buttons = h('span', { class: 'state-controls' }, this.saveBtn, this.forkBtn, h('span', { class: 'migrate-wrap' }, this.migrateBtn, this.menu), this.restoreBtn);

    this.saveBtn.addEventListener('click', () => void this.act(() => actions.save(id)));
    this.forkBtn.addEventListener('click', () => void this.act(() => actions.fork(id)));
    this.restoreBtn.addEventListener('click', () => void this.act(() => actions.restoreSave(id)));
    this.migrateBtn.addEventListener('click', (e) => {
      e.stopPropagation();
      this.toggleMenu(this.menu.hidden);
    });
    document.addEventListener('click', (e) => {
      if (!this.menu.hidden && !this.menu.contains(e.target as Node)) this.toggleMenu(false);
    });
  }

  private toggleMenu(open: boolean): void {
    if (open) {
      const others = this.model.workers.filter((w) => w.index !== this.guest.cpu);
      this.menu.replaceChildren(
        ...(others.length === 0
          ? [h('span', { class: 'tab-menu-item muted' }, 'no other host CPU (?workers=2 or more)')]
          : others.map((w) => {
              const item = h('button', { class: 'tab-menu-item', role: 'menuitem', testid: `migrate-${this.guest.id}-to-${w.index}`, disabled: w.crashed !== undefined }, `to host CPU ${w.index}`, h('span', { class: 'tab-menu-state' }, w.crashed ? 'crashed' : `load ${Math.round((w.stats?.load ?? 0) * 100)} %`));
              item.addEventListener('click', () => {
                this.toggleMenu(false);
                void this.act(() => this.actions.migrate(this.guest.id, w.index));
              });
              return item;
            })),
      );
    }
    this.menu.hidden = !open;
    this.migrateBtn.setAttribute('aria-expanded', String(open));
  }

  /** State changed: which buttons apply. */
  update(): void {
    const g = this.guest;
    const dead = g.state === 'crashed';
    const live = g.state === 'running' || g.state === 'waiting' || g.state === 'paused';
    const migrating = g.migration?.phase === 'copying' || g.migration?.phase === 'stopped';
    this.saveBtn.disabled = dead || migrating;
    this.forkBtn.disabled = dead || migrating;
    this.migrateBtn.disabled = !live || migrating || this.model.workers.length < 2;
    this.restoreBtn.hidden = !(dead && g.lastSave);
    if (g.lastSave) this.restoreBtn.title = `Bring the guest back as saved at ${new Date(g.lastSave.at).toLocaleTimeString()}, on a live host CPU`;
  }

  /** The migration bar: live while it runs, the figures once it is over. */
  renderMigration(): void {
    const m = this.guest.migration;
    if (!m) {
      this.bar.hidden = true;
      return;
    }
    this.bar.hidden = false;
    this.bar.dataset.phase = m.phase;
    this.bar.dataset.rounds = String(m.rounds.length);
    this.bar.dataset.pages = String(m.pages);
    if (m.downtimeMs !== undefined) this.bar.dataset.downtime = m.downtimeMs.toFixed(3);
    const last = m.rounds[m.rounds.length - 1];
    const head =
      m.phase === 'copying'
        ? `Migrating to host CPU ${m.to} (running on ${m.from}): round ${last ? last.round : 0}${last ? `, ${last.pages} pages` : ''}`
        : m.phase === 'stopped'
          ? `Migrating to host CPU ${m.to}: stopped for the final copy`
          : m.phase === 'done'
            ? `Migrated from host CPU ${m.from} to host CPU ${m.to}`
            : `Migration to host CPU ${m.to} failed: still running on host CPU ${m.from}`;
    const figures = `${m.rounds.length} round${m.rounds.length === 1 ? '' : 's'} · ${m.pages} pages · ${formatBytes(m.bytes)} · ${ms(m.totalMs)} in all · downtime ${ms(m.downtimeMs)}`;
    const close = h('button', { class: 'icon', title: 'Dismiss', 'aria-label': 'Dismiss' }, '×');
    close.addEventListener('click', () => {
      if (m.phase === 'done' || m.phase === 'failed') this.bar.hidden = true;
    });
    this.bar.replaceChildren(
      ...[
      h('div', { class: `migration-head migration-${m.phase}` }, h('span', { testid: `migration-head-${this.guest.id}` }, head), h('span', { class: 'migration-figures', testid: `migration-figures-${this.guest.id}` }, figures), close),
      h('div', { class: 'migration-rounds', testid: `migration-rounds-${this.guest.id}` }, ...m.rounds.map((r) => h('span', { class: `migration-round${r.final ? ' final' : ''}`, title: `${formatBytes(r.bytes)} at ${ms(r.at)}` }, `${r.final ? 'stop' : `#${r.round}`} ${r.pages}`))),
      ...(m.error ? [h('div', { class: 'migration-error' }, m.error)] : []),
      ],
    );
  }
}

/** What a migration's figures say in one line (automation, bench). */
export function describeMigration(m: MigrationFigures): string {
  return `${m.rounds.length} rounds (${m.rounds.map((r) => r.pages).join(', ')} pages), ${formatBytes(m.bytes)}, ${ms(m.totalMs)}, downtime ${ms(m.downtimeMs)}`;
}
