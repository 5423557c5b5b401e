/**
 * Inside the machine: one guest's registers and CSRs (mstatus, mip/mie, satp decoded), the
 * disassembly around its PC, a memory view (guest-physical, or virtual through its page table),
 * the Sv32 walk of any virtual address, the TLB's entries, breakpoints on a PC or on an exit reason with step and
 * continue, the trace of the last exits (reason, PC: what `perf kvm` shows), and the cost of an
 * exit (measured, and the clock model). Everything comes from the worker's inspect RPCs
 * (src/web/worker/inspect.ts); nothing here changes the guest except Step and Continue.
 */
import { EXIT_NAMES } from '../../core/exits.js';
import { explainExit } from '../../core/exit-glossary.js';
import type { Controller } from '../controller.js';
import type { PageGuest } from '../model.js';
import type { DebugRunResult, ExitCostReport, MachineView, MemoryView, PageWalk, TraceEntry } from '../worker/inspect.js';
import type { TlbView } from '../worker/tlb.js';
import { PRIV_NAMES, h, hex32 } from './dom.js';

const ABI = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];

/** [name, bit, width] of the mstatus fields a learner meets. */
const MSTATUS_FIELDS: readonly [string, number, number, string][] = [
  ['SIE', 1, 1, 'S-mode interrupts enabled'],
  ['MIE', 3, 1, 'M-mode interrupts enabled'],
  ['SPIE', 5, 1, 'SIE before the last trap into S'],
  ['MPIE', 7, 1, 'MIE before the last trap into M'],
  ['SPP', 8, 1, 'mode before the last trap into S (0 U, 1 S)'],
  ['MPP', 11, 2, 'mode before the last trap into M (0 U, 1 S, 3 M)'],
  ['MPRV', 17, 1, 'M-mode loads/stores translated as MPP'],
  ['SUM', 18, 1, 'S-mode may touch U pages'],
  ['MXR', 19, 1, 'loads from execute-only pages allowed'],
  ['TVM', 20, 1, 'satp and SFENCE.VMA trap in S'],
  ['TW', 21, 1, 'WFI traps in S'],
  ['TSR', 22, 1, 'SRET traps in S'],
];
const INT_BITS: readonly [string, number][] = [
  ['SSIP', 1],
  ['MSIP', 3],
  ['STIP', 5],
  ['MTIP', 7],
  ['SEIP', 9],
  ['MEIP', 11],
];
const PTE_BITS = ['V', 'R', 'W', 'X', 'U', 'G', 'A', 'D'];

export function decodeMstatus(v: number): { name: string; value: number; help: string }[] {
  return MSTATUS_FIELDS.map(([name, bit, width, help]) => ({ name, value: (v >>> bit) & ((1 << width) - 1), help }));
}

export function decodeInterrupts(v: number): string[] {
  return INT_BITS.filter(([, bit]) => (v >>> bit) & 1).map(([n]) => (n.endsWith('IP') ? n.slice(0, -1) : n));
}

export function decodeSatp(v: number): { mode: 'bare' | 'Sv32'; asid: number; root: number } {
  return { mode: v >>> 31 ? 'Sv32' : 'bare', asid: (v >>> 22) & 0x1ff, root: (v & 0x3fffff) * 4096 };
}

export function pteBits(pte: number): string {
  return PTE_BITS.map((b, i) => ((pte >>> i) & 1 ? b : '-')).join('');
}

type Breakpoint = { readonly kind: 'pc'; readonly pc: number } | { readonly kind: 'exit'; readonly name: string };

export class MachinePanel {
  readonly element: HTMLElement;
  private readonly id: number;
  private readonly status: HTMLElement;
  private readonly regsEl: HTMLElement;
  private readonly csrEl: HTMLElement;
  private readonly disasmEl: HTMLElement;
  private readonly memRows: HTMLElement;
  private readonly walkEl: HTMLElement;
  private readonly traceEl: HTMLElement;
  private readonly bpList: HTMLElement;
  private readonly costEl: HTMLElement;
  private readonly tlbEl: HTMLElement;
  private readonly bpInput: HTMLInputElement;
  private readonly bpExit: HTMLSelectElement;
  private readonly memAddr: HTMLInputElement;
  private readonly memSpace: HTMLSelectElement;
  private readonly walkVa: HTMLInputElement;
  private readonly modelInput: HTMLInputElement;
  private readonly continueBtn: HTMLButtonElement;
  readonly breakpoints: Breakpoint[] = [];
  private trace: TraceEntry[] = [];
  private running = false;
  private stopRequested = false;
  last: MachineView | undefined;
  lastRun: DebugRunResult | undefined;
  lastWalk: PageWalk | undefined;
  lastMemory: MemoryView | undefined;
  lastCosts: ExitCostReport | undefined;
  lastTlb: TlbView | undefined;

  constructor(
    private readonly guest: PageGuest,
    private readonly controller: Controller,
    private readonly reportError: (m: string) => void,
  ) {
    const id = (this.id = guest.id);
    const btn = (label: string, testid: string, title: string, fn: () => Promise<unknown> | void) => {
      const b = h('button', { class: 'mini', testid: `${testid}-${id}`, title }, label);
      b.addEventListener('click', () => void this.act(fn));
      return b;
    };
    this.status = h('div', { class: 'mp-status', testid: `mp-status-${id}` }, 'Press Refresh, Step or Continue.');
    this.regsEl = h('div', { class: 'mp-regs', testid: `mp-regs-${id}` });
    this.csrEl = h('div', { class: 'mp-csrs', testid: `mp-csrs-${id}` });
    this.disasmEl = h('div', { class: 'mp-disasm', testid: `mp-disasm-${id}` });
    this.memRows = h('pre', { class: 'mp-mem', testid: `mem-rows-${id}` });
    this.walkEl = h('div', { class: 'mp-walk', testid: `walk-result-${id}` });
    this.traceEl = h('div', { class: 'mp-trace', testid: `trace-${id}` });
    this.bpList = h('div', { class: 'mp-bps', testid: `bp-list-${id}` });
    this.costEl = h('div', { class: 'mp-costs', testid: `cost-table-${id}` });
    this.tlbEl = h('div', { class: 'mp-tlb', testid: `tlb-${id}` });
    this.bpInput = h('input', { class: 'mp-input', testid: `bp-pc-${id}`, placeholder: 'PC, e.g. 0x80000000', size: 14 });
    this.bpExit = h('select', { class: 'mp-input', testid: `bp-exit-${id}` });
    for (const n of EXIT_NAMES) if (!n.startsWith('reserved:') && !/cause_\d+$/.test(n)) this.bpExit.append(h('option', { value: n, title: explainExit(n).definition }, n));
    this.memAddr = h('input', { class: 'mp-input', testid: `mem-addr-${id}`, value: '0x80000000', size: 12 });
    this.memSpace = h('select', { class: 'mp-input', testid: `mem-space-${id}` }, h('option', { value: 'physical' }, 'guest-physical'), h('option', { value: 'virtual' }, 'virtual (page table)'));
    this.walkVa = h('input', { class: 'mp-input', testid: `walk-va-${id}`, value: '0x00010000', size: 12 });
    this.modelInput = h('input', { class: 'mp-input', testid: `cost-model-${id}`, type: 'number', min: 0, max: 100000, value: 0, style: 'width:6em' });
    this.continueBtn = btn('Continue', 'mp-continue', 'Run one instruction at a time until a breakpoint (slow: a few million instructions a second)', () => this.continue());
    const section = (title: string, ...children: (Node | string)[]) => h('section', { class: 'mp-section' }, h('div', { class: 'section-title' }, title), ...children);
    // a memory row (address → physical, 16 bytes, their text) needs two columns' width
    const wide = (el: HTMLElement) => (el.classList.add('mp-wide'), el);
    this.element = h(
      'div',
      { class: 'machine-panel', testid: `machine-${id}`, hidden: true },
      h(
        'div',
        { class: 'mp-toolbar' },
        h('strong', {}, 'Inside the machine'),
        btn('Refresh', 'mp-refresh', 'Read registers, CSRs and the code around the PC again', () => this.refresh()),
        btn('Step', 'mp-step', 'Pause and run one instruction', () => this.run({ maxSteps: 1 })),
        this.continueBtn,
        btn('Stop', 'mp-stop', 'Stop Continue (the guest stays paused)', () => {
          this.stopRequested = true;
        }),
        btn('Resume', 'mp-resume', 'Let the guest run at full speed again (breakpoints are ignored then)', async () => {
          this.stopRequested = true;
          await this.controller.resume(id);
        }),
      ),
      this.status,
      h('div', { class: 'mp-bp-row' }, 'Break at PC ', this.bpInput, btn('Add', 'bp-add-pc', 'Stop before the instruction at this PC executes', () => this.addPc()), ' or after an exit ', this.bpExit, btn('Add', 'bp-add-exit', 'Stop right after an exit of this reason', () => this.addExit())),
      this.bpList,
      h(
        'div',
        { class: 'mp-grid' },
        section('Registers', this.regsEl),
        section('CSRs', this.csrEl),
        section('Code around the PC', this.disasmEl),
        section('Last exits (reason, PC → where it went)', this.traceEl),
      ),
      h(
        'div',
        { class: 'mp-grid' },
        wide(section('Memory', h('div', { class: 'mp-row' }, this.memAddr, this.memSpace, btn('Show', 'mem-show', 'Read 128 bytes there', () => this.showMemory())), this.memRows)),
        section('Page-table walk (Sv32)', h('div', { class: 'mp-row' }, 'virtual address ', this.walkVa, btn('Walk', 'walk-show', 'Translate through the guest\'s satp, level by level', () => this.showWalk())), this.walkEl),
        section(
          'TLB (software, in the core)',
          h('div', { class: 'mp-row' }, btn('Read TLB', 'tlb-show', 'The translations the core caches for this guest now: no page walk for these pages', () => this.showTlb())),
          this.tlbEl,
        ),
        section(
          'What an exit costs',
          h('div', { class: 'mp-row' }, btn('Measure', 'cost-measure', 'Time small loops with and without one exiting instruction on this host CPU', () => this.measure())),
          this.costEl,
          h('div', { class: 'mp-row', title: 'A model, not a measurement: each VM exit moves this guest\'s clock forward by this many ticks (10 ticks = 1 µs), as an exit costs a microsecond or more on hardware. 0 = off.' }, 'Model: charge ', this.modelInput, ' ticks (0.1 µs) per exit to the guest\'s clock ', btn('Apply', 'cost-model-apply', 'Set the exit-cost model for this guest', () => this.applyModel())),
        ),
      ),
    );
  }

  get visible(): boolean {
    return !this.element.hidden;
  }

  toggle(show = this.element.hidden): void {
    this.element.hidden = !show;
    if (show) void this.act(async () => {
      await this.refresh();
      await this.showTlb();
    });
  }

  private async act(fn: () => Promise<unknown> | void): Promise<void> {
    try {
      await fn();
    } catch (e) {
      this.reportError(`${this.guest.name}: ${(e as Error).message}`);
    }
  }

  private parse(text: string): number | undefined {
    const t = text.trim().replace(/_/g, '');
    const n = /^0x[0-9a-f]+$/i.test(t) ? parseInt(t.slice(2), 16) : /^[0-9a-f]+$/i.test(t) ? parseInt(t, 16) : NaN;
    return Number.isFinite(n) && n >= 0 && n <= 0xffffffff ? n >>> 0 : undefined;
  }

  addPc(pc?: number): void {
    const v = pc ?? this.parse(this.bpInput.value);
    if (v === undefined) throw new Error(`not an address: ${this.bpInput.value}`);
    this.breakpoints.push({ kind: 'pc', pc: v });
    this.renderBps();
  }

  addExit(name?: string): void {
    this.breakpoints.push({ kind: 'exit', name: name ?? this.bpExit.value });
    this.renderBps();
  }

  clearBreakpoints(): void {
    this.breakpoints.length = 0;
    this.renderBps();
  }

  private renderBps(): void {
    this.bpList.replaceChildren(
      ...this.breakpoints.map((b, i) => {
        const x = h('button', { class: 'mini', title: 'Remove this breakpoint' }, '×');
        x.addEventListener('click', () => {
          this.breakpoints.splice(i, 1);
          this.renderBps();
        });
        return h('span', { class: 'mp-bp', 'data-bp': b.kind === 'pc' ? hex32(b.pc) : b.name }, b.kind === 'pc' ? `PC ${hex32(b.pc)}` : `exit ${b.name}`, x);
      }),
    );
  }

  async refresh(): Promise<MachineView> {
    const m = await this.controller.inspect(this.id, (api, local) => api.machine(local));
    this.last = m;
    this.renderMachine(m);
    return m;
  }

  /** One debug run (Step: maxSteps 1). */
  async run(req: { maxSteps?: number; maxMs?: number }): Promise<DebugRunResult> {
    const pcs = this.breakpoints.flatMap((b) => (b.kind === 'pc' ? [b.pc] : []));
    const exits = this.breakpoints.flatMap((b) => (b.kind === 'exit' ? [b.name] : []));
    const r = await this.controller.inspect(this.id, (api, local) => api.debugRun(local, { pcs, exits, ...req }));
    this.lastRun = r;
    this.trace = [...this.trace, ...r.trace].slice(-200);
    this.renderTrace();
    await this.refresh();
    this.renderTlb(r.tlb, 'at the stop');
    this.setStatus(r);
    return r;
  }

  /** Runs until a breakpoint (or Stop): debug runs of ~15 ms each, waiting while the guest sleeps in WFI. */
  async continue(timeoutMs = 60_000): Promise<DebugRunResult> {
    if (this.running) throw new Error('already running');
    this.running = true;
    this.stopRequested = false;
    this.continueBtn.disabled = true;
    const t0 = performance.now();
    let steps = 0;
    try {
      for (;;) {
        const pcs = this.breakpoints.flatMap((b) => (b.kind === 'pc' ? [b.pc] : []));
        const exits = this.breakpoints.flatMap((b) => (b.kind === 'exit' ? [b.name] : []));
        const r = await this.controller.inspect(this.id, (api, local) => api.debugRun(local, { pcs, exits, maxMs: 15 }));
        steps += r.steps;
        this.trace = [...this.trace, ...r.trace].slice(-200);
        if (r.stop !== 'budget' && r.stop !== 'wfi') {
          this.lastRun = { ...r, steps };
          this.renderTrace();
          await this.refresh();
          this.renderTlb(r.tlb, 'at the stop');
          this.setStatus(this.lastRun);
          return this.lastRun;
        }
        this.status.textContent = `running one instruction at a time… ${steps.toLocaleString('en')} so far${r.stop === 'wfi' ? ' (asleep in WFI: waiting for an interrupt)' : ''}`;
        if (this.stopRequested || performance.now() - t0 > timeoutMs) {
          this.lastRun = { ...r, steps };
          this.renderTrace();
          await this.refresh();
          this.setStatus(this.lastRun, this.stopRequested ? 'stopped' : 'timed out');
          return this.lastRun;
        }
        if (r.stop === 'wfi') await new Promise((res) => setTimeout(res, 10));
      }
    } finally {
      this.running = false;
      this.continueBtn.disabled = false;
    }
  }

  private setStatus(r: DebugRunResult, why?: string): void {
    const what =
      why ??
      (r.stop === 'pc'
        ? `breakpoint: about to execute ${hex32(r.pc)}`
        : r.stop === 'exit'
          ? `breakpoint: exit ${r.exit} just happened; now at ${hex32(r.pc)}`
          : r.stop === 'wfi'
            ? 'asleep in WFI: nothing ran (a key or a timer wakes it)'
            : r.stop === 'budget'
              ? `stepped; now at ${hex32(r.pc)}`
              : `the guest ${r.stop === 'halted' ? 'powered off' : 'faulted'}`);
    this.status.textContent = `${what} · ${r.steps.toLocaleString('en')} instruction${r.steps === 1 ? '' : 's'} · paused (Resume to run at full speed)`;
    this.status.dataset.stop = why ? why : r.stop;
    this.status.dataset.pc = hex32(r.pc);
    if (r.exit) this.status.dataset.exit = r.exit;
    else delete this.status.dataset.exit;
  }

  private renderMachine(m: MachineView): void {
    this.regsEl.replaceChildren(
      h('div', { class: 'mp-kv' }, h('span', {}, 'pc'), h('code', { testid: `mp-pc-${this.id}` }, hex32(m.pc))),
      h('div', { class: 'mp-kv' }, h('span', {}, 'mode'), h('code', {}, PRIV_NAMES[m.priv] ?? String(m.priv))),
      ...m.regs.map((v, i) => h('div', { class: 'mp-kv', title: `x${i}` }, h('span', {}, ABI[i]!), h('code', {}, hex32(v)))),
    );
    const c = m.csrs;
    const row = (name: string, value: number, decoded: string, help = '') => h('tr', { 'data-csr': name, title: help }, h('td', {}, name), h('td', {}, h('code', {}, hex32(value))), h('td', { class: 'mp-dec' }, decoded));
    const satp = decodeSatp(c.satp ?? 0);
    this.csrEl.replaceChildren(
      h(
        'table',
        { class: 'mp-table' },
        h('tbody', {},
          row('mstatus', c.mstatus ?? 0, decodeMstatus(c.mstatus ?? 0).map((f) => `${f.name}=${f.value}`).join(' '), MSTATUS_FIELDS.map(([n, , , help]) => `${n}: ${help}`).join('\n')),
          row('mie', c.mie ?? 0, decodeInterrupts(c.mie ?? 0).map((s) => s + 'E').join(' ') || '(none)', 'interrupts enabled, per source'),
          row('mip', c.mip ?? 0, decodeInterrupts(c.mip ?? 0).map((s) => s + 'P').join(' ') || '(none)', 'interrupts pending, per source (devices included)'),
          row('satp', c.satp ?? 0, satp.mode === 'bare' ? 'MODE=bare (no translation)' : `MODE=Sv32 ASID=${satp.asid} root=${hex32(satp.root)}`, 'address translation: mode, address-space id, page-table root'),
          ...(['mtvec', 'mepc', 'mcause', 'mtval', 'medeleg', 'mideleg', 'stvec', 'sepc', 'scause', 'stval', 'sscratch'] as const).map((n) => row(n, c[n] ?? 0, '')),
        ),
      ),
    );
    this.disasmEl.replaceChildren(
      ...m.disasm.map((d) =>
        h(
          'div',
          { class: d.current ? 'mp-ins mp-current' : 'mp-ins', 'data-pc': hex32(d.pc) },
          h('code', {}, (d.current ? '▶ ' : '  ') + hex32(d.pc)),
          h('code', { class: 'muted' }, d.word === undefined ? '(not mapped)' : d.length === 2 ? d.word.toString(16).padStart(4, '0') : d.word.toString(16).padStart(8, '0')),
          h('code', {}, d.text ?? ''),
        ),
      ),
    );
  }

  private renderTrace(): void {
    const rows = this.trace.slice(-24).reverse();
    this.traceEl.replaceChildren(
      rows.length === 0
        ? h('div', { class: 'muted' }, 'No exits recorded yet: Step or Continue records every exit on the way.')
        : h(
            'table',
            { class: 'mp-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'reason'), h('th', {}, 'PC'), h('th', {}, 'then'), h('th', {}, 'instret'))),
            h('tbody', {}, ...rows.map((t) => h('tr', { title: explainExit(t.reason).definition, 'data-exit': t.reason }, h('td', {}, t.reason), h('td', {}, h('code', {}, hex32(t.pc))), h('td', {}, h('code', {}, hex32(t.next))), h('td', {}, String(t.instret))))),
          ),
    );
  }

  get traceEntries(): readonly TraceEntry[] {
    return this.trace;
  }

  async showMemory(address?: number, space?: 'physical' | 'virtual'): Promise<MemoryView> {
    const a = address ?? this.parse(this.memAddr.value);
    if (a === undefined) throw new Error(`not an address: ${this.memAddr.value}`);
    const sp = space ?? (this.memSpace.value as 'physical' | 'virtual');
    this.memAddr.value = hex32(a);
    this.memSpace.value = sp;
    const m = await this.controller.inspect(this.id, (api, local) => api.readMemory(local, a, 128, sp));
    this.lastMemory = m;
    this.memRows.textContent = m.rows
      .map((r) => {
        const where = sp === 'virtual' ? `${hex32(r.address)} → ${r.physical === undefined ? '  (not mapped)' : hex32(r.physical)}` : hex32(r.address);
        if (!r.bytes) return `${where}  ${sp === 'virtual' && r.physical === undefined ? '' : '(not RAM)'}`;
        const hexes = [...r.bytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        const ascii = [...r.bytes].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
        return `${where}  ${hexes}  ${ascii}`;
      })
      .join('\n');
    return m;
  }

  async showWalk(va?: number): Promise<PageWalk> {
    const v = va ?? this.parse(this.walkVa.value);
    if (v === undefined) throw new Error(`not an address: ${this.walkVa.value}`);
    this.walkVa.value = hex32(v);
    const w = await this.controller.inspect(this.id, (api, local) => api.walk(local, v));
    this.lastWalk = w;
    const head = h('div', {}, `satp ${hex32(w.satp)}: ${w.mode === 'bare' ? 'bare, no translation: virtual = physical' : `Sv32, root table at ${hex32(w.root ?? 0)}`}; VPN[1]=${w.vpn1} VPN[0]=${w.vpn0} offset=0x${w.offset.toString(16)}`);
    const steps = w.steps.map((s) =>
      h(
        'tr',
        { 'data-level': String(s.level), 'data-kind': s.kind },
        h('td', {}, `level ${s.level}`),
        h('td', {}, h('code', {}, hex32(s.address))),
        h('td', {}, h('code', {}, s.pte === undefined ? '—' : hex32(s.pte))),
        h('td', {}, h('code', { title: 'V valid, R read, W write, X execute, U user, G global, A accessed, D dirty' }, s.pte === undefined ? '' : pteBits(s.pte))),
        h('td', {}, s.pte === undefined ? '' : `PPN ${hex32((s.pte >>> 10) * 4096).replace(/^0x/, '0x')}`),
        h('td', {}, s.kind === 'pointer' ? 'points to the next table' : s.kind === 'leaf' ? (s.level === 1 ? 'leaf: 4 MiB megapage' : 'leaf: 4 KiB page') : s.kind),
      ),
    );
    const result = h('div', { class: w.pa === undefined ? 'mp-fault' : 'mp-ok', testid: `walk-pa-${this.id}`, 'data-pa': w.pa === undefined ? '' : hex32(w.pa) }, w.pa === undefined ? `no translation: ${w.fault}` : `→ physical ${hex32(w.pa)}${w.megapage ? ' (megapage)' : ''}`);
    this.walkEl.replaceChildren(head, steps.length ? h('table', { class: 'mp-table' }, h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'PTE address'), h('th', {}, 'PTE'), h('th', {}, 'bits'), h('th', {}, ''), h('th', {}, ''))), h('tbody', {}, ...steps)) : '', result);
    return w;
  }

  /** The TLB now (a world switch to another guest of this host CPU empties it: then it shows none). */
  async showTlb(): Promise<TlbView> {
    const t = await this.controller.inspect(this.id, (api, local) => api.tlb(local));
    this.renderTlb(t, 'now');
    return t;
  }

  private renderTlb(t: TlbView, when: string): void {
    this.lastTlb = t;
    const ctx =
      t.mode === 'bare'
        ? 'satp MODE=bare: each entry maps a page to itself'
        : `satp Sv32, ASID ${t.asid} (entries carry no ASID: the core empties its TLBs when satp, the mode or SUM/MXR/MPRV change)`;
    const flags = (e: TlbView['entries'][number]) => `${e.read ? 'R' : '-'}${e.write ? 'W' : '-'}${e.exec ? 'X' : '-'}`;
    this.tlbEl.replaceChildren(
      h('div', { class: 'muted', testid: `tlb-summary-${this.id}`, 'data-entries': String(t.entries.length) }, `${when}: ${t.entries.length} pages cached in ${PRIV_NAMES[t.priv] ?? t.priv}-mode; ${ctx}. Three direct-mapped TLBs (load, store, fetch) of ${t.slots} slots; slot = bits 12-19 of the address. A world switch to another guest empties them.`),
      t.entries.length === 0
        ? h('div', { class: 'muted' }, 'Empty: the guest has not run since the last switch or flush. Step it, then read again.')
        : h(
            'table',
            { class: 'mp-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'slot'), h('th', {}, 'virtual page'), h('th', {}, 'physical page'), h('th', { title: 'R: in the load TLB, W: in the store TLB (a private page), X: in the fetch TLB' }, 'TLBs'), h('th', {}, 'page walk'))),
            h(
              'tbody',
              {},
              ...t.entries.map((e) =>
                h(
                  'tr',
                  { 'data-va': hex32(e.va), 'data-pa': e.pa === undefined ? '' : hex32(e.pa), 'data-perm': flags(e) },
                  h('td', {}, String(e.index)),
                  h('td', {}, h('code', {}, hex32(e.va))),
                  h('td', {}, h('code', {}, e.pa === undefined ? '?' : hex32(e.pa)), e.shared ? h('span', { class: 'muted', title: 'backed by the page of a guest it was forked from, shared copy-on-write' }, ' shared') : ''),
                  h('td', {}, h('code', {}, flags(e))),
                  h('td', { class: e.agrees === false ? 'mp-fault' : '' }, e.agrees === undefined ? '—' : e.agrees ? 'agrees' : 'differs (stale until SFENCE.VMA)'),
                ),
              ),
            ),
          ),
    );
  }

  async measure(): Promise<ExitCostReport> {
    this.costEl.textContent = 'measuring…';
    const r = await this.controller.inspect(this.id, (api) => api.measureExitCosts());
    this.lastCosts = r;
    this.costEl.replaceChildren(
      h('div', { class: 'muted' }, `empty loop: ${r.baseNsPerIteration.toFixed(1)} ns per iteration (3 instructions); ${r.iterations.toLocaleString('en')} iterations, best of 3`),
      h(
        'table',
        { class: 'mp-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'loop body'), h('th', {}, 'exits / iteration'), h('th', {}, 'host ns per exit'))),
        h('tbody', {}, ...r.costs.map((c) => h('tr', {}, h('td', {}, c.label), h('td', {}, Object.entries(c.exits).map(([n, k]) => `${k} ${n}`).join(', ')), h('td', { class: 'num' }, c.nsPerExit.toFixed(1))))),
      ),
    );
    return r;
  }

  async applyModel(ticks?: number): Promise<void> {
    const t = ticks ?? Number(this.modelInput.value);
    this.modelInput.value = String(t);
    await this.controller.inspect(this.id, (api, local) => api.setExitCost(local, t));
    this.modelInput.dataset.applied = String(t);
  }
}
