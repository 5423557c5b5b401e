/**
 * ELF loader for minivisor guests (isomorphic: no Node or DOM APIs).
 *
 * A guest image is a statically linked 32-bit little-endian RISC-V executable (ELFCLASS32,
 * ELFDATA2LSB, EM_RISCV, ET_EXEC), the same file `qemu-system-riscv32 -M virt -bios none -kernel`
 * accepts. RAM starts at guest-physical 0x80000000.
 *
 * Placement: like QEMU's ELF loader for `-kernel`, every PT_LOAD segment is placed at its
 * *physical* address `p_paddr` (for ordinary linker scripts p_paddr == p_vaddr; when they differ,
 * e.g. an `AT(...)` load address, the physical one is where the bytes must go). The entry point is
 * `e_entry` as is, and must lie inside RAM.
 *
 * Segment numbers in messages are indices in the program header table, as `readelf -l` counts them.
 */

export const RAM_BASE = 0x8000_0000;

export type ElfErrorCode =
  | 'empty'
  | 'not-elf'
  | 'linux-image'
  | 'elf64'
  | 'bad-class'
  | 'big-endian'
  | 'bad-encoding'
  | 'bad-version'
  | 'wrong-machine'
  | 'not-executable'
  | 'truncated'
  | 'bad-header'
  | 'filesz-exceeds-memsz'
  | 'too-large'
  | 'segment-outside-ram'
  | 'segment-overlap'
  | 'entry-outside-ram'
  | 'no-loadable-segments';

/** A guest image the loader refused; `message` says what is wrong and, where it can, what to do. */
export class ElfError extends Error {
  override readonly name = 'ElfError';
  constructor(
    readonly code: ElfErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface ElfSegment {
  /** guest-physical load address (p_paddr) */
  readonly paddr: number;
  /** virtual address the segment is linked at (p_vaddr; equal to paddr for bare-metal guests) */
  readonly vaddr?: number;
  /** the file bytes (p_filesz of them); a copy, independent of the input buffer */
  readonly data: Uint8Array;
  /** bytes the segment occupies in memory (p_memsz >= data.length); the rest is zero-filled (bss) */
  readonly memsz: number;
  /** p_flags: 1 X, 2 W, 4 R */
  readonly flags: number;
}

export interface ElfSymbol {
  readonly name: string;
  readonly value: number;
  readonly size: number;
  /** STT_*: 0 NOTYPE, 1 OBJECT, 2 FUNC, 3 SECTION, 4 FILE */
  readonly type: number;
  /** STB_*: 0 LOCAL, 1 GLOBAL, 2 WEAK */
  readonly bind: number;
}

export interface ElfImage {
  readonly entry: number;
  readonly segments: readonly ElfSegment[];
  /** symbols from .symtab, when the file has an intact one (never required) */
  readonly symbols?: readonly ElfSymbol[];
}

export interface ParseElfOptions {
  /** guest RAM size in bytes; RAM spans [0x80000000, 0x80000000 + ramBytes) */
  readonly ramBytes: number;
  /** read .symtab (default true); a damaged symbol table is ignored, never an error */
  readonly symbols?: boolean;
  /**
   * Accept an entry point given as a virtual address (default false): when e_entry is outside RAM
   * but inside a segment's p_vaddr range, the entry becomes the matching physical address (a Linux
   * vmlinux is linked at its virtual addresses and loaded at its physical ones).
   */
  readonly virtualEntry?: boolean;
}

const EM_RISCV = 243;
const ET_EXEC = 2;
const PT_LOAD = 1;
const EHDR32_SIZE = 52;
const PHDR32_SIZE = 32;
const SHDR32_SIZE = 40;
const SHT_SYMTAB = 2;
const PN_XNUM = 0xffff;

const MACHINES: Record<number, string> = {
  2: 'SPARC',
  3: 'x86 (i386)',
  8: 'MIPS',
  20: 'PowerPC',
  21: 'PowerPC64',
  22: 'S/390',
  40: 'ARM (32-bit)',
  42: 'SuperH',
  50: 'IA-64',
  62: 'x86-64',
  183: 'AArch64 (ARM64)',
  243: 'RISC-V',
  247: 'BPF',
  258: 'LoongArch',
};

const ELF_TYPES: Record<number, string> = {
  0: 'ET_NONE (no file type)',
  1: 'ET_REL (relocatable object file: link it first)',
  3: 'ET_DYN (shared object or position-independent executable)',
  4: 'ET_CORE (core dump)',
};

export function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

function hex(n: number): string {
  return '0x' + n.toString(16);
}

/**
 * "4 MiB", "1 GiB", "1536 KiB", "100 bytes": the largest unit that divides `n` exactly, else the
 * exact byte count ("1048577 bytes", never a rounded "1.0 MiB" that hides the odd byte).
 */
export function formatBytes(n: number): string {
  const units: [number, string][] = [
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ];
  for (const [size, unit] of units) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return n === 1 ? '1 byte' : `${n} bytes`;
}

function hexBytes(b: Uint8Array, n: number): string {
  const parts = Array.from(b.subarray(0, n), (x) => x.toString(16).padStart(2, '0'));
  return parts.join(' ') + (b.length > n ? '...' : '');
}

function machineName(m: number): string {
  const name = MACHINES[m];
  return name ? `${name} (EM ${m})` : `unknown (EM ${m})`;
}

const LINUX_IMAGE_MAGIC2 = [0x52, 0x53, 0x43, 0x05]; // "RSC\x05" at 0x38
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

function bytesAt(b: Uint8Array, off: number, want: readonly number[]): boolean {
  if (b.length < off + want.length) return false;
  return want.every((x, i) => b[off + i] === x);
}

/** Whether `bytes` starts like a RISC-V Linux kernel `Image` (magic "RSC\x05" at offset 0x38). */
export function isLinuxImage(bytes: Uint8Array): boolean {
  return bytesAt(bytes, 0x38, LINUX_IMAGE_MAGIC2);
}

function ramRange(ramBytes: number): string {
  return `${hex32(RAM_BASE)}..${hex32(RAM_BASE + ramBytes)}`;
}

/**
 * Parses and validates an ELF guest image for a guest with `ramBytes` of RAM.
 * Throws {@link ElfError} on anything the guest could not run from.
 */
export function parseElf(input: Uint8Array | ArrayBuffer, options: ParseElfOptions): ElfImage {
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  const { ramBytes } = options;
  const ramEnd = RAM_BASE + ramBytes;
  const size = bytes.length;

  // --- identification ---------------------------------------------------------------------
  if (size === 0) throw new ElfError('empty', 'the file is empty (0 bytes); expected a RISC-V ELF executable');
  if (!bytesAt(bytes, 0, ELF_MAGIC)) {
    if (size < 4 && ELF_MAGIC.slice(0, size).every((x, i) => bytes[i] === x)) {
      throw new ElfError('truncated', `ELF header truncated: the file is only ${size} bytes`);
    }
    if (isLinuxImage(bytes)) {
      throw new ElfError(
        'linux-image',
        'this is a RISC-V Linux kernel Image, not an ELF executable; boot it as a kernel (minivisor run --kernel FILE)',
      );
    }
    throw new ElfError(
      'not-elf',
      `not an ELF file (starts with ${hexBytes(bytes, 4)}; an ELF file starts with 7f 45 4c 46, "\\x7fELF")`,
    );
  }
  if (size < 16) {
    throw new ElfError('truncated', `ELF header truncated: the file is only ${size} bytes, an ELF32 header needs ${EHDR32_SIZE}`);
  }
  const cls = bytes[4];
  if (cls === 2) throw new ElfError('elf64', 'ELF64 image; minivisor runs 32-bit RISC-V (ELFCLASS32): build the guest for rv32 (e.g. -march=rv32imac -mabi=ilp32)');
  if (cls !== 1) throw new ElfError('bad-class', `invalid ELF class ${cls} (expected 1, ELFCLASS32)`);
  const data = bytes[5];
  if (data === 2) throw new ElfError('big-endian', 'big-endian ELF (ELFDATA2MSB); RISC-V guests are little-endian (ELFDATA2LSB)');
  if (data !== 1) throw new ElfError('bad-encoding', `invalid ELF data encoding ${data} (expected 1, little-endian)`);
  if (bytes[6] !== 1) throw new ElfError('bad-version', `unsupported ELF version ${bytes[6]} (expected 1, EV_CURRENT)`);
  if (size < EHDR32_SIZE) {
    throw new ElfError('truncated', `ELF header truncated: the file is only ${size} bytes, an ELF32 header needs ${EHDR32_SIZE}`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (off: number) => view.getUint16(off, true);
  const u32 = (off: number) => view.getUint32(off, true);

  // --- ELF header ----------------------------------------------------------------------------
  const eType = u16(16);
  const eMachine = u16(18);
  const eVersion = u32(20);
  const eEntry = u32(24);
  const ePhoff = u32(28);
  const eShoff = u32(32);
  const eEhsize = u16(40);
  const ePhentsize = u16(42);
  const ePhnum = u16(44);
  const eShentsize = u16(46);
  const eShnum = u16(48);

  if (eMachine !== EM_RISCV) {
    throw new ElfError('wrong-machine', `machine is ${machineName(eMachine)}, expected RISC-V (EM ${EM_RISCV})`);
  }
  if (eType !== ET_EXEC) {
    const what = ELF_TYPES[eType] ?? `unknown type ${eType}`;
    throw new ElfError(
      'not-executable',
      `ELF type is ${what}; minivisor needs a statically linked executable (ET_EXEC) linked at ${hex32(RAM_BASE)}`,
    );
  }
  if (eVersion !== 1) throw new ElfError('bad-version', `unsupported ELF version ${eVersion} in e_version (expected 1)`);
  if (eEhsize < EHDR32_SIZE) throw new ElfError('bad-header', `ELF header size e_ehsize is ${eEhsize}, expected ${EHDR32_SIZE}`);
  if (ePhnum === PN_XNUM) throw new ElfError('bad-header', 'more than 65534 program headers (PN_XNUM) is not supported');
  if (ePhnum === 0) throw new ElfError('no-loadable-segments', 'the ELF file has no program headers, so nothing to load (is it an object file or stripped of them?)');
  if (ePhentsize !== PHDR32_SIZE) {
    throw new ElfError('bad-header', `program header entry size e_phentsize is ${ePhentsize}, expected ${PHDR32_SIZE} for ELF32`);
  }
  const phEnd = ePhoff + ePhnum * ePhentsize;
  if (phEnd > size) {
    throw new ElfError(
      'truncated',
      `program header table (${ePhnum} entries at offset ${hex(ePhoff)}) ends at byte ${hex(phEnd)}, past the end of the ${size}-byte file; the file is truncated`,
    );
  }

  // --- program headers ----------------------------------------------------------------------
  // The segments that take memory, as rows of a table (no object per segment until the end:
  // an ELF may have 65534 of them): program header index, paddr, end, offset, filesz, vaddr, flags.
  const table = new Float64Array(ePhnum * ROW);
  let count = 0;
  for (let i = 0; i < ePhnum; i++) {
    const ph = ePhoff + i * ePhentsize;
    if (u32(ph) !== PT_LOAD) continue;
    const offset = u32(ph + 4);
    const vaddr = u32(ph + 8);
    const paddr = u32(ph + 12);
    const filesz = u32(ph + 16);
    const memsz = u32(ph + 20);
    const flags = u32(ph + 24);

    if (filesz > memsz) {
      throw new ElfError(
        'filesz-exceeds-memsz',
        `segment ${i} has more file bytes than memory bytes (p_filesz ${hex(filesz)} > p_memsz ${hex(memsz)}); the ELF file is malformed`,
      );
    }
    if (offset + filesz > size) {
      throw new ElfError(
        'truncated',
        `segment ${i} data (${filesz} bytes at offset ${hex(offset)}) ends at byte ${hex(offset + filesz)}, past the end of the ${size}-byte file; the file is truncated`,
      );
    }
    if (memsz === 0) continue; // occupies nothing
    const end = paddr + memsz;
    if (memsz > ramBytes) {
      throw new ElfError(
        'too-large',
        `segment ${i} needs ${formatBytes(memsz)} (p_memsz) but the guest has only ${formatBytes(ramBytes)} of RAM; give the guest more RAM`,
      );
    }
    if (paddr < RAM_BASE) {
      throw new ElfError(
        'segment-outside-ram',
        `segment ${i} starts at ${hex32(paddr)}, below RAM at ${hex32(RAM_BASE)}; link the guest for ${hex32(RAM_BASE)} (as for QEMU virt)`,
      );
    }
    if (end > ramEnd) {
      const endText = end > 0xffff_ffff ? '0x' + end.toString(16) : hex32(end);
      throw new ElfError(
        'segment-outside-ram',
        `segment ${i} ends at ${endText}, past the end of ${formatBytes(ramBytes)} RAM (${ramRange(ramBytes)}); give the guest more RAM or link it lower`,
      );
    }
    const row = count++ * ROW;
    table[row] = i;
    table[row + 1] = paddr;
    table[row + 2] = end;
    table[row + 3] = offset;
    table[row + 4] = filesz;
    table[row + 5] = vaddr;
    table[row + 6] = flags;
  }
  checkOverlaps(table, count);

  // The segments' file bytes, copied (independent of the input) into one buffer: one allocation
  // rather than one per segment, and nothing of the file that is not loaded (symbols, debug info).
  let total = 0;
  for (let r = 0; r < count; r++) total += table[r * ROW + 4]!;
  const pool = new Uint8Array(total);
  let at = 0;
  const segments: ElfSegment[] = new Array(count);
  for (let r = 0; r < count; r++) {
    const row = r * ROW;
    const offset = table[row + 3]!;
    const filesz = table[row + 4]!;
    if (filesz > 64) pool.set(bytes.subarray(offset, offset + filesz), at);
    else for (let k = 0; k < filesz; k++) pool[at + k] = bytes[offset + k]!; // no view to allocate
    const paddr = table[row + 1]!;
    segments[r] = { paddr, vaddr: table[row + 5]!, data: pool.subarray(at, at + filesz), memsz: table[row + 2]! - paddr, flags: table[row + 6]! };
    at += filesz;
  }

  if (segments.length === 0) {
    throw new ElfError('no-loadable-segments', 'the ELF file has no loadable (PT_LOAD) segments, so nothing to load');
  }
  let entry = eEntry;
  if ((entry < RAM_BASE || entry >= ramEnd) && options.virtualEntry) {
    const seg = segments.find((sg) => sg.vaddr !== undefined && eEntry >= sg.vaddr && eEntry < sg.vaddr + sg.memsz);
    if (seg?.vaddr !== undefined) entry = seg.paddr + (eEntry - seg.vaddr);
  }
  if (entry < RAM_BASE || entry >= ramEnd) {
    throw new ElfError(
      'entry-outside-ram',
      `entry point ${hex32(eEntry)} is outside RAM (${ramRange(ramBytes)}); link the guest for ${hex32(RAM_BASE)}`,
    );
  }

  const image: { entry: number; segments: ElfSegment[]; symbols?: ElfSymbol[] } = { entry, segments };
  if (options.symbols !== false) {
    const symbols = readSymbols(bytes, view, eShoff, eShentsize, eShnum);
    if (symbols) image.symbols = symbols;
  }
  return image;
}

/** Columns of the segment table parseElf fills: index, start, end, offset, filesz, vaddr, flags. */
const ROW = 7;

/**
 * Throws 'segment-overlap' if two of the first `count` segments of `table` share a byte. Sorted
 * by start address, a segment overlaps an earlier one exactly when it starts before the furthest
 * end seen so far, so this is O(n log n) (an ELF may have 65534 segments; comparing every pair
 * took seconds). It reports the overlap at the lowest address, later segment (in program header
 * order) first.
 */
function checkOverlaps(table: Float64Array, count: number): void {
  // Sort keys start * 2^16 + row: exact in a double (start < 2^32, row < 2^16), and a typed
  // array sorts numerically without a comparator.
  const keys = new Float64Array(count);
  for (let r = 0; r < count; r++) keys[r] = table[r * ROW + 1]! * 65536 + r;
  keys.sort();
  const rowAt = (k: number) => (keys[k]! % 65536) * ROW;
  let reach = 0; // the row of the segment with the furthest end so far
  for (let k = 0; k < count; k++) {
    const row = rowAt(k);
    if (k > 0 && table[row + 1]! < table[reach + 2]!) {
      const [a, b] = table[row]! > table[reach]! ? [row, reach] : [reach, row];
      const name = (r: number) => `segment ${table[r]} (${hex32(table[r + 1]!)}..${hex32(table[r + 2]!)})`;
      throw new ElfError('segment-overlap', `${name(a)} overlaps ${name(b)}`);
    }
    if (k === 0 || table[row + 2]! > table[reach + 2]!) reach = row;
  }
}

/** Best effort: the .symtab symbols, or undefined when absent or inconsistent. */
function readSymbols(
  bytes: Uint8Array,
  view: DataView,
  shoff: number,
  shentsize: number,
  shnum: number,
): ElfSymbol[] | undefined {
  const size = bytes.length;
  if (shoff === 0 || shnum === 0 || shentsize !== SHDR32_SIZE || shoff + shnum * shentsize > size) return undefined;
  const u32 = (off: number) => view.getUint32(off, true);
  const section = (i: number) => {
    const sh = shoff + i * shentsize;
    return { type: u32(sh + 4), offset: u32(sh + 16), size: u32(sh + 20), link: u32(sh + 24), entsize: u32(sh + 36) };
  };
  for (let i = 0; i < shnum; i++) {
    const symtab = section(i);
    if (symtab.type !== SHT_SYMTAB) continue;
    if (symtab.entsize !== 16 || symtab.offset + symtab.size > size || symtab.link >= shnum) return undefined;
    const strtab = section(symtab.link);
    if (strtab.offset + strtab.size > size) return undefined;
    const strings = bytes.subarray(strtab.offset, strtab.offset + strtab.size);
    const decoder = new TextDecoder();
    const symbols: ElfSymbol[] = [];
    for (let off = symtab.offset + 16; off + 16 <= symtab.offset + symtab.size; off += 16) {
      const nameOff = u32(off);
      if (nameOff === 0 || nameOff >= strings.length) continue;
      let nameEnd = strings.indexOf(0, nameOff);
      if (nameEnd < 0) nameEnd = strings.length;
      const info = bytes[off + 12];
      symbols.push({
        name: decoder.decode(strings.subarray(nameOff, nameEnd)),
        value: u32(off + 4),
        size: u32(off + 8),
        type: info & 0xf,
        bind: info >> 4,
      });
    }
    return symbols;
  }
  return undefined;
}

/**
 * Copies an image into a guest RAM window (`ram[0]` is guest-physical 0x80000000): each segment's
 * file bytes, then zeroes up to p_memsz (bss). Bytes outside the segments are left untouched.
 */
export function loadElfIntoRam(image: ElfImage, ram: Uint8Array): void {
  for (const [i, seg] of image.segments.entries()) {
    const off = seg.paddr - RAM_BASE;
    if (off < 0 || off + seg.memsz > ram.length) {
      throw new ElfError(
        'segment-outside-ram',
        `loadable segment ${i} (${hex32(seg.paddr)}..${hex32(seg.paddr + seg.memsz)}) does not fit in ${formatBytes(ram.length)} RAM (${ramRange(ram.length)})`,
      );
    }
  }
  for (const seg of image.segments) {
    const off = seg.paddr - RAM_BASE;
    ram.set(seg.data, off);
    ram.fill(0, off + seg.data.length, off + seg.memsz);
  }
}
