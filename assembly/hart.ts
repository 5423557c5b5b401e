// The physical CPU's state: the register file and CSRs of the guest that is switched in, at fixed
// addresses at the bottom of memory (see layout.ts). guests.ts saves and restores the first
// HART_SAVED bytes on a world switch; the software TLBs after it are simply flushed.

// x0..x31 at 0x000..0x07C: register n is at n*4, so the hot loop addresses it with no base.
export const H_PC: u32 = 0x080;
export const H_PRIV: u32 = 0x084;
export const H_MSTATUS: u32 = 0x088;
export const H_MIE: u32 = 0x08c;
/** Software-writable pending bits (SSIP, STIP, SEIP); device lines live in H_MIP_HW. */
export const H_MIP: u32 = 0x090;
/** Pending bits driven by devices: MSIP and MTIP (CLINT), MEIP and SEIP (PLIC), STIP (SBI timer). */
export const H_MIP_HW: u32 = 0x094;
export const H_MTVEC: u32 = 0x098;
export const H_MEPC: u32 = 0x09c;
export const H_MCAUSE: u32 = 0x0a0;
export const H_MTVAL: u32 = 0x0a4;
export const H_MSCRATCH: u32 = 0x0a8;
export const H_MCOUNTEREN: u32 = 0x0ac;
export const H_MEDELEG: u32 = 0x0b0;
export const H_MIDELEG: u32 = 0x0b4;
export const H_STVEC: u32 = 0x0b8;
export const H_SEPC: u32 = 0x0bc;
export const H_SCAUSE: u32 = 0x0c0;
export const H_STVAL: u32 = 0x0c4;
export const H_SSCRATCH: u32 = 0x0c8;
export const H_SCOUNTEREN: u32 = 0x0cc;
export const H_SATP: u32 = 0x0d0;
export const H_MCOUNTINHIBIT: u32 = 0x0d4;
/** LR/SC reservation: address, and 1 when valid. */
export const H_RESERVATION: u32 = 0x0d8;
export const H_RESERVATION_VALID: u32 = 0x0dc;
/** 1 while the hart sleeps in WFI. */
export const H_WFI: u32 = 0x0e0;
export const H_MENVCFG: u32 = 0x0e4;
export const H_MENVCFGH: u32 = 0x0e8;
export const H_SENVCFG: u32 = 0x0ec;
/**
 * Instructions retired since reset (u64), up to the start of the current chunk. The guest's
 * writes to its counters never change it: deterministic time and the host's figures count on it.
 */
export const H_INSTRET: u32 = 0x0f0;
/**
 * mcycle and minstret (u64 each): the counter minus H_INSTRET while it counts, or its frozen
 * value while mcountinhibit.CY / .IR stops it (csr.ts).
 */
export const H_CYCLE_OFFSET: u32 = 0x0f8;
export const H_PMPCFG: u32 = 0x100; // 4 x u32
export const H_PMPADDR: u32 = 0x110; // 16 x u32
export const H_INSTRET_OFFSET: u32 = 0x150;
/** Debug triggers (triggers.ts): tselect, then tdata1 (stored XOR 0x2000_0000) and tdata2 of each of the 2 triggers. */
export const H_TSELECT: u32 = 0x1e0;
export const H_TDATA1: u32 = 0x1e4; // 2 x u32
export const H_TDATA2: u32 = 0x1ec; // 2 x u32, up to 0x1f4
export const HART_SAVED: u32 = 0x200;

// Software TLBs: 256 direct-mapped entries each of (tag = virtual page base, addend), where
// host address = virtual address + addend. The fast path compares the tag with the address
// masked to its page number plus the bits that must be zero for an aligned access of that size
// (va & 0xffff_f003 for a word, & 0xffff_f001 for a halfword, & 0xffff_f000 for a byte). A valid
// tag has no low bits, so a misaligned access misses and takes the slow path, which also covers
// accesses that would cross a page.
export const TLB_READ: u32 = 0x1000;
export const TLB_WRITE: u32 = 0x1800;
export const TLB_EXEC: u32 = 0x2000;
export const TLB_ENTRIES: u32 = 256;
export const TLB_BYTES: u32 = 0x1800; // all three
/**
 * The tag of an empty entry. Its bits 2..11 are set, and no masked address ever has them (the
 * masks above keep at most bits 0 and 1 below the page number), so no access can match it,
 * whatever its address or alignment. (A tag of 1 once matched a misaligned word access in
 * page 0 and let it use a stale addend: see ISOLATION.md.)
 */
export const TLB_INVALID: u32 = isDefined(BUG_TLB_INVALID) ? 1 : 0xffc;

export const PRIV_U: u32 = 0;
export const PRIV_S: u32 = 1;
export const PRIV_M: u32 = 3;

// mstatus fields
export const MSTATUS_SIE: u32 = 1 << 1;
export const MSTATUS_MIE: u32 = 1 << 3;
export const MSTATUS_SPIE: u32 = 1 << 5;
export const MSTATUS_MPIE: u32 = 1 << 7;
export const MSTATUS_SPP: u32 = 1 << 8;
export const MSTATUS_MPP_SHIFT: u32 = 11;
export const MSTATUS_MPP: u32 = 3 << 11;
export const MSTATUS_MPRV: u32 = 1 << 17;
export const MSTATUS_SUM: u32 = 1 << 18;
export const MSTATUS_MXR: u32 = 1 << 19;
export const MSTATUS_TVM: u32 = 1 << 20;
export const MSTATUS_TW: u32 = 1 << 21;
export const MSTATUS_TSR: u32 = 1 << 22;

// interrupt bits in mip/mie
export const IRQ_SSI: u32 = 1;
export const IRQ_MSI: u32 = 3;
export const IRQ_STI: u32 = 5;
export const IRQ_MTI: u32 = 7;
export const IRQ_SEI: u32 = 9;
export const IRQ_MEI: u32 = 11;
export const MIP_SSIP: u32 = 1 << IRQ_SSI;
export const MIP_MSIP: u32 = 1 << IRQ_MSI;
export const MIP_STIP: u32 = 1 << IRQ_STI;
export const MIP_MTIP: u32 = 1 << IRQ_MTI;
export const MIP_SEIP: u32 = 1 << IRQ_SEI;
export const MIP_MEIP: u32 = 1 << IRQ_MEI;

// exception causes
export const EXC_INST_MISALIGNED: u32 = 0;
export const EXC_INST_ACCESS: u32 = 1;
export const EXC_ILLEGAL: u32 = 2;
export const EXC_BREAKPOINT: u32 = 3;
export const EXC_LOAD_MISALIGNED: u32 = 4;
export const EXC_LOAD_ACCESS: u32 = 5;
export const EXC_STORE_MISALIGNED: u32 = 6;
export const EXC_STORE_ACCESS: u32 = 7;
export const EXC_ECALL_U: u32 = 8;
export const EXC_ECALL_S: u32 = 9;
export const EXC_ECALL_M: u32 = 11;
export const EXC_INST_PAGE: u32 = 12;
export const EXC_LOAD_PAGE: u32 = 13;
export const EXC_STORE_PAGE: u32 = 15;

@inline export function rd32(addr: u32): u32 {
  return load<u32>(addr);
}
@inline export function wr32(addr: u32, v: u32): void {
  store<u32>(addr, v);
}

/** Empties all three TLBs: every tag invalid, every addend 0. */
export function flushTlb(): void {
  memory.fill(TLB_READ, 0, TLB_BYTES);
  // 0 would match page 0; mark every tag invalid instead.
  for (let i: u32 = 0; i < TLB_ENTRIES * 3; i++) store<u32>(TLB_READ + (i << 3), TLB_INVALID);
}

/** Empties one TLB entry: the tag becomes invalid and the addend goes too, so nothing of the old mapping is left. */
@inline export function invalidateTlbEntry(e: u32): void {
  store<u32>(e, TLB_INVALID);
  if (!isDefined(BUG_TLB_INVALID)) store<u32>(e + 4, 0);
}
