/**
 * The launch sidebar: the catalogue (one click per guest), the options applied to the next
 * launch, and "run your own ELF" by file picker or by dropping a file anywhere on the page.
 */
import { catalogue, type CatalogueEntry } from '../catalogue.js';
import type { LaunchOptions } from '../launch-options.js';
import { WEIGHTS, weightLabel } from '../weights.js';
import type { BootMode } from '../worker/api.js';
import { h } from './dom.js';
import { SEGMENTS } from '../network.js';

export interface LauncherHandlers {
  readonly launchEntry: (entry: CatalogueEntry, options: LaunchOptions) => Promise<void>;
  readonly launchFile: (file: File, options: LaunchOptions) => Promise<void>;
}

const MiB = 1024 * 1024;

/** What the JIT option and the guest panel's JIT switch do (also in the glossary). */
export const JIT_HELP =
  'Translate hot code to WebAssembly: a block of guest code run often is compiled into a Wasm function, which the browser turns into native code. ' +
  'The guest behaves exactly the same (same traps, same TLB); it runs several times faster. Off: every instruction is interpreted.';
const RAM_CHOICES = [1, 4, 16, 64, 128, 256];

export class Launcher {
  readonly element: HTMLElement;
  private readonly ram = h('select', { testid: 'opt-ram' }, h('option', { value: '' }, 'default'), ...RAM_CHOICES.map((m) => h('option', { value: m * MiB }, `${m} MiB`)));
  private readonly weight = h('select', { testid: 'opt-weight' }, ...WEIGHTS.map((w) => h('option', { value: w, selected: w === 1 }, weightLabel(w))));
  private readonly mode = h('select', { testid: 'opt-mode' }, h('option', { value: '' }, 'default'), h('option', { value: 'bare' }, 'bare (M-mode)'), h('option', { value: 'kernel' }, 'kernel (S-mode + SBI)'));
  private readonly deterministic = h('input', { type: 'checkbox', testid: 'opt-deterministic' });
  private readonly jit = h('input', { type: 'checkbox', testid: 'opt-jit', checked: true });
  private readonly net = h('select', { testid: 'opt-net', title: 'Plug the guest\'s network card into the switch, on this segment (Linux gets 10.0.0.N)' }, h('option', { value: '' }, 'unplugged'), ...SEGMENTS.map((s) => h('option', { value: s }, `segment ${s}`)));
  private readonly bootargs = h('input', { type: 'text', placeholder: 'kernel command line', testid: 'opt-bootargs', spellcheck: 'false' });

  constructor(private readonly handlers: LauncherHandlers) {
    const list = h('ul', { class: 'catalogue' });
    for (const entry of catalogue) {
      const btn = h(
        'button',
        { class: 'entry', testid: `launch-${entry.name}`, title: `Launch ${entry.name}` },
        h('span', { class: 'entry-head' }, h('span', { class: 'entry-name' }, entry.name), entry.mode === 'kernel' ? h('span', { class: 'badge' }, 'kernel') : null),
        h('span', { class: 'entry-desc' }, entry.description),
      );
      btn.addEventListener('click', () => void handlers.launchEntry(entry, this.take()));
      list.append(h('li', {}, btn));
    }
    const fileInput = h('input', { type: 'file', testid: 'file-input', class: 'file-input' });
    fileInput.addEventListener('change', () => {
      const file = fileInput.files?.[0];
      fileInput.value = ''; // the same file can be picked again
      if (file) void handlers.launchFile(file, this.take());
    });
    const drop = h('label', { class: 'drop-zone', testid: 'drop-zone' }, fileInput, h('strong', {}, 'Run your own ELF'), h('span', {}, 'drop a RISC-V ELF, a Linux Image or a saved .mvsnap here, or click to choose'));
    const opt = (label: string, control: HTMLElement) => h('label', { class: 'option' }, h('span', {}, label), control);
    this.element = h(
      'aside',
      { class: 'launcher' },
      h('h2', {}, 'Launch a guest'),
      list,
      h('h2', {}, 'Options for the next launch'),
      h(
        'div',
        { class: 'options' },
        opt('RAM', this.ram),
        opt('CPU share', this.weight),
        opt('Boot', this.mode),
        opt('Kernel args', this.bootargs),
        opt('Network', this.net),
        h('label', { class: 'option check' }, this.deterministic, h('span', {}, 'deterministic time (mtime from instructions)')),
        h('label', { class: 'option check', title: JIT_HELP }, this.jit, h('span', {}, 'Translate hot code (JIT)')),
        h('p', { class: 'options-note' }, 'Boot mode and kernel args are for one launch: they go back to the default once used.'),
      ),
      drop,
    );
    this.enableDrop(drop);
  }

  /**
   * The options for a launch that is starting now. Boot mode and kernel arguments belong to one
   * image, so they are used once and cleared: minios's `console=uart` must not follow into the
   * next Linux. RAM, CPU share and deterministic time stay as chosen.
   */
  take(): LaunchOptions {
    const o = this.options();
    this.bootargs.value = '';
    this.mode.value = '';
    return o;
  }

  options(): LaunchOptions {
    const o: { -readonly [K in keyof LaunchOptions]: LaunchOptions[K] } = { weight: Number(this.weight.value), deterministic: this.deterministic.checked, jit: this.jit.checked };
    if (this.ram.value) o.ramBytes = Number(this.ram.value);
    if (this.mode.value) o.mode = this.mode.value as BootMode;
    if (this.bootargs.value.trim()) o.bootargs = this.bootargs.value.trim();
    if (this.net.value) o.net = this.net.value;
    return o;
  }

  /** The JIT option's state (`?jit=off` starts it unchecked). */
  setJit(on: boolean): void {
    this.jit.checked = on;
  }

  /** Files dropped anywhere on the page launch; the drop zone lights up while dragging. */
  private enableDrop(zone: HTMLElement): void {
    const hasFiles = (e: DragEvent) => e.dataTransfer?.types.includes('Files') ?? false;
    window.addEventListener('dragover', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      zone.classList.add('dragging');
    });
    window.addEventListener('dragleave', (e) => {
      if (e.relatedTarget === null) zone.classList.remove('dragging');
    });
    window.addEventListener('drop', (e) => {
      if (!hasFiles(e)) return;
      e.preventDefault();
      zone.classList.remove('dragging');
      const file = e.dataTransfer?.files[0];
      if (file) void this.handlers.launchFile(file, this.take());
    });
  }
}
