/**
 * Inside the machine (issue 14): read-only views of a guest for the page's machine panel, a
 * debugger that single-steps, and the per-exit-class cost measurement. Everything here reads the
 * guest through the host API (Guest.csrs, reg, readPhysical, exitCounters) and never changes it,
 * except debugRun, which steps a paused guest exactly as the Step button does.
 */
import { EXIT_NAMES, Hypervisor, type Guest, type ScheduledGuest, type Scheduler } from '../../index.js';
import type { InstructionView } from './api.js';
import { disassemble } from './disasm.js';

export interface MachineView {
  readonly pc: number;
  readonly priv: number;
  readonly instret: number;
  readonly regs: readonly number[];
  readonly csrs: Readonly<Record<string, number>>;
  /** the instructions around the PC (translated through the page table when paging is on) */
  readonly disasm: readonly (InstructionView & { readonly current: boolean; readonly physical?: number })[];
}

export interface PteView {
  readonly level: 1 | 0;
  /** guest-physical address of the PTE */
  readonly address: number;
  readonly pte?: number;
  /** 'pointer' to the next level, a 'leaf' (megapage at level 1), 'invalid' (V=0), 'unreadable' (not RAM), 'reserved' (W without R) */
  readonly kind: 'pointer' | 'leaf' | 'invalid' | 'unreadable' | 'reserved';
}

export interface PageWalk {
  readonly va: number;
  readonly satp: number;
  /** 'bare': satp.MODE = 0, virtual = physical */
  readonly mode: 'bare' | 'Sv32';
  readonly vpn1: number;
  readonly vpn0: number;
  readonly offset: number;
  readonly root?: number;
  readonly steps: readonly PteView[];
  /** the physical address, when the walk ended on a valid leaf */
  readonly pa?: number;
  /** why it did not, in words */
  readonly fault?: string;
  /** a 4 MiB megapage (leaf at level 1) */
  readonly megapage?: boolean;
}

export interface MemoryView {
  readonly address: number;
  readonly space: 'physical' | 'virtual';
  /** one row per 16 bytes: its address, the physical address (virtual space), its bytes (undefined: not RAM / not mapped) */
  readonly rows: readonly { readonly address: number; readonly physical?: number; readonly bytes?: Uint8Array }[];
}

export interface DebugRunRequest {
  /** stop before executing an instruction at one of these PCs (as the guest sees them: virtual under paging) */
  readonly pcs?: readonly number[];
  /** stop right after an exit of one of these reasons (names of EXIT_NAMES) */
  readonly exits?: readonly string[];
  /** host milliseconds at most (default 15) */
  readonly maxMs?: number;
  /** instructions at most */
  readonly maxSteps?: number;
}

export interface TraceEntry {
  readonly reason: string;
  /** PC of the instruction that caused it (before it ran) */
  readonly pc: number;
  /** PC after it (the trap handler, or the next instruction) */
  readonly next: number;
  readonly priv: number;
  readonly instret: number;
}

export interface DebugRunResult {
  readonly stop: 'pc' | 'exit' | 'budget' | 'wfi' | 'halted' | 'faulted';
  readonly pc: number;
  readonly steps: number;
  /** the exit that stopped it (stop 'exit') */
  readonly exit?: string;
  /** the exits seen during this run, oldest first (the last TRACE_MAX) */
  readonly trace: readonly TraceEntry[];
}

const TRACE_MAX = 200;

function word(b: Uint8Array, i = 0): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/** The Sv32 walk of `va` through the guest's current satp, reading PTEs with readPhysical. */
export function walk(guest: Guest, va: number, satp = guest.csrs().satp): PageWalk {
  va >>>= 0;
  const vpn1 = va >>> 22;
  const vpn0 = (va >>> 12) & 0x3ff;
  const offset = va & 0xfff;
  const base = { va, satp, vpn1, vpn0, offset };
  if (satp >>> 31 === 0) return { ...base, mode: 'bare', steps: [], pa: va };
  const root = (satp & 0x3fffff) * 4096;
  const steps: PteView[] = [];
  let table = root;
  for (const level of [1, 0] as const) {
    const address = table + (level === 1 ? vpn1 : vpn0) * 4;
    const b = guest.readPhysical(address, 4);
    if (!b) {
      steps.push({ level, address, kind: 'unreadable' });
      return { ...base, mode: 'Sv32', root, steps, fault: `the level-${level} PTE at ${hex(address)} is not in RAM: page fault` };
    }
    const pte = word(b);
    const v = pte & 1;
    const r = (pte >>> 1) & 1;
    const w = (pte >>> 2) & 1;
    const x = (pte >>> 3) & 1;
    if (!v) {
      steps.push({ level, address, pte, kind: 'invalid' });
      return { ...base, mode: 'Sv32', root, steps, fault: `level-${level} PTE not valid (V=0): page fault` };
    }
    if (w && !r) {
      steps.push({ level, address, pte, kind: 'reserved' });
      return { ...base, mode: 'Sv32', root, steps, fault: 'W without R is reserved: page fault' };
    }
    if (r || x) {
      steps.push({ level, address, pte, kind: 'leaf' });
      if (level === 1) {
        if (((pte >>> 10) & 0x3ff) !== 0) return { ...base, mode: 'Sv32', root, steps, fault: 'misaligned megapage (PPN[0] ≠ 0): page fault' };
        return { ...base, mode: 'Sv32', root, steps, megapage: true, pa: (pte >>> 20) * 0x400000 + (va & 0x3fffff) };
      }
      return { ...base, mode: 'Sv32', root, steps, pa: (pte >>> 10) * 4096 + offset };
    }
    steps.push({ level, address, pte, kind: 'pointer' });
    if (level === 0) return { ...base, mode: 'Sv32', root, steps, fault: 'pointer at level 0: page fault' };
    table = (pte >>> 10) * 4096;
  }
  return { ...base, mode: 'Sv32', root, steps, fault: 'unreachable' };
}

function pagingOn(guest: Guest, csrs = guest.csrs()): boolean {
  return guest.priv !== 3 && csrs.satp >>> 31 === 1;
}

/** A physical address for a virtual one as the guest's fetches see it now, or undefined. */
function fetchAddress(guest: Guest, va: number): number | undefined {
  if (!pagingOn(guest)) return va >>> 0;
  const w = walk(guest, va);
  return w.pa;
}

function instructionAtAddress(guest: Guest, va: number): InstructionView & { physical?: number } {
  const pa = fetchAddress(guest, va);
  if (pa === undefined) return { pc: va };
  const half = guest.readPhysical(pa, 2);
  if (!half) return { pc: va };
  const lo = half[0]! | (half[1]! << 8);
  if ((lo & 3) !== 3) return { pc: va, physical: pa, word: lo, length: 2, text: disassemble(lo, va) };
  // the second half may lie on the next page
  const hiPa = (va & 0xfff) === 0xffe ? fetchAddress(guest, va + 2) : pa + 2;
  const hi = hiPa === undefined ? undefined : guest.readPhysical(hiPa, 2);
  if (!hi) return { pc: va };
  const w = (lo | (hi[0]! << 16) | (hi[1]! << 24)) >>> 0;
  return { pc: va, physical: pa, word: w, length: 4, text: disassemble(w, va) };
}

/** Registers, CSRs and the disassembly around the PC. */
export function machineView(guest: Guest, before = 6, after = 10): MachineView {
  const csrs = guest.csrs();
  const pc = guest.pc;
  const regs: number[] = [];
  for (let i = 0; i < 32; i++) regs.push(i === 0 ? 0 : guest.reg(i));
  // Backwards, instruction lengths are ambiguous: try start points until one lands on the PC.
  let list: (InstructionView & { current: boolean; physical?: number })[] = [];
  for (let back = before * 4; back >= 0; back -= 2) {
    const seq: (InstructionView & { current: boolean; physical?: number })[] = [];
    let at = (pc - back) >>> 0;
    let ok = true;
    while (at !== pc && seq.length < before * 2) {
      const ins = instructionAtAddress(guest, at);
      if (!ins.length) {
        ok = false;
        break;
      }
      seq.push({ ...ins, current: false });
      at = (at + ins.length) >>> 0;
      if (((pc - at) | 0) < 0) {
        ok = false;
        break;
      }
    }
    if (ok && at === pc) {
      list = seq.slice(-before);
      break;
    }
  }
  let at = pc;
  for (let i = 0; i <= after; i++) {
    const ins = instructionAtAddress(guest, at);
    list.push({ ...ins, current: at === pc });
    if (!ins.length) break;
    at = (at + ins.length) >>> 0;
  }
  return { pc, priv: guest.priv, instret: guest.instret, regs, csrs, disasm: list };
}

/** `length` bytes from `address` (at most 4 KiB), in rows of 16, physical or through the page table. */
export function readMemory(guest: Guest, address: number, length: number, space: 'physical' | 'virtual'): MemoryView {
  address = (address >>> 0) & ~15;
  length = Math.min(4096, Math.max(16, Math.ceil(length / 16) * 16));
  const rows: { address: number; physical?: number; bytes?: Uint8Array }[] = [];
  const satp = guest.csrs().satp;
  for (let a = address; a < address + length; a += 16) {
    const va = a >>> 0;
    const pa = space === 'physical' ? va : walk(guest, va, satp).pa;
    const bytes = pa === undefined ? undefined : guest.readPhysical(pa, 16);
    rows.push({ address: va, ...(pa !== undefined ? { physical: pa } : {}), ...(bytes ? { bytes } : {}) });
  }
  return { address, space, rows };
}

/**
 * Runs a paused guest one instruction at a time (Scheduler.step, as the Step button) until a PC
 * breakpoint is about to execute, an exit of a watched reason happened, or the budget is spent.
 * Every exit seen on the way goes into the trace. Exact, and slow (a few million instructions a
 * second): that is the price of a breakpoint without touching the guest.
 */
export function debugRun(scheduler: Scheduler, sg: ScheduledGuest, req: DebugRunRequest): DebugRunResult {
  const guest = sg.guest;
  scheduler.pause(sg);
  const pcs = new Set((req.pcs ?? []).map((p) => p >>> 0));
  const watch = new Set<number>();
  for (const name of req.exits ?? []) {
    const i = EXIT_NAMES.indexOf(name);
    if (i >= 0) watch.add(i);
  }
  const maxMs = req.maxMs ?? 15;
  const maxSteps = req.maxSteps ?? Infinity;
  const t0 = performance.now();
  let prev = guest.exitCounters();
  const trace: TraceEntry[] = [];
  let steps = 0;
  const done = (stop: DebugRunResult['stop'], exit?: string): DebugRunResult => ({ stop, pc: guest.pc, steps, trace, ...(exit ? { exit } : {}) });
  for (;;) {
    if (sg.state === 'halted') return done('halted');
    if (sg.state === 'faulted') return done('faulted');
    const pc = guest.pc;
    if (steps > 0 && pcs.has(pc)) return done('pc');
    if (steps >= maxSteps || (steps & 255) === 0 && performance.now() - t0 > maxMs) return done('budget');
    const instret = guest.instret;
    scheduler.step(sg);
    const after = guest.pc;
    const cur = guest.exitCounters();
    let hit: string | undefined;
    for (let i = 0; i < cur.length; i++) {
      const d = cur[i]! - prev[i]!;
      if (d === 0) continue;
      const reason = EXIT_NAMES[i] ?? `reserved:${i}`;
      for (let k = 0; k < Math.min(d, 4); k++) trace.push({ reason, pc, next: after, priv: guest.priv, instret });
      if (watch.has(i)) hit = reason;
    }
    if (trace.length > TRACE_MAX) trace.splice(0, trace.length - TRACE_MAX);
    prev = cur;
    const moved = guest.instret !== instret || after !== pc;
    if (moved) steps++;
    if (hit) return done('exit', hit);
    if (!moved && sg.state === 'paused') return done('wfi');
  }
}

// ---- the cost of an exit, measured -------------------------------------------------------------

export interface ExitCost {
  /** what the loop does */
  readonly label: string;
  /** the exits one iteration causes, by name */
  readonly exits: Readonly<Record<string, number>>;
  /** host nanoseconds per iteration, minus the empty loop's */
  readonly extraNsPerIteration: number;
  /** the same divided by the exits per iteration */
  readonly nsPerExit: number;
}

export interface ExitCostReport {
  /** host nanoseconds per iteration of the empty loop (3 instructions) */
  readonly baseNsPerIteration: number;
  readonly iterations: number;
  readonly costs: readonly ExitCost[];
}

// A tiny assembler: just what the loops need.
const X = { zero: 0, t0: 5, t1: 6, t2: 7, a0: 10, a1: 11, a6: 16, a7: 17 } as const;
const addi = (rd: number, rs: number, imm: number) => (((imm & 0xfff) << 20) | (rs << 15) | (rd << 7) | 0x13) >>> 0;
const lui = (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0;
const load = (f3: number, rd: number, rs: number, imm: number) => (((imm & 0xfff) << 20) | (rs << 15) | (f3 << 12) | (rd << 7) | 0x03) >>> 0;
const csrr = (rd: number, csr: number) => ((csr << 20) | (2 << 12) | (rd << 7) | 0x73) >>> 0;
const bneBack = (rs1: number, rs2: number, back: number) => {
  const imm = -back & 0x1fff;
  return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | (rs2 << 20) | (rs1 << 15) | (1 << 12) | (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
};
const ECALL = 0x73;
const WFI_LOOP = [0x10500073, 0x0000006f]; // wfi; j . (never reached: the loop ends in a wfi)

/** A loop of `body` run `iterations` times, then WFI; the li of the loop counter first. */
function program(setup: number[], body: number[], iterations: number): number[] {
  const hi = (iterations + 0x800) >>> 12;
  const lo = iterations - (hi << 12);
  const loop = [...body, addi(X.t0, X.t0, -1)];
  return [...setup, lui(X.t0, hi), addi(X.t0, X.t0, lo), ...loop, bneBack(X.t0, X.zero, loop.length * 4) >>> 0, ...WFI_LOOP];
}

/** A minimal ELF32 RISC-V executable: one PT_LOAD segment of `code` at 0x80000000. */
export function tinyElf(code: number[]): Uint8Array {
  const text = new Uint8Array(code.length * 4);
  const dv = new DataView(text.buffer);
  code.forEach((w, i) => dv.setUint32(i * 4, w >>> 0, true));
  const out = new Uint8Array(84 + text.length);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  v.setUint32(24, 0x80000000, true); // entry
  v.setUint32(28, 52, true); // phoff
  v.setUint16(40, 52, true); // ehsize
  v.setUint16(42, 32, true); // phentsize
  v.setUint16(44, 1, true); // phnum
  v.setUint16(46, 40, true); // shentsize
  v.setUint32(52, 1, true); // PT_LOAD
  v.setUint32(56, 84, true); // offset
  v.setUint32(60, 0x80000000, true); // vaddr
  v.setUint32(64, 0x80000000, true); // paddr
  v.setUint32(68, text.length, true);
  v.setUint32(72, text.length, true);
  v.setUint32(76, 7, true); // RWX
  v.setUint32(80, 4, true);
  out.set(text, 84);
  return out;
}

interface Bench {
  readonly label: string;
  readonly kernel: boolean;
  readonly setup: number[];
  readonly body: number[];
}

const BENCHES: readonly Bench[] = [
  { label: 'UART register read (lbu LSR): emulated device', kernel: false, setup: [lui(X.a0, 0x10000)], body: [load(4, X.t2, X.a0, 5)] },
  { label: 'CLINT mtime read (lw): emulated device', kernel: false, setup: [lui(X.a1, 0x0200c), addi(X.a1, X.a1, -8)], body: [load(2, X.t2, X.a1, 0)] },
  { label: 'CSR read (csrr mscratch): trap-and-emulate', kernel: false, setup: [], body: [csrr(X.t2, 0x340)] },
  { label: 'rdtime (csrr time): a virtualized clock', kernel: false, setup: [], body: [csrr(X.t2, 0xc01)] },
  { label: 'hypercall (SBI base.get_spec_version): paravirtualization', kernel: true, setup: [], body: [addi(X.a7, X.zero, 0x10), addi(X.a6, X.zero, 0), ECALL] },
];

/**
 * Host time per exit, by class: each loop is timed on a scratch guest of this worker's own core
 * against the same loop without the exiting instruction; the difference, divided by the exits
 * counted per iteration, is what one exit costs the host. Best of three runs each.
 */
export function measureExitCosts(hv: Hypervisor, iterations = 200_000): ExitCostReport {
  const time = (code: number[], kernel: boolean): { ns: number; exits: Record<string, number> } => {
    let best = Infinity;
    let exits: Record<string, number> = {};
    for (let rep = 0; rep < 3; rep++) {
      const g = hv.createGuest({ ramBytes: 1 << 20 });
      try {
        if (kernel) g.bootKernel(tinyElf(code), { bootargs: '' });
        else g.load(tinyElf(code));
        const before = g.exitCounters();
        const t0 = performance.now();
        let left = 50_000_000;
        while (left > 0) {
          const stop = g.run(Math.min(left, 5_000_000));
          left -= g.lastRunCount;
          if (stop !== 0) break; // WFI at the end of the loop (or anything else): done
        }
        const ns = (performance.now() - t0) * 1e6;
        if (ns < best) best = ns;
        const after = g.exitCounters();
        exits = {};
        after.forEach((c, i) => {
          const d = c - before[i]!;
          if (d >= iterations / 2) exits[EXIT_NAMES[i]!] = Math.round((d / iterations) * 100) / 100;
        });
      } finally {
        g.destroy();
      }
    }
    return { ns: best / iterations, exits };
  };
  const base = time(program([], [addi(X.t1, X.t1, 1)], iterations), false);
  const kbase = time(program([], [addi(X.t1, X.t1, 1), addi(X.t1, X.t1, 1), addi(X.t1, X.t1, 1)], iterations), true);
  const costs = BENCHES.map((b) => {
    const r = time(program(b.setup, b.body, iterations), b.kernel);
    const extra = Math.max(0, r.ns - (b.kernel ? kbase.ns : base.ns));
    const per = Object.values(r.exits).reduce((s, n) => s + n, 0);
    return { label: b.label, exits: r.exits, extraNsPerIteration: extra, nsPerExit: per > 0 ? extra / per : extra };
  });
  return { baseNsPerIteration: base.ns, iterations, costs };
}

function hex(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/** assembly/guests.ts B_EXIT_COST: the exit-cost model's ticks per exit, in the guest's control block. */
const B_EXIT_COST = 0x234;

/**
 * The exit-cost model: every VM exit of this guest moves its clock forward by `ticks` (10 MHz
 * mtime ticks: 10 = 1 µs); 0 turns it off. A model, not a measurement (docs/page.md).
 */
export function setExitCost(guest: Guest, ticks: number): void {
  const t = Math.max(0, Math.min(1_000_000, Math.round(ticks)));
  new DataView(guest.hypervisor.core.memory.buffer).setUint32(guest.region().base + B_EXIT_COST, t, true);
}

export function exitCost(guest: Guest): number {
  return new DataView(guest.hypervisor.core.memory.buffer).getUint32(guest.region().base + B_EXIT_COST, true);
}
