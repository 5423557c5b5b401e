// Attacker programs for the isolation fuzzer (fuzz/isolation.mjs).
//
// An attacker is a guest whose whole RAM is code and data written here. Two kinds of code:
//
//  - the old random mix (randomInstruction): random words and halfwords, and valid encodings
//    aimed at devices and RAM edges. Some code pages are only that, and "random" gadgets below
//    put short runs of it between the others;
//  - gadgets, short straight-line sequences aimed where isolation bugs hide: every alignment at
//    page offsets 0x000-0x003 and 0xffc-0xfff; page 0, 2^31 and 2^32, the RAM's first and last
//    page, pages whose TLB index ((va >>> 12) & 0xff) is 0 or 0xff; touch-a-page / SFENCE.VMA
//    (that page, another, all) / misaligned access in page 0 or at the same TLB index; satp
//    changes; MRET/SRET to U, S and M with MPP/SPP set and odd or misaligned mepc/sepc; JALR to
//    odd addresses and to page ends (a 32-bit instruction split across two pages, or across the
//    end of RAM); Sv32 page tables (built here in the attacker's RAM, edited by its own stores)
//    whose PTEs point at every region boundary; loads, stores, AMOs and LR/SC of every width;
//    interrupts; and, for attackers booted as kernels, SBI calls with edge buffers.
//
// Everything derives from the rng, so a seed replays exactly.

export const RAM_BASE = 0x8000_0000;

/** xorshift128+ in 32-bit halves: small, fast, and the same sequence everywhere. */
export function rng(seed) {
  let a = seed >>> 0 || 1;
  let b = Math.imul(seed, 0x9e3779b1) >>> 0 || 2;
  let c = 0x6c078965;
  let d = 0x12345678 ^ seed;
  const next = () => {
    const t = a ^ (a << 11);
    a = b;
    b = c;
    c = d;
    d = (d ^ (d >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return d;
  };
  for (let i = 0; i < 16; i++) next();
  return { u32: next, int: (n) => next() % n, pick: (xs) => xs[next() % xs.length] };
}

// ---------------------------------------------------------------------------------------------
// The old random mix (kept as it was: its statistics are part of what the long runs covered).

// Addresses worth aiming at: devices, holes between them, RAM edges, the top of the space.
export const TARGETS = [0x0010_0000, 0x0200_0000, 0x0200_4000, 0x0200_bff8, 0x0c00_0000, 0x0c20_0004, 0x0c20_1004, 0x1000_0000,
  0x1000_1000, 0x1000_8000, 0x0000_0000, 0x0000_1000, 0x2000_0000, 0x4000_0000, 0x7fff_f000, 0x8000_0000, 0x800f_f000,
  0x8010_0000, 0xffff_f000, 0x1010_0000];
// CSRs worth writing: trap setup, delegation, translation, counters, PMP, and some that do not exist.
const CSRS = [0x300, 0x301, 0x302, 0x303, 0x304, 0x305, 0x306, 0x340, 0x341, 0x342, 0x343, 0x344, 0x100, 0x104, 0x105,
  0x106, 0x140, 0x141, 0x142, 0x143, 0x144, 0x180, 0x3a0, 0x3b0, 0xb00, 0xb02, 0xb80, 0xb82, 0xc00, 0xc01, 0xc02, 0xf14,
  0x7a0, 0x7b0, 0x320, 0x30a, 0x10a, 0x0ff];
const SYSTEM = [0x0000_0073, 0x0010_0073, 0x3020_0073, 0x1020_0073, 0x1050_0073, 0x1200_0073, 0x0000_100f, 0x0ff0_000f];

const r = (rd) => (rd & 31) << 7;
const rs1 = (x) => (x & 31) << 15;
const rs2 = (x) => (x & 31) << 20;

/** One random instruction: a mix of valid encodings aimed at interesting places, and noise. */
export function randomInstruction(g) {
  const k = g.int(100);
  if (k < 15) return g.u32(); // random word
  if (k < 22) return g.u32() & 0xffff; // random halfword (often a compressed instruction)
  const rd = g.int(32);
  const a = g.int(32);
  const b = g.int(32);
  if (k < 32) return (g.pick(TARGETS) & 0xffff_f000) | r(rd) | 0x37; // LUI toward a target
  if (k < 42) return ((g.u32() & 0xfff) << 20) | rs1(a) | (g.int(8) << 12) | r(rd) | 0x13; // OP-IMM
  if (k < 52) return ((g.u32() & 0xfff) << 20) | rs1(a) | (g.int(8) << 12) | r(rd) | 0x03; // LOAD
  if (k < 62) { // STORE
    const imm = g.u32() & 0xfff;
    return ((imm >> 5) << 25) | rs2(b) | rs1(a) | (g.int(4) << 12) | ((imm & 31) << 7) | 0x23;
  }
  if (k < 70) return (g.pick(CSRS) << 20) | rs1(a) | ((1 + g.int(7)) << 12) | r(rd) | 0x73; // CSR
  if (k < 75) return g.pick(SYSTEM);
  if (k < 80) return (g.int(32) << 27) | rs2(b) | rs1(a) | (2 << 12) | r(rd) | 0x2f; // AMO
  if (k < 85) return ((g.u32() & 0xfff) << 20) | rs1(a) | r(rd) | 0x67; // JALR
  if (k < 90) { // BRANCH, short
    const off = (g.int(64) - 32) * 2;
    const imm = off & 0x1fff;
    return (((imm >> 12) & 1) << 31) | (((imm >> 5) & 0x3f) << 25) | rs2(b) | rs1(a) | (g.int(8) << 12) |
      (((imm >> 1) & 0xf) << 8) | (((imm >> 11) & 1) << 7) | 0x63;
  }
  if (k < 94) return (g.int(2) << 25) | rs2(b) | rs1(a) | (g.int(8) << 12) | r(rd) | 0x33; // OP / M
  return ((g.u32() & 0xfffff) << 12) | r(rd) | 0x17; // AUIPC
}

// ---------------------------------------------------------------------------------------------
// Encoders.

const u = (x) => x >>> 0;
const rtype = (f7, b, a, f3, rd, op) => u((f7 << 25) | (b << 20) | (a << 15) | (f3 << 12) | (rd << 7) | op);
const itype = (imm, a, f3, rd, op) => u(((imm & 0xfff) << 20) | (a << 15) | (f3 << 12) | (rd << 7) | op);
const stype = (imm, b, a, f3) => u((((imm >> 5) & 0x7f) << 25) | (b << 20) | (a << 15) | (f3 << 12) | ((imm & 31) << 7) | 0x23);
const lui = (rd, hi20) => u(((hi20 & 0xfffff) << 12) | (rd << 7) | 0x37);
const auipc = (rd, hi20) => u(((hi20 & 0xfffff) << 12) | (rd << 7) | 0x17);
const addi = (rd, a, imm) => itype(imm, a, 0, rd, 0x13);
const slli = (rd, a, sh) => itype(sh, a, 1, rd, 0x13);
const srli = (rd, a, sh) => itype(sh, a, 5, rd, 0x13);
const andi = (rd, a, imm) => itype(imm, a, 7, rd, 0x13);
const add = (rd, a, b) => rtype(0, b, a, 0, rd, 0x33);
const mul = (rd, a, b) => rtype(1, b, a, 0, rd, 0x33);
const mulhu = (rd, a, b) => rtype(1, b, a, 3, rd, 0x33);
const ld = (f3, rd, a, imm) => itype(imm, a, f3, rd, 0x03);
const st = (f3, b, a, imm) => stype(imm, b, a, f3);
const csr = (f3, rd, n, a) => itype(n, a, f3, rd, 0x73); // f3: 1 rw, 2 rs, 3 rc
const amo = (f5, rd, a, b) => rtype(f5 << 2, b, a, 2, rd, 0x2f);
const jalr = (rd, a, imm) => itype(imm, a, 0, rd, 0x67);
const branch = (f3, a, b, off) => {
  const i = off & 0x1fff;
  return u((((i >> 12) & 1) << 31) | (((i >> 5) & 0x3f) << 25) | (b << 20) | (a << 15) | (f3 << 12) |
    (((i >> 1) & 0xf) << 8) | (((i >> 11) & 1) << 7) | 0x63);
};
const blt = (a, b, off) => branch(4, a, b, off);
const bge = (a, b, off) => branch(5, a, b, off);
const jal = (rd, off) => {
  const i = off & 0x1f_ffff;
  return u((((i >> 20) & 1) << 31) | (((i >> 1) & 0x3ff) << 21) | (((i >> 11) & 1) << 20) | (((i >> 12) & 0xff) << 12) | (rd << 7) | 0x6f);
};
const sfence = (a, b) => rtype(0x09, b, a, 0, 0, 0x73);
/** rd = v in two instructions (LUI + ADDI), whatever v is. */
const li = (rd, v) => {
  v = u(v);
  const lo = (v << 20) >> 20;
  return [lui(rd, u(v - lo) >>> 12), addi(rd, rd, lo)];
};
const C_NOP = 0x0001;
/** c.lw / c.sw (registers x8..x15, offset 0..124, a multiple of 4), paired with a c.nop to fill a word. */
const cmem = (store, reg, base, off) =>
  u((C_NOP << 16) | ((store ? 6 : 2) << 13) | (((off >> 3) & 7) << 10) | ((base - 8) << 7) | (((off >> 2) & 1) << 6) |
    (((off >> 6) & 1) << 5) | ((reg - 8) << 2));

const MRET = 0x3020_0073;
const SRET = 0x1020_0073;
const WFI = 0x1050_0073;
const ECALL = 0x0000_0073;
const EBREAK = 0x0010_0073;
const FENCE_I = 0x0000_100f;
const NOP = 0x0000_0013;

// CSRs
const MSTATUS = 0x300, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304, MTVEC = 0x305, MCOUNTEREN = 0x306, MSCRATCH = 0x340,
  MEPC = 0x341, MCAUSE = 0x342, MIP = 0x344, MINSTRET = 0xb02, SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105,
  SCOUNTEREN = 0x106, SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142, SIP = 0x144, SATP = 0x180, TIME = 0xc01;

// Registers: gadgets keep addresses in x8..x15 (so that compressed loads and stores and
// SFENCE.VMA use recently touched pages), values in VAL, temporaries in t5/t6; the trap
// handlers own t3/t4 (saved in mscratch/sscratch).
const ADDR = [8, 9, 10, 11, 12, 13, 14, 15];
const VAL = [1, 3, 4, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
const T3 = 28, T4 = 29, T5 = 30, T6 = 31;

// ---------------------------------------------------------------------------------------------
// The attacker's RAM.
//
//   +0x0000  prologue (restart enters here in M-mode; +0x10 for kernels in S-mode)
//   +0x0040  M-mode trap handler        +0x0100  S-mode trap handler
//   +0x0200  M vector table (16 x j)    +0x0280  S vector table
//   +0x0300  scratch data (page 0 of RAM: TLB index 0)
//   +0x1000  root table A (RAM megapage without U)   +0x2000  root table B (RAM megapage with U)
//   +0x3000  L0 table for va 0x0000_0000..0x003f_ffff (page 0, TLB indexes 0 and 0xff)
//   +0x4000  L0 table for va 0xffc0_0000..0xffff_ffff (up to 2^32)
//   +0x5000  L0 table for va 0x7fc0_0000..0x7fff_ffff (just below 2^31)
//   +0x6000  root table C, +0x7000 root table D: as A and B, but RAM in 4 KiB pages, through
//   +0x8000  (without U) and +0x9000 (with U): no megapage in the TLB, so that SFENCE.VMA with
//            an address really drops single entries (with a megapage cached it flushes all)
//   +0xa000  code: 64 pages, and the last page of RAM. Every code page starts with 0x00010013
//            and ends with 0x00130001, so that a 32-bit NOP straddles each page boundary (fetched
//            in two halves when a jump lands at offset 0xffe; at the end of RAM, half of it is
//            not RAM).

const PROLOGUE = 0x0000;
const KERNEL_ENTRY = 0x0010;
const M_HANDLER = 0x0040;
const S_HANDLER = 0x0100;
const M_VECTORS = 0x0200;
const S_VECTORS = 0x0280;
const ROOT_A = 0x1000;
const ROOT_B = 0x2000;
const L0_LOW = 0x3000;
const L0_TOP = 0x4000;
const L0_MID = 0x5000;
const ROOT_C = 0x6000;
const ROOT_D = 0x7000;
const L0_RAM_S = 0x8000;
const L0_RAM_U = 0x9000;
const CODE = 0xa000;
const CODE_PAGES = 64;
const PAGE_HEAD = 0x0001_0013; // addi x0, x2, 0 ; as halves: [0x0013][0x0001 = c.nop]
const PAGE_TAIL = 0x0013_0001; // c.nop ; then the low half 0x0013 of "addi x0, x6, 1" whose high half is the next PAGE_HEAD's 0x0013

const PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_A = 64, PTE_D = 128;

/** Per-attacker constants: RAM size, edges, where things are. */
export function layout(ramBytes, kernel) {
  const ramEnd = u(RAM_BASE + ramBytes);
  const endPpn = ramEnd >>> 12;
  const lastPpn = endPpn - 1;
  // Virtual pages worth aiming at (bases): page 0 and its neighbours, near 2^31 and 2^32, RAM's
  // first and last pages and the pages just outside it, the page tables, devices, and pages
  // whose TLB index is 0 or 0xff.
  const tlbEdgePages = [0x0000_0000, 0x0010_0000, 0x0020_0000, 0x0030_0000, 0x000f_f000, 0x001f_f000, 0x003f_f000,
    0x7ff0_0000, 0x7fff_f000, 0x8000_0000, 0x800f_f000, 0x8010_0000, u(ramEnd - 0x1000), ramEnd, 0xfff0_0000, 0xffff_f000,
    0x8040_0000, 0xffc0_0000];
  const edgePages = [...tlbEdgePages, 0x0000_1000, 0x0000_2000, 0x7fc0_0000, 0x7fff_e000, 0x8000_1000, 0x8000_3000,
    u(ramEnd - 0x2000), u(ramEnd + 0x1000), 0x8080_0000, 0x80c0_0000, 0x8100_0000, 0x8140_0000, 0x8180_0000, 0xff80_0000,
    0xffff_e000, 0x0010_0000, 0x0200_0000, 0x0200_4000, 0x0200_b000, 0x0c00_0000, 0x0c20_0000, 0x0c20_1000, 0x1000_0000,
    0x1000_1000, 0x1000_8000, 0x0040_0000, 0x0080_0000, 0x0100_0000, 0x0200_0000 + 0x40_0000, 0x1000_0000 + 0x40_0000];
  // Physical pages a PTE may point at: every boundary of the attacker's region and beyond.
  const edgePpns = [0x80000, lastPpn, 0x7ffff, endPpn, endPpn + 1, 0x0, 0xfffff, 0x1, 0x100, 0x101, 0x2000, 0x2004, 0x200b,
    0xc000, 0xc200, 0x10000, 0x10001, 0x10008, 0x10_0000, 0x3f_ffff, 0x80001, 0x80002, 0x80003, 0x80007, lastPpn - 1];
  // Code: up to 64 pages from CODE (where the trap handlers resume), and the last page of RAM.
  const codePages = Math.min(CODE_PAGES, ((ramBytes - CODE) >>> 12) - 1);
  return {
    ramBytes, ramEnd, endPpn, lastPpn, kernel, tlbEdgePages, edgePages, edgePpns,
    codeBase: RAM_BASE + CODE, codeWords: codePages << 10,
  };
}

const PAGE_OFFS = [0x000, 0x001, 0x002, 0x003, 0xffc, 0xffd, 0xffe, 0xfff];
const IMMS = [0, 0, 0, 0, 0, 1, 2, 3, -1, -2, -3, -4, 4, 5, 0x7ff, -0x800, 0x7fd, -0x7ff];

function edgeAddress(g, L) {
  const page = g.int(3) === 0 ? g.pick(L.tlbEdgePages) : g.pick(L.edgePages);
  const off = g.int(10) < 8 ? g.pick(PAGE_OFFS) : g.int(0x1000);
  return u(page + off);
}

/** One memory access at imm(base), of a random kind and width. */
function access(g, base, imm, misalignedKinds = false) {
  const v = g.pick(VAL);
  const k = g.int(100);
  if (k < 34) return ld(misalignedKinds ? g.pick([1, 2, 5, 2]) : g.pick([0, 1, 2, 4, 5, 2, 1]), v, base, imm); // lb lh lw lbu lhu
  if (k < 66) return st(misalignedKinds ? g.pick([1, 2, 2]) : g.pick([0, 1, 2, 2]), v, base, imm); // sb sh sw
  if (k < 80) return amo(g.pick([0x01, 0x00, 0x04, 0x0c, 0x08, 0x10, 0x14, 0x18, 0x1c]), v, base, g.pick(VAL)); // AMO*.W
  if (k < 86) return amo(0x02, v, base, 0); // LR.W
  if (k < 92) return amo(0x03, v, base, g.pick(VAL)); // SC.W
  // c.lw / c.sw: 0..124 from the base register
  return cmem(g.int(2) === 1, 8 + g.int(8), base, g.int(32) << 2);
}

// ---- gadgets: each returns an array of instruction words ----

function gEdgeAccess(g, L) {
  const base = g.pick(ADDR);
  const out = li(base, edgeAddress(g, L));
  for (let n = 1 + g.int(3); n > 0; n--) out.push(access(g, base, g.pick(IMMS)));
  return out;
}

/**
 * Touch a page (filling a TLB entry), fence (that page, another recently used one, all, or
 * nothing), then access page 0 or a page with the same TLB index, misaligned. The shape of the
 * issue-17 attack, in every privilege and translation mode the attacker happens to be in.
 */
function gTlbDance(g, L, pages = g.int(3) ? L.tlbEdgePages : L.edgePages) {
  const p = g.pick(ADDR);
  let q = g.pick(ADDR);
  if (q === p) q = ADDR[(ADDR.indexOf(p) + 1) % ADDR.length];
  const P = u(g.pick(pages) + (g.int(2) ? g.int(0x1000) : g.pick(PAGE_OFFS)));
  const out = li(p, P);
  out.push(access(g, p, 0));
  if (g.int(2)) out.push(access(g, p, g.pick(IMMS)));
  const f = g.int(10);
  if (f < 6) out.push(sfence(p, g.int(4) === 0 ? g.pick(VAL) : 0));
  else if (f < 8) out.push(sfence(0, 0));
  else if (f < 9) out.push(sfence(g.pick(ADDR), 0));
  // The probe: page 0 (70%) or another page with the same TLB index.
  const qPage = g.int(10) < 7 ? 0 : u((P & 0x000f_f000) | (g.u32() & 0xfff0_0000));
  out.push(...li(q, qPage + g.pick([1, 1, 3, 5, 0x7d, 0x81, 0x2, 0xffd, 0xffd, 0xffe, 0xfff, 0xffc, 0])));
  for (let n = 1 + g.int(2); n > 0; n--) out.push(access(g, q, g.pick([0, 0, 0, 4, -4, 0x80]), true));
  return out;
}

// Virtual pages that the L0 tables map (half of them to RAM) and whose TLB index is 0 or 0xff.
const PAGED_TLB_EDGES = [0x0010_0000, 0x0020_0000, 0x0030_0000, 0x000f_f000, 0x001f_f000, 0x003f_f000, 0x0000_0000,
  0x7ff0_0000, 0x7fff_f000, 0xfff0_0000, 0xffff_f000, 0x8000_0000, 0x800f_f000];

/**
 * The dance in paged S-mode (or U-mode) with RAM in 4 KiB pages: satp = root C (or D), MRET to
 * S (or U), then touch / SFENCE.VMA / misaligned probe on pages mapped by the L0 tables — the
 * shape in which a stale addend would point into the neighbouring region.
 */
function gPagedDance(g, L) {
  const toU = g.int(4) === 0;
  const root = toU ? ROOT_D : g.pick([ROOT_C, ROOT_C, ROOT_A]);
  const out = [...li(T5, u(0x8000_0000 | ((RAM_BASE + root) >>> 12))), csr(1, 0, SATP, T5)];
  if (g.int(2)) out.push(...li(T5, 1 << 18), csr(2, 0, MSTATUS, T5)); // SUM: U pages from S
  out.push(...li(T5, 0x1800), csr(3, 0, MSTATUS, T5));
  if (!toU) out.push(...li(T5, 0x800), csr(2, 0, MSTATUS, T5));
  out.push(auipc(T6, 0), addi(T6, T6, 16), csr(1, 0, MEPC, T6), MRET);
  out.push(...gTlbDance(g, L, PAGED_TLB_EDGES));
  if (g.int(2)) out.push(...gTlbDance(g, L, PAGED_TLB_EDGES));
  return out;
}

function satpValue(g, L) {
  const asid = g.int(4) === 0 ? g.int(512) << 22 : 0;
  const k = g.int(20);
  if (k < 2) return 0; // bare
  let ppn;
  if (k < 9) ppn = (RAM_BASE + g.pick([ROOT_A, ROOT_C])) >>> 12;
  else if (k < 16) ppn = (RAM_BASE + g.pick([ROOT_B, ROOT_D])) >>> 12;
  else if (k < 17) ppn = (RAM_BASE + L0_LOW) >>> 12; // a leaf table as root
  else ppn = g.pick([0x80000, L.lastPpn, 0x7ffff, L.endPpn, 0x0, 0x10000, 0x10_0000, 0x3f_ffff, 0x20_0000]);
  return u(0x8000_0000 | asid | ppn);
}

function gSatp(g, L) {
  const out = [...li(T5, satpValue(g, L)), csr(1, g.int(2) ? g.pick(VAL) : 0, SATP, T5)];
  const f = g.int(3);
  if (f === 0) out.push(sfence(0, 0));
  else if (f === 1) out.push(sfence(g.pick(ADDR), 0));
  return out;
}

/** MRET or SRET to U, S or M (MPP/SPP set), to the next instruction or slightly off it. */
function gPriv(g, L) {
  const out = [];
  const to = g.pick([0, 0, 1, 1, 3, 2]);
  if (g.int(3) === 0) {
    const root = to === 0 ? g.pick([ROOT_B, ROOT_D]) : g.pick([ROOT_A, ROOT_C]);
    out.push(...li(T5, u(0x8000_0000 | ((RAM_BASE + root) >>> 12))), csr(1, 0, SATP, T5));
  }
  if (g.int(5) === 0) out.push(...li(T5, 1 << 17), csr(2, 0, MSTATUS, T5)); // MPRV
  if (g.int(5) === 0) out.push(...li(T5, g.pick([1 << 18, 1 << 19, 3 << 18])), csr(g.int(2) ? 2 : 3, 0, MSTATUS, T5)); // SUM, MXR
  const perturb = g.int(10) < 7 ? 0 : g.pick([1, 2, 3, -2, -1, 6, 0x1001]);
  if (g.int(3) < 2) {
    out.push(...li(T5, 0x1800), csr(3, 0, MSTATUS, T5), ...li(T5, to << 11), csr(2, 0, MSTATUS, T5));
    // auipc; addi; csrw mepc; mret; <here>
    out.push(auipc(T6, 0), addi(T6, T6, 16 + perturb), csr(1, 0, MEPC, T6), MRET);
  } else {
    out.push(addi(T5, 0, 0x100), csr(3, 0, SSTATUS, T5));
    if (to !== 0) out.push(csr(2, 0, SSTATUS, T5));
    out.push(auipc(T6, 0), addi(T6, T6, 16 + perturb), csr(1, 0, SEPC, T6), SRET);
  }
  return out;
}

/** JALR to odd and misaligned addresses, page ends, the end of RAM, devices, the top of the space. */
function gJump(g, L) {
  const rd = g.pick([0, 1, 0]);
  const imm = g.pick([0, 1, 3, -1, 2, -2]);
  const k = g.int(10);
  if (k < 3) {
    // just past the jump, a little off: auipc; addi; jalr; <here>
    return [auipc(T6, 0), addi(T6, T6, 12 + g.pick([1, 2, 3, -2]) - imm), jalr(rd, T6, imm)];
  }
  let target;
  if (k < 6) target = L.codeBase + ((g.int(L.codeWords) << 2) | 0xffe); // a code page's last halfword (codeBase is page-aligned)
  else if (k < 7) target = u(L.ramEnd - g.pick([1, 2, 3, 4, 6]));
  else if (k < 8) target = g.pick([0x0, 0x2, 0xffe, 0xfff, 0xffff_fffe, 0xffff_fffc, 0x7fff_fffe, 0x8000_0000, 0x0010_0000, 0x1000_0000]);
  else target = u(L.codeBase + (g.int(L.codeWords) << 2) + g.pick([0, 1, 2, 3]));
  const base = g.pick(ADDR);
  return [...li(base, u(target - imm)), jalr(rd, base, imm)];
}

const CSR_BITS = [
  [MSTATUS, [1 << 18, 1 << 19, 1 << 17, 1 << 20, 1 << 21, 1 << 22, 1 << 3, 1 << 1, 0x1800, 0x800, 0x1000, 0x100, 0x80, 0x20, 0x6_0000]],
  [SSTATUS, [1 << 18, 1 << 19, 1 << 1, 0x100, 0x20]],
  [MEDELEG, [1 << 12 | 1 << 13 | 1 << 15, 1 << 2, 1 << 5 | 1 << 7, 1 << 8, 1 << 9, 1, 1 << 4 | 1 << 6, 0xffff, 0xb1ff, 1 << 1, 1 << 3]],
  [MIDELEG, [2, 0x20, 0x200, 0x222, 8, 0x80, 0x888, 0xfff]],
  [MIE, [2, 8, 0x20, 0x80, 0x200, 0x800, 0xaaa]],
  [MIP, [2, 0x20, 0x200, 8, 0x80]],
  [SIE, [2, 0x20, 0x200, 0x222]],
  [SIP, [2, 0x20]],
  [MCOUNTEREN, [7, 1, 2]],
  [SCOUNTEREN, [7, 1, 2]],
];

function gCsr(g, L) {
  const k = g.int(10);
  if (k < 7) {
    const [n, masks] = g.pick(CSR_BITS);
    return [...li(T5, g.pick(masks)), csr(g.pick([1, 2, 2, 3, 3]), g.int(2) ? g.pick(VAL) : 0, n, T5)];
  }
  if (k < 9) { // trap vectors: direct, vectored, or somewhere odd
    const m = g.int(2) === 0;
    const v = g.pick([m ? RAM_BASE + M_HANDLER : RAM_BASE + S_HANDLER, (m ? RAM_BASE + M_VECTORS : RAM_BASE + S_VECTORS) | 1,
      edgeAddress(g, L), u(RAM_BASE + M_HANDLER + 2)]);
    return [...li(T5, v), csr(1, 0, m ? MTVEC : STVEC, T5)];
  }
  return [csr(2, g.pick(VAL), g.pick([MSTATUS, MEPC, MCAUSE, SATP, SSTATUS, SEPC, MIP, SIP, TIME, MINSTRET]), 0)];
}

/** Interrupts: the CLINT timer, a software interrupt, SSIP/STIP, delegated or not. */
function gInterrupt(g, L) {
  const k = g.int(4);
  const a = g.pick(ADDR);
  const out = [];
  if (k === 0) { // mtimecmp = mtime + a little
    out.push(...li(a, 0x0200_bff8), ld(2, T5, a, 0), addi(T5, T5, 1 + g.int(300)), ...li(a, 0x0200_4000), st(2, T5, a, 0), st(2, 0, a, 4));
    out.push(...li(T5, 0xa0), csr(2, 0, MIE, T5));
  } else if (k === 1) { // msip
    out.push(...li(a, 0x0200_0000), addi(T5, 0, 1), st(2, T5, a, 0), addi(T5, 0, 8), csr(2, 0, MIE, T5));
  } else { // SSIP or STIP, perhaps delegated
    const bit = k === 2 ? 2 : 0x20;
    out.push(addi(T5, 0, bit), csr(2, 0, MIP, T5), csr(2, 0, SIP, T5));
    if (g.int(2)) out.push(csr(2, 0, MIDELEG, T5));
    out.push(csr(2, 0, MIE, T5), csr(2, 0, SIE, T5));
  }
  out.push(addi(T5, 0, g.pick([8, 2, 10])), csr(2, 0, MSTATUS, T5));
  if (g.int(4) === 0) out.push(WFI);
  return out;
}

function randomPte(g, L) {
  const ppn = g.int(8) === 0 ? (0x80000 + g.int(L.ramBytes >>> 12)) : g.pick(L.edgePpns);
  const k = g.int(20);
  let flags;
  if (k < 11) flags = PTE_V | PTE_R | PTE_W | PTE_X;
  else if (k < 13) flags = PTE_V | PTE_R;
  else if (k < 14) flags = PTE_V | PTE_X;
  else if (k < 15) flags = PTE_V | PTE_R | PTE_X;
  else if (k < 16) flags = PTE_V | PTE_W; // reserved: W without R
  else if (k < 18) flags = PTE_V; // a pointer to a next level
  else if (k < 19) flags = PTE_R | PTE_W | PTE_X; // not valid
  else flags = PTE_V | PTE_R | PTE_W;
  if (flags & (PTE_R | PTE_X)) {
    if (g.int(2)) flags |= PTE_U;
    if (g.int(4)) flags |= PTE_A;
    if (g.int(4)) flags |= PTE_D;
  }
  return u((ppn << 10) | flags);
}

const ROOT_SLOTS = [0x000, 0x001, 0x1ff, 0x200, 0x201, 0x202, 0x203, 0x204, 0x205, 0x206, 0x207, 0x208, 0x3fe, 0x3ff, 0x008, 0x030, 0x040];
const TABLE_SLOTS = {
  [ROOT_A]: ROOT_SLOTS,
  [ROOT_B]: ROOT_SLOTS,
  [ROOT_C]: ROOT_SLOTS,
  [ROOT_D]: ROOT_SLOTS,
  [L0_RAM_S]: [0x000, 0x001, 0x0ff, 0x100, 0x1ff, 0x200, 0x3ff, 0x00a, 0x00b],
  [L0_RAM_U]: [0x000, 0x001, 0x0ff, 0x100, 0x1ff, 0x200, 0x3ff, 0x00a, 0x00b],
  [L0_LOW]: [0x000, 0x001, 0x002, 0x0ff, 0x100, 0x101, 0x1ff, 0x200, 0x2ff, 0x300, 0x3ff],
  [L0_TOP]: [0x000, 0x0ff, 0x2ff, 0x300, 0x3fe, 0x3ff],
  [L0_MID]: [0x000, 0x0ff, 0x2ff, 0x300, 0x3fe, 0x3ff],
};
const TABLE_VA = {
  [ROOT_A]: null, [ROOT_B]: null, [ROOT_C]: null, [ROOT_D]: null, [L0_LOW]: 0x0000_0000, [L0_TOP]: 0xffc0_0000,
  [L0_MID]: 0x7fc0_0000, [L0_RAM_S]: 0x8000_0000, [L0_RAM_U]: 0x8000_0000,
};

/** The attacker edits its own page tables (then fences, or not). */
function gPte(g, L) {
  const table = g.pick([ROOT_A, ROOT_B, ROOT_C, ROOT_D, L0_LOW, L0_LOW, L0_LOW, L0_TOP, L0_MID, L0_RAM_S, L0_RAM_U]);
  const idx = g.int(5) ? g.pick(TABLE_SLOTS[table]) : g.int(1024);
  const a = g.pick(ADDR);
  const out = [...li(T5, randomPte(g, L)), ...li(a, RAM_BASE + table + idx * 4), st(2, T5, a, 0)];
  const va = TABLE_VA[table] === null ? u(idx << 22) : u(TABLE_VA[table] + (idx << 12));
  const f = g.int(4);
  if (f === 0) out.push(sfence(0, 0));
  else if (f < 3) {
    const b = a === 8 ? 9 : a - 1;
    out.push(...li(b, va + g.pick(PAGE_OFFS)), sfence(b, 0));
    if (g.int(2)) out.push(access(g, b, 0, true));
  }
  return out;
}

/** SBI calls a kernel makes (an M-mode attacker's ECALL just traps to itself): DBCN buffers at edges, remote fences. */
function gSbi(g, L) {
  const out = [];
  const set = (reg, v) => out.push(...li(reg, v));
  const k = g.int(20);
  if (k < 10) { // DBCN write (0) / read (1): a0 = length, a1/a2 = address lo/hi
    set(17, 0x4442_434e);
    set(16, g.int(4) === 0 ? 1 : 0);
    set(10, g.pick([0, 1, 2, 3, 4, 16, 0x1000, 0x1001, L.ramBytes, L.ramBytes + 1, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff]));
    set(11, g.int(4) === 0 ? u(L.ramEnd - g.pick([1, 2, 4, 16, 0x1000])) : edgeAddress(g, L));
    set(12, g.pick([0, 0, 0, 0, 1, 0xffff_ffff]));
  } else if (k < 14) { // RFENCE: remote_sfence_vma(hart_mask, base, start, size)
    set(17, 0x5246_4e43);
    set(16, g.pick([0, 1, 2]));
    set(10, g.pick([1, 0, 0xffff_ffff]));
    set(11, g.pick([0, 0xffff_ffff]));
    set(12, edgeAddress(g, L) & 0xffff_f000);
    set(13, g.pick([0, 1, 0x1000, 0x2000, 0xffff_ffff, 0x40_0000]));
  } else if (k < 16) { // TIME set_timer
    set(17, 0x5449_4d45);
    set(16, 0);
    set(10, g.pick([0, 1, 100, 0xffff_ffff]));
    set(11, g.pick([0, 0xffff_ffff]));
  } else if (k < 17) { // IPI to self
    set(17, 0x0073_5049);
    set(16, 0);
    set(10, 1);
    set(11, 0);
  } else { // BASE / HSM / legacy / unknown
    set(17, g.pick([0x10, 0x48_534d, 0, 1, 2, 3, 4, 5, 6, 7, 0x1234_5678]));
    set(16, g.int(8));
    set(10, edgeAddress(g, L));
    set(11, edgeAddress(g, L));
  }
  out.push(ECALL);
  return out;
}

function gMisc(g) {
  return [g.pick([WFI, ECALL, EBREAK, FENCE_I, sfence(g.int(32), g.int(32)), 0x0ff0_000f, MRET, SRET])];
}

function gRandom(g) {
  const out = [];
  for (let n = 2 + g.int(7); n > 0; n--) out.push(randomInstruction(g) >>> 0);
  return out;
}

const GADGETS = [
  [gEdgeAccess, 24], [gTlbDance, 12], [gPagedDance, 6], [gSatp, 6], [gPriv, 10], [gJump, 6], [gCsr, 8], [gInterrupt, 3], [gPte, 7],
  [gRandom, 14], [gMisc, 2], [gSbi, 2],
];
const KERNEL_GADGETS = GADGETS.map(([f, w]) => [f, f === gSbi ? 10 : w]);

function gadgetPicker(table) {
  const total = table.reduce((s, [, w]) => s + w, 0);
  return (g) => {
    let k = g.int(total);
    for (const [f, w] of table) if ((k -= w) < 0) return f;
    return table[0][0];
  };
}
const pickGadget = gadgetPicker(GADGETS);
const pickKernelGadget = gadgetPicker(KERNEL_GADGETS);

// ---- the fixed parts: prologue, trap handlers, vector tables, page tables ----

const HASH_HI = 0x9e378; // 0x9e3779b1 = (0x9e378 << 12) - 0x64f
const HASH_LO = -0x64f;

/**
 * A trap handler (M or S). Half the time it skips the trapping instruction (xEPC += 4) and returns
 * to the mode that trapped, so that a gadget goes on after a fault; otherwise it resumes at a
 * pseudo-random word of the code, in a pseudo-random mode (MPP/SPP). An interrupt clears xIE
 * so that a pending interrupt is taken once, not forever.
 */
function handler(m, L) {
  const SCRATCH = m ? MSCRATCH : SSCRATCH, EPC = m ? MEPC : SEPC, CAUSE = m ? MCAUSE : SCAUSE;
  const STATUS = m ? MSTATUS : SSTATUS, IE = m ? MIE : SIE, RET = m ? MRET : SRET;
  const w = [];
  w.push(csr(1, T3, SCRATCH, T3)); // 0
  w.push(csr(2, T4, CAUSE, 0)); // 1
  w.push(bge(T4, 0, 8)); // 2: an exception (cause >= 0): skip the next
  w.push(csr(1, 0, IE, 0)); // 3: an interrupt: disable them all
  w.push(csr(2, T3, m ? MINSTRET : TIME, 0)); // 4
  w.push(lui(T4, HASH_HI), addi(T4, T4, HASH_LO), mul(T3, T3, T4)); // 5..7
  w.push(blt(T3, 0, 24)); // 8: top bit set: resume somewhere new (word 14)
  w.push(csr(2, T4, EPC, 0), addi(T4, T4, 4), csr(1, 0, EPC, T4), csr(1, T3, SCRATCH, T3), RET); // 9..13
  // 14: the new mode: MPP from bits 22..23 of the hash (2 is WARL and keeps the old), or SPP from bit 23
  if (m) w.push(...li(T4, 0x1800), csr(3, 0, STATUS, T4), srli(T4, T3, 22), andi(T4, T4, 3), slli(T4, T4, 11));
  else w.push(addi(T4, 0, 0x100), csr(3, 0, STATUS, T4), srli(T4, T3, 23), andi(T4, T4, 1), slli(T4, T4, 8));
  w.push(csr(2, 0, STATUS, T4));
  // a word of the code: codeBase + 4 * mulhu(hash << 1, codeWords)
  w.push(slli(T3, T3, 1), ...li(T4, L.codeWords), mulhu(T3, T3, T4), slli(T3, T3, 2), ...li(T4, L.codeBase), add(T3, T3, T4));
  w.push(csr(1, 0, EPC, T3), csr(1, T3, SCRATCH, T3), RET);
  return w;
}

/** Writes the prologue, both handlers and both vector tables (restart does it every slice). */
function writeFixed(words, L) {
  if (L.fixed === undefined) {
    const f = new Uint32Array((S_VECTORS >>> 2) + 16);
    // prologue: stvec = t2, mtvec = t0, mcounteren = t3 (7), jump to t1; kernels enter at +0x10
    f.set([csr(1, 0, STVEC, 7), csr(1, 0, MTVEC, 5), csr(1, 0, MCOUNTEREN, T3), jalr(0, 6, 0)], PROLOGUE >>> 2);
    f.set([csr(1, 0, STVEC, 7), csr(1, 0, SCOUNTEREN, T3), jalr(0, 6, 0)], KERNEL_ENTRY >>> 2);
    f.set(handler(true, L), M_HANDLER >>> 2);
    f.set(handler(false, L), S_HANDLER >>> 2);
    for (let i = 0; i < 16; i++) {
      f[(M_VECTORS >>> 2) + i] = jal(0, M_HANDLER - (M_VECTORS + 4 * i));
      f[(S_VECTORS >>> 2) + i] = jal(0, S_HANDLER - (S_VECTORS + 4 * i));
    }
    L.fixed = f;
  }
  // Words 7..15 and 96..127 (between the parts) are left as the attack wrote them.
  const f = L.fixed;
  words.set(f.subarray(PROLOGUE >>> 2, (KERNEL_ENTRY >>> 2) + 3), PROLOGUE >>> 2);
  words.set(f.subarray(M_HANDLER >>> 2, (S_HANDLER >>> 2) + 32), M_HANDLER >>> 2);
  words.set(f.subarray(M_VECTORS >>> 2), M_VECTORS >>> 2);
}

/** Whether page 0 (a read-only view of it) still holds the fixed parts that writeFixed writes. */
function fixedIntact(page0, L) {
  const words = new Uint32Array(page0.buffer, page0.byteOffset, 1024);
  const f = L.fixed;
  for (const [from, to] of [[PROLOGUE >>> 2, (KERNEL_ENTRY >>> 2) + 3], [M_HANDLER >>> 2, (S_HANDLER >>> 2) + 32], [M_VECTORS >>> 2, f.length]]) {
    for (let i = from; i < to; i++) if (words[i] !== f[i]) return false;
  }
  return true;
}

const mega = (ppn, flags) => u((ppn << 10) | flags);
const ptr = (tablePpn) => u((tablePpn << 10) | PTE_V);

/** Sv32 tables: four roots and five leaf tables whose PTEs point at every boundary. */
function writePageTables(words, g, L) {
  words.fill(0, ROOT_A >>> 2, CODE >>> 2);
  const ppnOf = (off) => (RAM_BASE + off) >>> 12;
  for (const [root, user] of [[ROOT_A, 0], [ROOT_B, PTE_U], [ROOT_C, 0], [ROOT_D, PTE_U]]) {
    const t = root >>> 2;
    const ad = () => (g.int(4) ? PTE_A | PTE_D : g.int(2) ? PTE_A : 0);
    words[t + 0x000] = ptr(ppnOf(L0_LOW));
    words[t + 0x001] = ptr(ppnOf(L0_LOW)); // an alias: va 0x0040_0000 uses the same table
    words[t + 0x1ff] = ptr(ppnOf(L0_MID));
    words[t + 0x3ff] = ptr(ppnOf(L0_TOP));
    words[t + 0x200] = root === ROOT_C ? ptr(ppnOf(L0_RAM_S)) : root === ROOT_D ? ptr(ppnOf(L0_RAM_U))
      : mega(0x80000, PTE_V | PTE_R | PTE_W | PTE_X | user | ad()); // RAM, identity (C, D: in 4 KiB pages)
    words[t + 0x201] = mega(0x80001, PTE_V | PTE_R | PTE_W | PTE_X | user | ad()); // misaligned megapage
    words[t + 0x202] = mega(0x10_0000, PTE_V | PTE_R | PTE_W | user | ad()); // above 4 GiB
    words[t + 0x203] = ptr(0x10000); // a next-level table outside RAM
    words[t + 0x204] = ptr(0x3f_fc00); // a next-level table above 4 GiB
    words[t + 0x205] = mega(0x80000, PTE_V | PTE_W | user); // W without R
    words[t + 0x206] = mega(0x80000, PTE_V | PTE_X | user | ad()); // execute-only
    words[t + 0x207] = mega(0x80000, PTE_V | PTE_R | PTE_W | PTE_X | (user ^ PTE_U) | ad()); // the other U
    words[t + 0x208] = ptr(L.lastPpn); // a "table" in the last RAM page (code: random PTEs)
    words[t + 0x3fe] = mega(0x80000, PTE_V | PTE_R | PTE_W | PTE_X | user | ad()); // RAM again, near 2^32
    words[t + 0x1fe] = mega(0x80000, PTE_V | PTE_R | PTE_W | PTE_X | user | ad()); // RAM again, below 2^31
    words[t + 0x008] = mega(0x2000, PTE_V | PTE_R | PTE_W | user | ad()); // CLINT
    words[t + 0x030] = mega(0xc000, PTE_V | PTE_R | PTE_W | user | ad()); // PLIC
    words[t + 0x040] = mega(0x10000, PTE_V | PTE_R | PTE_W | user | ad()); // UART, virtio
    for (let n = 0; n < 4; n++) words[t + g.int(1024)] = randomPte(g, L);
  }
  for (const [table, user] of [[L0_RAM_S, 0], [L0_RAM_U, PTE_U]]) {
    // RAM, identity, in 4 KiB pages (and the page past its end)
    const t = table >>> 2;
    const pages = Math.min(1024, (L.ramBytes >>> 12) + 1);
    for (let i = 0; i < pages; i++) words[t + i] = u(((0x80000 + i) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | user);
    for (let n = 0; n < 4; n++) words[t + g.int(1024)] = randomPte(g, L);
  }
  for (const table of [L0_LOW, L0_TOP, L0_MID]) {
    const t = table >>> 2;
    for (const i of TABLE_SLOTS[table]) {
      // Pages with TLB index 0 or 0xff map RAM half the time: touched, fenced and probed
      // misaligned, they are where a stale TLB addend would point outside the region.
      const ramLeaf = (i & 0xff) === 0 || (i & 0xff) === 0xff ? g.int(2) === 0 : false;
      words[t + i] = ramLeaf
        ? u(((g.int(3) === 0 ? L.lastPpn : 0x80000 + g.int(L.ramBytes >>> 12)) << 10) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | (g.int(2) ? PTE_U : 0))
        : randomPte(g, L);
    }
    for (let n = 0; n < 24; n++) words[t + g.int(1024)] = randomPte(g, L);
  }
}

/** Fills the code pages [from, to) (word indexes into RAM, page-aligned) with gadgets or the old random mix. */
function writeCode(words, g, L, from, to) {
  const pick = L.kernel ? pickKernelGadget : pickGadget;
  for (let p = from; p < to; p += 1024) {
    words[p] = PAGE_HEAD;
    words[p + 1023] = PAGE_TAIL;
    const last = p + 1023;
    let i = p + 1;
    if (g.int(8) === 0) {
      for (; i < last; i++) words[i] = randomInstruction(g) >>> 0;
      continue;
    }
    while (i < last) {
      const gadget = pick(g)(g, L);
      if (i + gadget.length > last) {
        words.fill(NOP, i, last);
        break;
      }
      words.set(gadget, i);
      i += gadget.length;
    }
  }
}

/** The attacker's whole RAM: fixed parts, page tables and code. */
export function writeProgram(ram, g, L) {
  const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2);
  words.fill(0, 0, ROOT_A >>> 2);
  for (let i = 0x300 >>> 2; i < ROOT_A >>> 2; i++) words[i] = g.int(2) ? edgeAddress(g, L) : g.u32(); // scratch data
  writeFixed(words, L);
  writePageTables(words, g, L);
  words.fill(0, (CODE >>> 2) + L.codeWords);
  writeCode(words, g, L, CODE >>> 2, (CODE >>> 2) + L.codeWords);
  writeCode(words, g, L, words.length - 1024, words.length);
}

/** Re-arming: fresh page tables and a fresh 16 KiB window of code. */
export function rewriteWindow(ram, g, L) {
  const words = new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2);
  writeFixed(words, L);
  writePageTables(words, g, L);
  const from = (CODE >>> 2) + (g.int((L.codeWords >>> 10) - 3) << 10);
  writeCode(words, g, L, from, from + 4096);
  if (g.int(4) === 0) writeCode(words, g, L, words.length - 1024, words.length);
}

/**
 * Sets up the next slice: fixed parts restored, registers pointed at edges, and the PC at the
 * prologue, which installs the trap vectors and jumps to a random word of the code.
 */
export function restartAttacker(guest, g, L) {
  // A guest that shares pages with a fork (fuzz/isolation.mjs forks attackers) keeps them shared
  // when its fixed parts are intact: ram() would make every page private first, and the point
  // is that parent and fork go on writing pages they still share.
  if (L.fixed === undefined || guest.sharing.sharedPages === 0 || !fixedIntact(guest.pageView(0), L)) {
    const ram = guest.ram();
    writeFixed(new Uint32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2), L);
  }
  for (let i = 0; i < 4; i++) guest.setReg(g.pick(ADDR), edgeAddress(g, L));
  for (let i = 0; i < 2; i++) guest.setReg(g.pick(VAL), g.int(2) ? edgeAddress(g, L) : g.u32());
  guest.setReg(5, g.int(4) === 0 ? (RAM_BASE + M_VECTORS) | 1 : RAM_BASE + M_HANDLER); // t0: mtvec
  guest.setReg(7, g.int(4) === 0 ? (RAM_BASE + S_VECTORS) | 1 : RAM_BASE + S_HANDLER); // t2: stvec
  guest.setReg(6, L.codeBase + (g.int(L.codeWords) << 2)); // t1: where the attack goes on
  guest.setReg(T3, 7); // counters readable from S (the S handler reads time)
  guest.pc = RAM_BASE + (L.kernel ? KERNEL_ENTRY : PROLOGUE);
}

/** A minimal ELF32 kernel (one PT_LOAD of a few NOPs at RAM_BASE) to boot an attacker in kernel mode. */
export function tinyKernelElf() {
  const code = new Uint32Array([NOP, NOP, NOP, NOP]);
  const bytes = new Uint8Array(52 + 32 + code.byteLength);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]);
  v.setUint16(16, 2, true); // ET_EXEC
  v.setUint16(18, 243, true); // EM_RISCV
  v.setUint32(20, 1, true);
  v.setUint32(24, RAM_BASE, true); // entry
  v.setUint32(28, 52, true); // phoff
  v.setUint16(40, 52, true); // ehsize
  v.setUint16(42, 32, true); // phentsize
  v.setUint16(44, 1, true); // phnum
  v.setUint32(52, 1, true); // PT_LOAD
  v.setUint32(56, 84, true); // offset
  v.setUint32(60, RAM_BASE, true); // vaddr
  v.setUint32(64, RAM_BASE, true); // paddr
  v.setUint32(68, code.byteLength, true);
  v.setUint32(72, code.byteLength, true);
  v.setUint32(76, 5, true); // R X
  v.setUint32(80, 4, true);
  bytes.set(new Uint8Array(code.buffer), 84);
  return bytes;
}

/** The encoders, for directed programs (tests, reproducers). */
export const asm = { li, lui, auipc, addi, ld, st, csr, amo, jalr, jal, sfence, MRET, SRET, ECALL, NOP, CSR: { MSTATUS, MEPC, SATP, SEPC, SSTATUS, MTVEC } };
export const LAYOUT = { ROOT_A, ROOT_B, ROOT_C, ROOT_D, L0_LOW, L0_TOP, L0_MID, L0_RAM_S, L0_RAM_U, CODE, M_HANDLER, S_HANDLER };
