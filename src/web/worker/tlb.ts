/**
 * The guest's software TLB as the core holds it now (issue 14 item 4), for the machine panel.
 *
 * The core keeps three direct-mapped TLBs of 256 entries (read, write, fetch) in the "physical
 * CPU" at the bottom of its memory (assembly/hart.ts): each entry is a tag (the virtual page) and
 * an addend (host address = virtual address + addend). They hold the entries of whichever guest
 * is switched in; a world switch to another guest empties them (guests.ts switchTo). Entries carry
 * no ASID: the core empties the TLBs when satp, the privilege or MPRV/SUM/MXR change
 * (tlbcontext.ts), so every entry belongs to the current satp and privilege.
 *
 * This reads that memory directly (no core export needed): the constants below mirror hart.ts.
 * Reading switches the guest in first (as any read of its PC does), so what it shows is the truth
 * for this guest now: its live entries if it was the last to run, none if another guest ran since.
 */
import type { Guest } from '../../index.js';

/** assembly/hart.ts: TLB_READ, TLB_WRITE, TLB_EXEC, TLB_ENTRIES, TLB_INVALID */
const TLB_READ = 0x1000;
const TLB_WRITE = 0x1800;
const TLB_EXEC = 0x2000;
const TLB_ENTRIES = 256;
const TLB_INVALID = 0xffc;
const RAM_BASE = 0x8000_0000;

export interface TlbEntry {
  /** the slot: bits 12..19 of the virtual address (direct-mapped) */
  readonly index: number;
  /** the virtual page's base address */
  readonly va: number;
  /** the guest-physical page it maps to (undefined: a host page the guest's RAM map does not name) */
  readonly pa?: number;
  /** which of the three TLBs hold it: a load, a store, an instruction fetch may use it without a walk */
  readonly read: boolean;
  readonly write: boolean;
  readonly exec: boolean;
  /** backed by another guest's page (a fork reading its parent's page, shared copy-on-write; never a write entry) */
  readonly shared: boolean;
  /** the page table, walked now, gives the same physical page (undefined when paging is off) */
  readonly agrees?: boolean;
}

export interface TlbView {
  readonly satp: number;
  readonly priv: number;
  /** 'bare': no translation, each entry maps a page to itself */
  readonly mode: 'bare' | 'Sv32';
  readonly asid: number;
  /** slots in each of the three TLBs */
  readonly slots: number;
  /** one row per virtual page held, by slot */
  readonly entries: readonly TlbEntry[];
}

/**
 * Reads the TLBs of `guest`. `walkPa` translates a virtual address through the guest's page table
 * now (inspect.ts walk), to check each entry against it.
 */
export function readTlb(guest: Guest, walkPa: (va: number) => number | undefined): TlbView {
  const priv = guest.priv; // switches the guest in: from here on the TLBs are its own
  const satp = guest.csrs().satp >>> 0;
  const paging = satp >>> 31 === 1 && priv !== 3;
  const region = guest.region();
  const ramHost = region.ramBase;
  const ramBytes = guest.ramBytes;
  const mem = new DataView(guest.hypervisor.core.memory.buffer);
  // host page → RAM page, for pages not in the guest's own RAM window (shared with a fork)
  let foreign: Map<number, number> | undefined;
  const pageOf = (host: number): { pa?: number; shared: boolean } => {
    const own = host - ramHost;
    if (own >= 0 && own < ramBytes) {
      return { pa: RAM_BASE + own, shared: false };
    }
    if (!foreign) {
      foreign = new Map();
      for (let p = 0; p < ramBytes / 4096; p++) foreign.set(guest.pageView(p).byteOffset, p);
    }
    const p = foreign.get(host);
    return p === undefined ? { shared: true } : { pa: RAM_BASE + p * 4096, shared: true };
  };
  const entries: TlbEntry[] = [];
  for (let i = 0; i < TLB_ENTRIES; i++) {
    const held: { tlb: 'read' | 'write' | 'exec'; tag: number; host: number }[] = [];
    for (const [tlb, base] of [['read', TLB_READ], ['write', TLB_WRITE], ['exec', TLB_EXEC]] as const) {
      const tag = mem.getUint32(base + i * 8, true);
      if (tag === TLB_INVALID || (tag & 0xfff) !== 0) continue;
      const addend = mem.getUint32(base + i * 8 + 4, true);
      held.push({ tlb, tag, host: (tag + addend) >>> 0 });
    }
    // the three TLBs may hold different pages in the same slot: one row per virtual page
    for (const tag of new Set(held.map((e) => e.tag))) {
      const mine = held.filter((e) => e.tag === tag);
      const where = pageOf(mine[0]!.host);
      const walked = paging ? walkPa(tag) : undefined;
      entries.push({
        index: i,
        va: tag,
        ...(where.pa !== undefined ? { pa: where.pa } : {}),
        read: mine.some((e) => e.tlb === 'read'),
        write: mine.some((e) => e.tlb === 'write'),
        exec: mine.some((e) => e.tlb === 'exec'),
        shared: where.shared,
        ...(paging ? { agrees: walked !== undefined && where.pa !== undefined && (walked & ~0xfff) >>> 0 === where.pa } : {}),
      });
    }
  }
  return { satp, priv, mode: satp >>> 31 ? 'Sv32' : 'bare', asid: (satp >>> 22) & 0x1ff, slots: TLB_ENTRIES, entries };
}
