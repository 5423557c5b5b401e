/**
 * Test helper: builds ELF32 files byte by byte, valid or broken on purpose, plus a handful of
 * RV32I instruction encoders to make tiny guest programs without a toolchain.
 */

export const PT_LOAD = 1;
export const PT_NOTE = 4;
export const EM_RISCV = 243;
export const ET_EXEC = 2;
export const ET_DYN = 3;

export interface SegmentSpec {
  type?: number; // default PT_LOAD
  paddr: number;
  vaddr?: number; // default paddr
  data?: Uint8Array | number[]; // file bytes
  memsz?: number; // default data length
  /** override p_filesz (default data length) */
  filesz?: number;
  /** override p_offset (default: where the builder put the data) */
  offset?: number;
  flags?: number; // default R|X
}

export interface SymbolSpec {
  name: string;
  value: number;
  size?: number;
  type?: number; // STT_*
  bind?: number; // STB_*
}

export interface ElfSpec {
  elfClass?: number; // EI_CLASS, default 1 (ELFCLASS32)
  dataEncoding?: number; // EI_DATA, default 1 (little-endian)
  identVersion?: number; // EI_VERSION, default 1
  type?: number; // e_type, default ET_EXEC
  machine?: number; // e_machine, default EM_RISCV
  entry?: number; // default first segment's paddr
  segments?: SegmentSpec[];
  phentsize?: number; // default 32
  phnum?: number; // default segments.length
  symbols?: SymbolSpec[];
}

function align(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** Builds a little-endian ELF32 image as the spec says (defaults: a valid RISC-V ET_EXEC). */
export function buildElf(spec: ElfSpec = {}): Uint8Array {
  const segments = spec.segments ?? [];
  const phnum = spec.phnum ?? segments.length;
  const phoff = 52;
  let cursor = phoff + segments.length * 32;
  const dataOffsets: number[] = [];
  for (const seg of segments) {
    cursor = align(cursor, 4);
    dataOffsets.push(cursor);
    cursor += seg.data?.length ?? 0;
  }

  // Optional symbol table: sections [null, .symtab, .strtab, .shstrtab].
  let symtabOff = 0;
  let strtabOff = 0;
  let shstrOff = 0;
  let shoff = 0;
  const strtab: number[] = [0];
  const shstr = [0, ...new TextEncoder().encode('.symtab\0.strtab\0.shstrtab\0')];
  const symbols = spec.symbols ?? [];
  const nameOffsets = symbols.map((s) => {
    const off = strtab.length;
    strtab.push(...new TextEncoder().encode(s.name), 0);
    return off;
  });
  if (symbols.length > 0) {
    symtabOff = align(cursor, 4);
    cursor = symtabOff + 16 * (symbols.length + 1);
    strtabOff = cursor;
    cursor += strtab.length;
    shstrOff = cursor;
    cursor += shstr.length;
    shoff = align(cursor, 4);
    cursor = shoff + 4 * 40;
  }

  const out = new Uint8Array(cursor);
  const v = new DataView(out.buffer);
  out.set([0x7f, 0x45, 0x4c, 0x46, spec.elfClass ?? 1, spec.dataEncoding ?? 1, spec.identVersion ?? 1]);
  v.setUint16(16, spec.type ?? ET_EXEC, true);
  v.setUint16(18, spec.machine ?? EM_RISCV, true);
  v.setUint32(20, 1, true); // e_version
  v.setUint32(24, spec.entry ?? segments[0]?.paddr ?? 0x8000_0000, true);
  v.setUint32(28, phoff, true);
  v.setUint32(32, shoff, true);
  v.setUint32(36, 0, true); // e_flags
  v.setUint16(40, 52, true); // e_ehsize
  v.setUint16(42, spec.phentsize ?? 32, true);
  v.setUint16(44, phnum, true);
  v.setUint16(46, symbols.length > 0 ? 40 : 0, true);
  v.setUint16(48, symbols.length > 0 ? 4 : 0, true);
  v.setUint16(50, symbols.length > 0 ? 3 : 0, true);

  segments.forEach((seg, i) => {
    const ph = phoff + i * 32;
    const len = seg.data?.length ?? 0;
    v.setUint32(ph, seg.type ?? PT_LOAD, true);
    v.setUint32(ph + 4, seg.offset ?? dataOffsets[i], true);
    v.setUint32(ph + 8, seg.vaddr ?? seg.paddr, true);
    v.setUint32(ph + 12, seg.paddr, true);
    v.setUint32(ph + 16, seg.filesz ?? len, true);
    v.setUint32(ph + 20, seg.memsz ?? len, true);
    v.setUint32(ph + 24, seg.flags ?? 5, true);
    v.setUint32(ph + 28, 4, true);
    if (seg.data) out.set(seg.data, dataOffsets[i]);
  });

  if (symbols.length > 0) {
    symbols.forEach((s, i) => {
      const off = symtabOff + 16 * (i + 1);
      v.setUint32(off, nameOffsets[i], true);
      v.setUint32(off + 4, s.value, true);
      v.setUint32(off + 8, s.size ?? 0, true);
      out[off + 12] = ((s.bind ?? 1) << 4) | (s.type ?? 0);
    });
    out.set(strtab, strtabOff);
    out.set(shstr, shstrOff);
    const sh = (i: number, name: number, type: number, offset: number, size: number, link: number, entsize: number) => {
      const b = shoff + i * 40;
      v.setUint32(b, name, true);
      v.setUint32(b + 4, type, true);
      v.setUint32(b + 16, offset, true);
      v.setUint32(b + 20, size, true);
      v.setUint32(b + 24, link, true);
      v.setUint32(b + 36, entsize, true);
    };
    sh(1, 1, 2 /* SHT_SYMTAB */, symtabOff, 16 * (symbols.length + 1), 2, 16);
    sh(2, 9, 3 /* SHT_STRTAB */, strtabOff, strtab.length, 0, 0);
    sh(3, 17, 3, shstrOff, shstr.length, 0, 0);
  }
  return out;
}

// ---- RV32I encoders (just enough for test guests) -----------------------------------------

export const reg = { zero: 0, ra: 1, sp: 2, t0: 5, t1: 6, t2: 7, a0: 10, a1: 11, a2: 12, a6: 16, a7: 17 } as const;

export const rv = {
  lui: (rd: number, imm20: number) => (((imm20 & 0xfffff) << 12) | (rd << 7) | 0x37) >>> 0,
  addi: (rd: number, rs1: number, imm: number) => (((imm & 0xfff) << 20) | (rs1 << 15) | (rd << 7) | 0x13) >>> 0,
  lw: (rd: number, rs1: number, imm: number) => (((imm & 0xfff) << 20) | (rs1 << 15) | (2 << 12) | (rd << 7) | 0x03) >>> 0,
  store: (funct3: number, rs2: number, rs1: number, imm: number) =>
    ((((imm >> 5) & 0x7f) << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | ((imm & 0x1f) << 7) | 0x23) >>> 0,
  sb: (rs2: number, rs1: number, imm: number) => rv.store(0, rs2, rs1, imm),
  sw: (rs2: number, rs1: number, imm: number) => rv.store(2, rs2, rs1, imm),
  /** bne with a byte offset (even, within +-4 KiB) */
  bne: (rs1: number, rs2: number, off: number) =>
    ((((off >> 12) & 1) << 31) |
      (((off >> 5) & 0x3f) << 25) |
      (rs2 << 20) |
      (rs1 << 15) |
      (1 << 12) |
      (((off >> 1) & 0xf) << 8) |
      (((off >> 11) & 1) << 7) |
      0x63) >>>
    0,
  /** j . (jal x0, 0): spin forever */
  spin: () => 0x0000006f,
  wfi: () => 0x10500073,
  /** ecall (SYSTEM, funct12 0) */
  ecall: () => 0x00000073,
  /** jal x0, off: jump by a byte offset (even, within +-1 MiB) */
  j: (off: number) =>
    ((((off >> 20) & 1) << 31) | (((off >> 1) & 0x3ff) << 21) | (((off >> 11) & 1) << 20) | (((off >> 12) & 0xff) << 12) | 0x6f) >>> 0,
  /** li rd, value as lui + addi (two instructions) */
  li: (rd: number, value: number): number[] => {
    const lo = ((value & 0xfff) << 20) >> 20; // sign-extended low 12 bits
    const hi = ((value - lo) >>> 12) & 0xfffff;
    return [rv.lui(rd, hi), rv.addi(rd, rd, lo)];
  },
};

/** Instruction words to little-endian bytes. */
export function code(words: (number | number[])[]): Uint8Array {
  const flat = words.flat();
  const out = new Uint8Array(flat.length * 4);
  const v = new DataView(out.buffer);
  flat.forEach((w, i) => v.setUint32(i * 4, w >>> 0, true));
  return out;
}

const UART0 = 0x1000_0000;
const TEST_DEVICE = 0x0010_0000;

/** Instructions: write each byte of `text` to UART0's THR (t0 = UART base). */
export function printText(text: string): number[] {
  const words = [rv.lui(reg.t0, UART0 >>> 12)];
  for (const b of new TextEncoder().encode(text)) words.push(rv.addi(reg.t1, reg.zero, b), rv.sb(reg.t1, reg.t0, 0));
  return words;
}

/** Instructions: power off through the SiFive test device with `exitCode` (0 uses 0x5555). */
export function exitWith(exitCode: number): number[] {
  const value = exitCode === 0 ? 0x5555 : ((exitCode << 16) | 0x3333) >>> 0;
  return [rv.lui(reg.t0, TEST_DEVICE >>> 12), ...rv.li(reg.t1, value), rv.sw(reg.t1, reg.t0, 0), rv.spin()];
}

/** A runnable guest ELF whose code (at 0x80000000) is `words`. */
export function programElf(words: (number | number[])[]): Uint8Array {
  return buildElf({ segments: [{ paddr: 0x8000_0000, data: code(words), flags: 5 }] });
}
