/**
 * VM exits, named the way `kvm_stat` names them. The core counts every exit per reason in a table
 * of EXIT_COUNT u64 counters per guest (assembly/exits.ts; the SBI slots in assembly/sbi.ts); this
 * file names every index of that table, in the same order. Names are `group:detail`, without
 * spaces, so the table printed by {@link formatExitTable} stays easy to parse:
 *
 *   mmio:<device>:read|write, mmio:unmapped        device emulation (full virtualization)
 *   csr:<group>, mret, sret, wfi, sfence.vma       privileged instructions emulated
 *   tlb:refill                                     software-TLB refills (page walks under Sv32)
 *   exception:<cause>, interrupt:<cause>           traps taken by the guest
 *   sbi:<extension>.<function>, sbi:other          hypercalls (paravirtualization)
 *   virtio-net:<reason>                            the network card (notify:rx|tx, config, interrupt, needs-reset)
 */
import type { Guest } from './hypervisor.js';

/** Number of counters per guest (the core's guestExitsCount()). */
export const EXIT_COUNT = 128;

export const EXIT_MMIO = 0;
export const EXIT_CSR = 11;
export const EXIT_EXCEPTION = 24;
export const EXIT_INTERRUPT = 40;
export const EXIT_SBI = 56;

/** mcause exception codes 0..15 (privileged spec 1.12, table 3.6). */
export const EXCEPTION_NAMES: readonly string[] = [
  'instruction_misaligned',
  'instruction_access_fault',
  'illegal_instruction',
  'breakpoint',
  'load_misaligned',
  'load_access_fault',
  'store_misaligned',
  'store_access_fault',
  'ecall_from_u',
  'ecall_from_s',
  'cause_10',
  'ecall_from_m',
  'instruction_page_fault',
  'load_page_fault',
  'cause_14',
  'store_page_fault',
];

/** mcause interrupt codes 0..15 (the core raises 1, 3, 5, 7, 9 and 11). */
export const INTERRUPT_NAMES: readonly string[] = [
  'cause_0',
  'supervisor_software',
  'cause_2',
  'machine_software',
  'cause_4',
  'supervisor_timer',
  'cause_6',
  'machine_timer',
  'cause_8',
  'supervisor_external',
  'cause_10',
  'machine_external',
  'cause_12',
  'cause_13',
  'cause_14',
  'cause_15',
];

/** SBI slots 0..33 as assembly/sbi.ts assigns them (function names from the SBI 2.0 spec). */
export const SBI_SLOT_NAMES: readonly string[] = [
  // legacy extensions 0x00..0x08 (SBI 0.1)
  'legacy.set_timer',
  'legacy.console_putchar',
  'legacy.console_getchar',
  'legacy.clear_ipi',
  'legacy.send_ipi',
  'legacy.remote_fence_i',
  'legacy.remote_sfence_vma',
  'legacy.remote_sfence_vma_asid',
  'legacy.shutdown',
  // BASE 0..6
  'base.get_spec_version',
  'base.get_impl_id',
  'base.get_impl_version',
  'base.probe_extension',
  'base.get_mvendorid',
  'base.get_marchid',
  'base.get_mimpid',
  // TIME, IPI
  'time.set_timer',
  'ipi.send_ipi',
  // RFENCE 0..6
  'rfence.remote_fence_i',
  'rfence.remote_sfence_vma',
  'rfence.remote_sfence_vma_asid',
  'rfence.remote_hfence_gvma_vmid',
  'rfence.remote_hfence_gvma',
  'rfence.remote_hfence_vvma_asid',
  'rfence.remote_hfence_vvma',
  // HSM 0..3
  'hsm.hart_start',
  'hsm.hart_stop',
  'hsm.hart_get_status',
  'hsm.hart_suspend',
  // SRST
  'srst.system_reset',
  // DBCN 0..2
  'dbcn.console_write',
  'dbcn.console_read',
  'dbcn.console_write_byte',
  // any other extension or function
  'other',
];

/** Index of the first virtio-net counter (assembly/exits.ts EXIT_VNET_NOTIFY_RX). */
export const EXIT_VIRTIO_NET = 90;
/** virtio-net exits 90..94: queue notifications, configuration accesses, interrupts, malformed virtqueues. */
export const VIRTIO_NET_EXIT_NAMES: readonly string[] = [
  'virtio-net:notify:rx',
  'virtio-net:notify:tx',
  'virtio-net:config',
  'virtio-net:interrupt',
  'virtio-net:needs-reset',
];

function buildNames(): readonly string[] {
  const names: string[] = [];
  for (const dev of ['uart', 'clint', 'plic', 'test', 'virtio']) names.push(`mmio:${dev}:read`, `mmio:${dev}:write`);
  names.push('mmio:unmapped');
  for (const group of ['machine', 'supervisor', 'satp', 'counters', 'pmp', 'other']) names.push(`csr:${group}`);
  names.push('mret', 'sret', 'wfi', 'sfence.vma', 'tlb:refill', 'mmio:pvpanic');
  while (names.length < EXIT_EXCEPTION) names.push(`reserved:${names.length}`);
  for (const n of EXCEPTION_NAMES) names.push(`exception:${n}`);
  for (const n of INTERRUPT_NAMES) names.push(`interrupt:${n}`);
  for (const n of SBI_SLOT_NAMES) names.push(`sbi:${n}`);
  // 90..94: virtio-net by reason (assembly/exits.ts EXIT_VNET_*)
  names.push(...VIRTIO_NET_EXIT_NAMES);
  while (names.length < EXIT_COUNT) names.push(`reserved:${names.length}`);
  return names;
}

/** The name of every counter index, 0..EXIT_COUNT-1 (unused ones are `reserved:<index>`). */
export const EXIT_NAMES: readonly string[] = buildNames();

const INDEX_BY_NAME = new Map(EXIT_NAMES.map((n, i) => [n, i]));

/** The counter index of a name such as `sbi:time.set_timer`, or undefined. */
export function exitIndex(name: string): number | undefined {
  return INDEX_BY_NAME.get(name);
}

export interface ExitStat {
  readonly name: string;
  readonly count: number;
}

/** Non-zero exit counters, in index order. */
export type ExitStats = ExitStat[];

/** Names the non-zero counters of a raw counter table (index order). */
export function namedExits(counters: ArrayLike<number>): ExitStats {
  const out: ExitStats = [];
  for (let i = 0; i < counters.length; i++) {
    const count = counters[i];
    if (count !== 0) out.push({ name: EXIT_NAMES[i] ?? `reserved:${i}`, count });
  }
  return out;
}

/** The guest's non-zero VM-exit counters, `{ name, count }`, in index order. */
export function readExits(guest: Guest): ExitStats {
  return namedExits(guest.exitCounters());
}

export interface ExitTableOptions {
  /** instructions the guest retired over the same period (shown in the header line) */
  readonly instructions?: number;
  /** wall-clock seconds over the same period (for the rate column) */
  readonly seconds?: number;
}

function formatRate(perSecond: number): string {
  if (!Number.isFinite(perSecond)) return '-';
  if (perSecond >= 100) return Math.round(perSecond).toString();
  return perSecond.toFixed(1);
}

/**
 * A kvm_stat-like table, sorted by count (then name): event, total, % of all exits, rate per second,
 * and a total line. With `instructions`, a first line says how many instructions ran per exit.
 */
export function formatExitTable(stats: readonly ExitStat[], options: ExitTableOptions = {}): string {
  const { instructions, seconds } = options;
  const total = stats.reduce((s, e) => s + e.count, 0);
  const rows = [...stats].sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rate = (n: number) => (seconds !== undefined && seconds > 0 ? formatRate(n / seconds) : '-');
  const pct = (n: number) => (total > 0 ? ((100 * n) / total).toFixed(1) : '0.0');
  const table: string[][] = [['Event', 'Total', '%Total', 'Rate/s']];
  for (const e of rows) table.push([e.name, String(e.count), pct(e.count), rate(e.count)]);
  table.push(['Total', String(total), total > 0 ? '100.0' : '0.0', rate(total)]);
  const widths = table[0].map((_, c) => Math.max(...table.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  const out: string[] = [];
  if (instructions !== undefined || seconds !== undefined) {
    const parts = [`VM exits: ${total}`];
    if (instructions !== undefined) {
      parts.push(`${instructions} instructions`);
      if (total > 0) parts.push(`${(instructions / total).toFixed(1)} instructions per exit`);
    }
    if (seconds !== undefined) parts.push(`${seconds.toFixed(3)} s`);
    out.push(parts.join(', '));
  }
  out.push(line(table[0]));
  for (const r of table.slice(1, -1)) out.push(line(r));
  out.push('-'.repeat(widths.reduce((s, w) => s + w, 0) + 2 * (widths.length - 1)));
  out.push(line(table[table.length - 1]));
  return out.join('\n') + '\n';
}
