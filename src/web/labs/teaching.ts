/**
 * What the page teaches (issue 14), installed beside the App: the header's explanation of host,
 * hypervisor and guests, the Labs menu (and `?lab=<name>`), the glossary, links to the docs, and
 * each guest's "Machine" panel. Kept out of app.ts so that the App stays about guests and tabs.
 */
import type { Controller } from '../controller.js';
import type { Model, PageGuest } from '../model.js';
import type { App } from '../ui/app.js';
import { h } from '../ui/dom.js';
import { glossaryElement } from '../ui/glossary.js';
import { MachinePanel } from '../ui/machine-panel.js';
import { COMING, LABS, findLab, labHref } from './index.js';
import { LabRunner } from './runner.js';

/** The docs, served with the page as plain text (Vite assets), so the links work offline too. */
const docUrls = import.meta.glob<string>(['../../../README.md', '../../../docs/{page,testing,labs,snapshots,network}.md', '../../../guests/minios/README.md', '../../../guests/linux/README.md', '../../../assembly/ISOLATION.md'], {
  query: '?url',
  import: 'default',
  eager: true,
});
const DOCS: readonly [string, string][] = [
  ['README', '../../../README.md'],
  ['The page', '../../../docs/page.md'],
  ['Labs (teachers)', '../../../docs/labs.md'],
  ['Testing guests', '../../../docs/testing.md'],
  ['minios', '../../../guests/minios/README.md'],
  ['Linux', '../../../guests/linux/README.md'],
  ['Snapshots', '../../../docs/snapshots.md'],
  ['Isolation (ISOLATION.md)', '../../../assembly/ISOLATION.md'],
];

export const WHAT_IS_WHAT =
  'Host: your computer and this browser; each Web Worker is a host CPU. Hypervisor: minivisor, a WebAssembly program on that host (a hosted, type-2 hypervisor). Guests: RISC-V virtual machines (echo, minios, Linux), each in its own slice of memory.';

export interface Teaching {
  readonly machines: Map<number, MachinePanel>;
  machine(id: number): MachinePanel | undefined;
  openLab(name: string): LabRunner;
  closeLab(): void;
  readonly lab: LabRunner | undefined;
  openGlossary(): void;
}

export function installTeaching(root: HTMLElement, app: App, model: Model, controller: Controller, ready: Promise<void>, search = location.search): Teaching {
  const machines = new Map<number, MachinePanel>();
  let runner: LabRunner | undefined;

  // ---- header: what is what, Labs, Glossary, Docs ----
  const menu = (label: string, testid: string, items: () => HTMLElement[]) => {
    const pop = h('div', { class: 'menu-pop', testid: `${testid}-menu`, hidden: true });
    const b = h('button', { class: 'toggle', testid, 'aria-haspopup': 'true' }, label);
    b.addEventListener('click', (e) => {
      e.stopPropagation();
      pop.replaceChildren(...items());
      pop.hidden = !pop.hidden;
    });
    document.addEventListener('click', () => (pop.hidden = true));
    return h('span', { class: 'menu' }, b, pop);
  };
  const labs = menu('Labs ▾', 'labs-button', () => [
    ...LABS.map((l) => h('a', { class: 'menu-item', href: labHref(l), testid: `lab-link-${l.name}`, title: l.aims }, h('strong', {}, l.title), h('span', { class: 'muted' }, l.technique))),
    ...COMING.map((l) => h('div', { class: 'menu-item coming', testid: `lab-coming-${l.name}`, title: `Needs ${l.needs}` }, h('strong', {}, `${l.title} — coming`), h('span', { class: 'muted' }, `needs ${l.needs}`))),
  ]);
  const docs = menu('Docs ▾', 'docs-button', () =>
    DOCS.flatMap(([label, key]) => {
      const url = docUrls[key];
      return url ? [h('a', { class: 'menu-item', href: url, target: '_blank', rel: 'noopener', testid: `doc-link-${label.split(' ')[0]!.toLowerCase()}` }, label)] : [];
    }),
  );
  const glossaryBtn = h('button', { class: 'toggle', testid: 'glossary-button', title: 'The words, and every VM exit explained' }, 'Glossary');
  const overlay = h('div', { class: 'overlay', testid: 'glossary-overlay', hidden: true });
  const openGlossary = () => {
    const close = h('button', { class: 'mini', testid: 'glossary-close' }, 'Close');
    close.addEventListener('click', () => (overlay.hidden = true));
    overlay.replaceChildren(h('div', { class: 'overlay-box' }, h('div', { class: 'overlay-head' }, h('strong', {}, 'Glossary'), close), glossaryElement()));
    overlay.hidden = false;
  };
  glossaryBtn.addEventListener('click', openGlossary);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') overlay.hidden = true;
  });
  const header = root.querySelector('header.topbar');
  const what = h('span', { class: 'what-is-what', testid: 'what-is-what', title: WHAT_IS_WHAT }, 'host → hypervisor → guests');
  header?.querySelector('.brand')?.append(what);
  header?.append(h('nav', { class: 'teach-nav' }, labs, glossaryBtn, docs));
  root.append(overlay);

  // ---- one Machine panel per guest ----
  const attach = (g: PageGuest) => {
    const panel = app.panels.get(g.id);
    if (!panel || machines.has(g.id)) return;
    const mp = new MachinePanel(g, controller, (m) => app.banner.show(m));
    machines.set(g.id, mp);
    const toolbar = panel.element.querySelector('.toolbar');
    toolbar?.after(mp.element);
    const b = h('button', { class: 'toggle', testid: `machine-toggle-${g.id}`, title: 'Inside the machine: registers, CSRs, memory, page walk, breakpoints, exit trace' }, 'Machine');
    b.addEventListener('click', () => {
      mp.toggle();
      b.setAttribute('aria-pressed', String(mp.visible));
    });
    panel.element.querySelector('.controls')?.append(b);
  };
  model.on('added', attach);
  model.on('removed', (g) => machines.delete(g.id));
  for (const g of model.guests.values()) attach(g);

  const closeLab = () => {
    runner?.dispose();
    runner = undefined;
    root.classList.remove('lab-open');
  };
  const openLab = (name: string) => {
    const lab = findLab(name);
    if (!lab) throw new Error(`no lab '${name}' (labs: ${LABS.map((l) => l.name).join(', ')})`);
    closeLab();
    runner = new LabRunner(lab, app, model, controller, (id) => machines.get(id), closeLab);
    root.querySelector('.layout')?.append(runner.element);
    root.classList.add('lab-open');
    return runner;
  };
  const wanted = new URLSearchParams(search).get('lab');
  if (wanted) {
    void ready.then(() => {
      try {
        openLab(wanted);
      } catch (e) {
        app.banner.show(`?lab=${wanted}: ${(e as Error).message}`);
      }
    });
  }
  return {
    machines,
    machine: (id) => machines.get(id),
    openLab,
    closeLab,
    get lab() {
      return runner;
    },
    openGlossary,
  };
}
