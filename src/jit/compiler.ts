/**
 * The host's half of the JIT (issue 16): turns one hot block of guest code (RV32IMC, one guest
 * page, up to a branch or jump) into a WebAssembly function `() => i32` and puts it into the
 * core's function table, where the core's hot loop calls it (assembly/jit.ts explains why it
 * behaves exactly like the interpreter).
 *
 * The function keeps the guest registers it uses in Wasm locals, loaded at entry and written
 * back at every exit. Loads and stores take the core's TLB fast path, with the same tags and
 * addends as the interpreter; a miss is an exit *before* that instruction, and the interpreter
 * runs it. The function returns how many instructions it retired and leaves the next PC in the
 * hart's PC word. Compressed instructions are expanded to their 32-bit meaning here, so both
 * encodings give the same code.
 */

/** What the compiler needs of a core instance. */
export interface JitCore {
  readonly memory: WebAssembly.Memory;
  readonly table: WebAssembly.Table;
  jitChecked(): number;
  jitCheckRam(kind: number, host: number, size: number): void;
  /** the first table slot for blocks; the core hands it out again after emptying its cache */
  jitSlotBase(): number;
}

// Hart and TLB layout (assembly/hart.ts), and the checked core's access kinds (assembly/checked.ts).
const H_PC = 0x080;
const TLB_READ = 0x1000;
const TLB_WRITE = 0x1800;
const CHECK_LOAD = 1;
const CHECK_STORE = 2;
/** Longest block: a block runs only when the chunk has room for all of it. */
const MAX_BLOCK = 64;

/** Translated-code counters kept on the host side. */
export interface JitHostStats {
  /** blocks compiled */
  compiled: number;
  /** milliseconds spent building and compiling them */
  compileMs: number;
  /** bytes of WebAssembly generated */
  bytes: number;
  /** bytes of WebAssembly in the code cache now */
  liveBytes: number;
}

/** assembly/jit.ts: the answer that asks the core to empty its cache. */
const CACHE_FULL = -2;
/** Default code cache limit: 16 MiB of generated WebAssembly (Linux's boot to a shell generates about 7.5 MiB in 4,700 regions). */
export const DEFAULT_CACHE_BYTES = 16 * 1024 * 1024;

// ---- decoding: both encodings into one form ----

const enum K {
  OpImm, // rd = rs1 <f3 op> imm (f7 0x20 for SRAI)
  Op, // rd = rs1 <f3/f7 op> rs2
  Lui, // rd = imm
  Load, // rd = mem[rs1 + imm], f3
  Store, // mem[rs1 + imm] = rs2, f3
  Branch, // if (rs1 <f3> rs2) pc = target
  Jal, // rd = pc + len; pc = target
  Jalr, // rd = pc + len; pc = (rs1 + imm) & ~1
  Nop, // FENCE, FENCE.I
}

interface Insn {
  k: K;
  rd: number;
  rs1: number;
  rs2: number;
  imm: number; // as i32
  f3: number;
  f7: number;
  pc: number;
  len: number; // 2 or 4
}

const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);

function mk(k: K, pc: number, len: number, rd: number, rs1: number, rs2: number, imm: number, f3 = 0, f7 = 0): Insn {
  return { k, rd, rs1, rs2, imm: imm | 0, f3, f7, pc, len };
}

/** A 32-bit instruction, or null when a block may not contain it. */
function decode32(i: number, pc: number): Insn | null {
  const op = (i >>> 2) & 31;
  const rd = (i >>> 7) & 31;
  const rs1 = (i >>> 15) & 31;
  const rs2 = (i >>> 20) & 31;
  const f3 = (i >>> 12) & 7;
  const f7 = i >>> 25;
  const immI = i >> 20;
  switch (op) {
    case 0: // LOAD
      return f3 === 0 || f3 === 1 || f3 === 2 || f3 === 4 || f3 === 5 ? mk(K.Load, pc, 4, rd, rs1, 0, immI, f3) : null;
    case 3: // MISC-MEM: the interpreter has no decoded cache to drop; writes invalidate blocks
      return f3 <= 1 ? mk(K.Nop, pc, 4, 0, 0, 0, 0) : null;
    case 4: // OP-IMM
      if (f3 === 1 && f7 !== 0) return null;
      if (f3 === 5 && f7 !== 0 && f7 !== 0x20) return null;
      return mk(K.OpImm, pc, 4, rd, rs1, 0, f3 === 1 || f3 === 5 ? immI & 31 : immI, f3, f3 === 5 ? f7 : 0);
    case 5: // AUIPC
      return mk(K.Lui, pc, 4, rd, 0, 0, (pc + (i & 0xffff_f000)) | 0);
    case 8: // STORE
      return f3 <= 2 ? mk(K.Store, pc, 4, 0, rs1, rs2, ((i >> 25) << 5) | ((i >>> 7) & 31), f3) : null;
    case 12: // OP, M
      if (f7 === 0 || f7 === 1 || (f7 === 0x20 && (f3 === 0 || f3 === 5))) return mk(K.Op, pc, 4, rd, rs1, rs2, 0, f3, f7);
      return null;
    case 13: // LUI
      return mk(K.Lui, pc, 4, rd, 0, 0, i & 0xffff_f000);
    case 24: // BRANCH
      if (f3 === 2 || f3 === 3) return null;
      return mk(K.Branch, pc, 4, 0, rs1, rs2,
        (pc + (((i & 0x8000_0000) >> 19) | ((i & 0x80) << 4) | ((i >>> 20) & 0x7e0) | ((i >>> 7) & 0x1e))) | 0, f3);
    case 25: // JALR
      return f3 === 0 ? mk(K.Jalr, pc, 4, rd, rs1, 0, immI) : null;
    case 27: // JAL
      return mk(K.Jal, pc, 4, rd, 0, 0,
        (pc + (((i & 0x8000_0000) >> 11) | (i & 0xff000) | ((i >>> 9) & 0x800) | ((i >>> 20) & 0x7fe))) | 0);
    default:
      return null; // SYSTEM, AMO and anything that may trap: the interpreter's
  }
}

/** A 16-bit instruction as the 32-bit one it stands for, or null (illegal, EBREAK, F/D). */
function decode16(i: number, pc: number): Insn | null {
  const q = i & 3;
  const f = (i >>> 13) & 7;
  const rdp = ((i >>> 2) & 7) + 8; // rd'/rs2'
  const rs1p = ((i >>> 7) & 7) + 8; // rs1'/rd'
  const rd = (i >>> 7) & 31;
  const rs2 = (i >>> 2) & 31;
  const imm6 = sext(((i >>> 2) & 0x1f) | ((i >>> 7) & 0x20), 6);
  if (q === 0) {
    if (f === 0) { // C.ADDI4SPN
      const imm = ((i >>> 7) & 0x30) | ((i >>> 1) & 0x3c0) | ((i >>> 4) & 0x4) | ((i >>> 2) & 0x8);
      return imm === 0 ? null : mk(K.OpImm, pc, 2, rdp, 2, 0, imm, 0);
    }
    const off = ((i >>> 7) & 0x38) | ((i >>> 4) & 0x4) | ((i << 1) & 0x40);
    if (f === 2) return mk(K.Load, pc, 2, rdp, rs1p, 0, off, 2); // C.LW
    if (f === 6) return mk(K.Store, pc, 2, 0, rs1p, rdp, off, 2); // C.SW
    return null;
  }
  if (q === 1) {
    switch (f) {
      case 0: return mk(K.OpImm, pc, 2, rd, rd, 0, imm6, 0); // C.ADDI
      case 1: case 5: { // C.JAL, C.J
        const off = ((i >>> 1) & 0x800) | ((i >>> 7) & 0x10) | ((i >>> 1) & 0x300) | ((i << 2) & 0x400) |
          ((i >>> 1) & 0x40) | ((i << 1) & 0x80) | ((i >>> 2) & 0xe) | ((i << 3) & 0x20);
        return mk(K.Jal, pc, 2, f === 1 ? 1 : 0, 0, 0, (pc + sext(off, 12)) | 0);
      }
      case 2: return mk(K.OpImm, pc, 2, rd, 0, 0, imm6, 0); // C.LI
      case 3:
        if (rd === 2) { // C.ADDI16SP
          const imm = ((i >>> 3) & 0x200) | ((i >>> 2) & 0x10) | ((i << 1) & 0x40) | ((i << 4) & 0x180) | ((i << 3) & 0x20);
          return imm === 0 ? null : mk(K.OpImm, pc, 2, 2, 2, 0, sext(imm, 10), 0);
        }
        // C.LUI (rd 0 is a hint the interpreter executes as a write to x0)
        return (((i >>> 2) & 0x1f) | ((i >>> 7) & 0x20)) === 0 ? null : mk(K.Lui, pc, 2, rd, 0, 0, imm6 << 12);
      case 4: {
        const f2 = (i >>> 10) & 3;
        if (f2 === 2) return mk(K.OpImm, pc, 2, rs1p, rs1p, 0, imm6, 7); // C.ANDI
        if (i & 0x1000) return null;
        const sh = (i >>> 2) & 0x1f;
        if (f2 === 0) return mk(K.OpImm, pc, 2, rs1p, rs1p, 0, sh, 5, 0); // C.SRLI
        if (f2 === 1) return mk(K.OpImm, pc, 2, rs1p, rs1p, 0, sh, 5, 0x20); // C.SRAI
        const fn = (i >>> 5) & 3; // C.SUB, C.XOR, C.OR, C.AND
        return mk(K.Op, pc, 2, rs1p, rs1p, rdp, 0, [0, 4, 6, 7][fn]!, fn === 0 ? 0x20 : 0);
      }
      case 6: case 7: { // C.BEQZ, C.BNEZ
        const off = ((i >>> 4) & 0x100) | ((i >>> 7) & 0x18) | ((i << 1) & 0xc0) | ((i >>> 2) & 0x6) | ((i << 3) & 0x20);
        return mk(K.Branch, pc, 2, 0, rs1p, 0, (pc + sext(off, 9)) | 0, f === 6 ? 0 : 1);
      }
    }
    return null;
  }
  if (q === 2) {
    switch (f) {
      case 0: return i & 0x1000 ? null : mk(K.OpImm, pc, 2, rd, rd, 0, rs2, 1); // C.SLLI
      case 2: { // C.LWSP
        if (rd === 0) return null;
        const off = ((i >>> 7) & 0x20) | ((i >>> 2) & 0x1c) | ((i << 4) & 0xc0);
        return mk(K.Load, pc, 2, rd, 2, 0, off, 2);
      }
      case 4:
        if ((i & 0x1000) === 0) {
          if (rs2 === 0) return rd === 0 ? null : mk(K.Jalr, pc, 2, 0, rd, 0, 0); // C.JR
          return mk(K.Op, pc, 2, rd, 0, rs2, 0, 0); // C.MV
        }
        if (rs2 === 0) return rd === 0 ? null : mk(K.Jalr, pc, 2, 1, rd, 0, 0); // C.JALR (C.EBREAK: no)
        return mk(K.Op, pc, 2, rd, rd, rs2, 0, 0); // C.ADD
      case 6: { // C.SWSP
        const off = ((i >>> 7) & 0x3c) | ((i >>> 1) & 0xc0);
        return mk(K.Store, pc, 2, 0, 2, rs2, off, 2);
      }
    }
  }
  return null;
}

/**
 * Whether the interpreter writes x0's word for this instruction when rd is x0 (the next
 * instruction clears it): every 32-bit form with rd, and the compressed ones except C.J and
 * C.JR, whose link register is not written at all.
 */
const writesX0 = (ins: Insn): boolean =>
  ins.rd === 0 && ins.k !== K.Store && ins.k !== K.Branch && ins.k !== K.Nop && !(ins.len === 2 && (ins.k === K.Jal || ins.k === K.Jalr));

const endsBlock = (k: K): boolean => k === K.Branch || k === K.Jal || k === K.Jalr;

/** The block at host address `host` (guest `pc`): its instructions, empty if the first is not translatable. */
export function decodeBlock(mem: Uint8Array, host: number, pc: number): Insn[] {
  const out: Insn[] = [];
  let off = host & 0xfff;
  const page = host - off;
  while (out.length < MAX_BLOCK && off <= 0xffe) {
    const lo = mem[page + off]! | (mem[page + off + 1]! << 8);
    let ins: Insn | null;
    if ((lo & 3) === 3) {
      if (off > 0xffc) break; // it crosses the page: the interpreter fetches it in two halves
      const w = (lo | (mem[page + off + 2]! << 16) | (mem[page + off + 3]! << 24)) >>> 0;
      ins = decode32(w, pc);
    } else {
      ins = decode16(lo, pc);
    }
    if (!ins) break;
    out.push(ins);
    if (endsBlock(ins.k)) break;
    off += ins.len;
    pc = (pc + ins.len) | 0;
  }
  return out;
}

/** A region: the blocks reachable from its entry by direct jumps inside the entry's page. */
interface Region {
  blocks: Insn[][];
  /** guest pc -> block index */
  index: Map<number, number>;
  instructions: number;
}

const MAX_BLOCKS = 16;
const MAX_REGION = 400;

export function decodeRegion(mem: Uint8Array, host: number, pc: number): Region {
  const region: Region = { blocks: [], index: new Map(), instructions: 0 };
  const pageHost = host & ~0xfff;
  const pagePc = pc & ~0xfff;
  const queue = [pc];
  while (queue.length && region.blocks.length < MAX_BLOCKS && region.instructions < MAX_REGION) {
    const at = queue.shift()!;
    if (region.index.has(at)) continue;
    const block = decodeBlock(mem, pageHost + (at - pagePc), at);
    if (block.length === 0) continue;
    region.index.set(at, region.blocks.length);
    region.blocks.push(block);
    region.instructions += block.length;
    for (const t of successors(block)) if ((t & ~0xfff) === pagePc && !region.index.has(t)) queue.push(t);
  }
  return region;
}

/** Where control goes after a block, when known at translation time. */
function successors(block: Insn[]): number[] {
  const last = block[block.length - 1]!;
  switch (last.k) {
    case K.Branch: return [last.imm, (last.pc + last.len) | 0];
    case K.Jal: return [last.imm];
    case K.Jalr: return [];
    default: return [(last.pc + last.len) | 0];
  }
}

// ---- encoding ----

class Bytes {
  b: number[] = [];
  u8(...v: number[]): this {
    for (const x of v) this.b.push(x);
    return this;
  }
  uleb(v: number): this {
    v >>>= 0;
    do {
      let byte = v & 0x7f;
      v >>>= 7;
      if (v !== 0) byte |= 0x80;
      this.b.push(byte);
    } while (v !== 0);
    return this;
  }
  sleb(v: number): this {
    v |= 0;
    for (;;) {
      const byte = v & 0x7f;
      v >>= 7;
      if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
        this.b.push(byte);
        return this;
      }
      this.b.push(byte | 0x80);
    }
  }
  str(s: string): this {
    this.uleb(s.length);
    for (let i = 0; i < s.length; i++) this.b.push(s.charCodeAt(i));
    return this;
  }
  section(id: number, body: Bytes): this {
    this.u8(id).uleb(body.b.length);
    for (const x of body.b) this.b.push(x);
    return this;
  }
}

// Opcodes used below.
const I32_CONST = 0x41, I64_CONST = 0x42, LOCAL_GET = 0x20, LOCAL_SET = 0x21, LOCAL_TEE = 0x22;
const I32_LOAD = 0x28, I32_STORE = 0x36, IF = 0x04, ELSE = 0x05, END = 0x0b, RETURN = 0x0f, DROP = 0x1a, CALL = 0x10;
const I32_EQZ = 0x45, I32_EQ = 0x46, I32_NE = 0x47, I32_LT_S = 0x48, I32_LT_U = 0x49, I32_GE_S = 0x4e, I32_GE_U = 0x4f;
const I32_ADD = 0x6a, I32_SUB = 0x6b, I32_MUL = 0x6c, I32_DIV_S = 0x6d, I32_DIV_U = 0x6e, I32_REM_S = 0x6f, I32_REM_U = 0x70;
const I32_AND = 0x71, I32_OR = 0x72, I32_XOR = 0x73, I32_SHL = 0x74, I32_SHR_S = 0x75, I32_SHR_U = 0x76;
const I64_MUL = 0x7e, I64_SHR_U = 0x88, I32_WRAP = 0xa7, I64_EXT_S = 0xac, I64_EXT_U = 0xad;
const VOID = 0x40, I32 = 0x7f;

// Locals: 0 the budget (the function's parameter), 1..31 guest registers, then scratch.
const L_AVAIL = 0, L_VA = 32, L_E = 33, L_T = 34, L_Z = 35, L_A = 36, L_B = 37, L_DONE = 38, L_CUR = 39, LOCALS = 39;
/** Set in the result when the exit needs the interpreter (a slow path or the budget): no chaining. */
const STOP_FLAG = 0x8000_0000 | 0;

/**
 * Emits one region's function `(avail) => retired`: a loop over a br_table on the current
 * block's index, so that jumps inside the region stay inside the function with the registers
 * in locals. Every block first checks that the budget has room for all of it.
 */
class RegionEmitter {
  readonly c = new Bytes();
  private readonly written = new Set<number>();
  constructor(private readonly region: Region, private readonly checked: boolean) {}

  private get(r: number): void {
    if (r === 0) this.c.u8(I32_CONST, 0);
    else this.c.u8(LOCAL_GET, r);
  }
  private const(v: number): void {
    this.c.u8(I32_CONST).sleb(v);
  }
  /** Pops the value into rd. A write to x0 is kept (in L_Z) only by a block's last instruction,
   *  whose x0 the interpreter would leave in memory; otherwise the next instruction clears it. */
  private set(rd: number, last: boolean): void {
    if (rd === 0) this.c.u8(last ? LOCAL_SET : DROP, ...(last ? [L_Z] : []));
    else this.c.u8(LOCAL_SET, rd);
  }
  private memarg(align: number, offset: number): void {
    this.c.uleb(align).uleb(offset);
  }
  /** Labels between the code being emitted and the dispatch loop. */
  private depth = 0;

  /**
   * Leaves the function: the next PC (a constant, or L_T already set when null) and the count
   * done + `count` (| STOP_FLAG when `stop`) go to the shared epilogue after the loop, which
   * writes the registers back once for every exit.
   */
  private exit(count: number, nextPc: number | null, stop: boolean): void {
    const c = this.c;
    if (nextPc !== null) {
      this.const(nextPc);
      c.u8(LOCAL_SET, L_T);
    }
    c.u8(LOCAL_GET, L_DONE);
    if (count !== 0) {
      this.const(count);
      c.u8(I32_ADD);
    }
    if (stop) {
      this.const(STOP_FLAG);
      c.u8(I32_OR);
    }
    c.u8(LOCAL_SET, L_A, 0x0c); // br to the epilogue, just outside the loop
    c.uleb(this.depth + 1);
  }

  /** Leaves a block `len` instructions long for `target`: inside the region a jump back to the dispatch loop, else an exit. */
  private goTo(target: number, len: number): void {
    const idx = this.region.index.get(target);
    if (idx === undefined) {
      this.exit(len, target, false);
      return;
    }
    const c = this.c;
    c.u8(LOCAL_GET, L_DONE);
    this.const(len);
    c.u8(I32_ADD, LOCAL_SET, L_DONE);
    this.const(idx);
    c.u8(LOCAL_SET, L_CUR, 0x0c); // br
    c.uleb(this.depth);
  }

  /** TLB fast path for a `size`-byte access at rs1 + imm; leaves the host address on the stack. */
  private access(ins: Insn, index: number, tlb: number, size: number): void {
    const c = this.c;
    this.get(ins.rs1);
    this.const(ins.imm);
    c.u8(I32_ADD, LOCAL_TEE, L_VA);
    this.const(9);
    c.u8(I32_SHR_U);
    this.const(0x7f8);
    c.u8(I32_AND);
    this.const(tlb);
    c.u8(I32_ADD, LOCAL_TEE, L_E, I32_LOAD);
    this.memarg(2, 0);
    c.u8(LOCAL_GET, L_VA);
    this.const(size === 4 ? 0xffff_f003 | 0 : size === 2 ? 0xffff_f001 | 0 : 0xffff_f000 | 0);
    c.u8(I32_AND, I32_NE, IF, VOID);
    this.depth++;
    this.exit(index, ins.pc, true); // a miss: the interpreter takes this one
    this.depth--;
    c.u8(END);
    c.u8(LOCAL_GET, L_VA, LOCAL_GET, L_E, I32_LOAD);
    this.memarg(2, 4);
    c.u8(I32_ADD);
    if (this.checked) {
      c.u8(LOCAL_SET, L_VA);
      this.const(tlb === TLB_READ ? CHECK_LOAD : CHECK_STORE);
      c.u8(LOCAL_GET, L_VA);
      this.const(size);
      c.u8(CALL, 0, LOCAL_GET, L_VA);
    }
  }

  emit(): Bytes {
    const c = this.c;
    const blocks = this.region.blocks;
    const used = new Set<number>();
    for (const b of blocks) {
      for (const ins of b) {
        used.add(ins.rs1);
        used.add(ins.rs2);
        used.add(ins.rd);
        if (ins.rd !== 0 && ins.k !== K.Store && ins.k !== K.Branch && ins.k !== K.Nop) this.written.add(ins.rd);
      }
    }
    used.delete(0);
    for (const r of [...used].sort((a, b) => a - b)) {
      c.u8(I32_CONST, 0, I32_LOAD);
      this.memarg(2, r * 4);
      c.u8(LOCAL_SET, r);
    }
    // What the interpreter left in x0's word, for an exit before the first block runs.
    c.u8(I32_CONST, 0, I32_LOAD);
    this.memarg(2, 0);
    c.u8(LOCAL_SET, L_Z);
    const n = blocks.length;
    c.u8(0x02, VOID); // the epilogue's label
    c.u8(0x03, VOID); // loop
    for (let i = 0; i < n; i++) c.u8(0x02, VOID); // block
    c.u8(LOCAL_GET, L_CUR, 0x0e); // br_table
    c.uleb(n - 1);
    for (let i = 0; i < n - 1; i++) c.uleb(i);
    c.uleb(n - 1);
    for (let i = 0; i < n; i++) {
      c.u8(END); // the end of block i's label: its code follows
      this.depth = n - 1 - i;
      const b = blocks[i]!;
      const first = b[0]!;
      // Room in the budget for the whole block, or the interpreter goes on from here.
      c.u8(LOCAL_GET, L_AVAIL, LOCAL_GET, L_DONE, I32_SUB);
      this.const(b.length);
      c.u8(I32_LT_U, IF, VOID);
      this.depth++;
      this.exit(0, first.pc, true);
      this.depth--;
      c.u8(END);
      b.forEach((ins, idx) => this.insn(ins, idx, idx === b.length - 1, b.length));
    }
    c.u8(END); // loop (never falls through)
    c.u8(END); // the epilogue: registers back, x0's word, the PC, the count
    for (const r of this.written) {
      c.u8(I32_CONST, 0, LOCAL_GET, r, I32_STORE);
      this.memarg(2, r * 4);
    }
    // x0's word as the interpreter leaves it at a block boundary (the last instruction's write to
    // x0, or 0); in the middle of a block the interpreter clears it before its next instruction.
    c.u8(I32_CONST, 0, LOCAL_GET, L_Z, I32_STORE);
    this.memarg(2, 0);
    c.u8(I32_CONST, 0, LOCAL_GET, L_T, I32_STORE);
    this.memarg(2, H_PC);
    c.u8(LOCAL_GET, L_A, END);
    return c;
  }

  private insn(ins: Insn, idx: number, last: boolean, len: number): void {
    const c = this.c;
    // A block's last instruction decides x0's word at the boundary: its own write, or 0.
    const x0 = writesX0(ins);
    if (last && !x0) c.u8(I32_CONST, 0, LOCAL_SET, L_Z);
    const keep = last && x0; // whether a write to x0 goes to L_Z
    switch (ins.k) {
      case K.Nop:
        break;
      case K.Lui:
        this.const(ins.imm);
        this.set(ins.rd, keep);
        break;
      case K.OpImm: {
        this.get(ins.rs1);
        this.const(ins.imm);
        const ops = [I32_ADD, I32_SHL, I32_LT_S, I32_LT_U, I32_XOR, ins.f7 ? I32_SHR_S : I32_SHR_U, I32_OR, I32_AND];
        c.u8(ops[ins.f3]!);
        this.set(ins.rd, keep);
        break;
      }
      case K.Op:
        this.op(ins);
        this.set(ins.rd, keep);
        break;
      case K.Load: {
        this.access(ins, idx, TLB_READ, ins.f3 === 2 ? 4 : ins.f3 === 1 || ins.f3 === 5 ? 2 : 1);
        const op = [0x2c, 0x2e, 0x28, 0, 0x2d, 0x2f][ins.f3]!; // i32.load8_s, load16_s, load, -, load8_u, load16_u
        c.u8(op);
        this.memarg(ins.f3 === 2 ? 2 : ins.f3 === 1 || ins.f3 === 5 ? 1 : 0, 0);
        this.set(ins.rd, keep);
        break;
      }
      case K.Store: {
        this.access(ins, idx, TLB_WRITE, 1 << ins.f3);
        this.get(ins.rs2);
        c.u8([0x3a, 0x3b, 0x36][ins.f3]!); // i32.store8, store16, store
        this.memarg(ins.f3, 0);
        break;
      }
      case K.Branch:
        this.get(ins.rs1);
        this.get(ins.rs2);
        c.u8([I32_EQ, I32_NE, 0, 0, I32_LT_S, I32_GE_S, I32_LT_U, I32_GE_U][ins.f3]!, IF, VOID);
        this.depth++;
        this.goTo(ins.imm, len);
        this.depth--;
        c.u8(END);
        this.goTo((ins.pc + ins.len) | 0, len);
        return;
      case K.Jal:
        this.const((ins.pc + ins.len) | 0);
        this.set(ins.rd, keep);
        this.goTo(ins.imm, len);
        return;
      case K.Jalr:
        // The target first: rd may be rs1.
        this.get(ins.rs1);
        this.const(ins.imm);
        c.u8(I32_ADD);
        this.const(-2);
        c.u8(I32_AND, LOCAL_SET, L_T);
        this.const((ins.pc + ins.len) | 0);
        this.set(ins.rd, keep);
        this.exit(len, null, false);
        return;
    }
    if (last) this.goTo((ins.pc + ins.len) | 0, len); // a block cut short: on to the next
  }

  /** rs1 <op> rs2 on the stack, with RISC-V's results for division by zero and overflow. */
  private op(ins: Insn): void {
    const c = this.c;
    const a = (): void => this.get(ins.rs1);
    const b = (): void => this.get(ins.rs2);
    if (ins.f7 === 0x20) {
      a(); b();
      c.u8(ins.f3 === 0 ? I32_SUB : I32_SHR_S);
      return;
    }
    if (ins.f7 === 0) {
      a(); b();
      c.u8([I32_ADD, I32_SHL, I32_LT_S, I32_LT_U, I32_XOR, I32_SHR_U, I32_OR, I32_AND][ins.f3]!);
      return;
    }
    // M
    switch (ins.f3) {
      case 0: a(); b(); c.u8(I32_MUL); return;
      case 1: case 2: case 3: // MULH, MULHSU, MULHU
        a(); c.u8(ins.f3 === 3 ? I64_EXT_U : I64_EXT_S);
        b(); c.u8(ins.f3 === 1 ? I64_EXT_S : I64_EXT_U);
        c.u8(I64_MUL, I64_CONST, 32, I64_SHR_U, I32_WRAP);
        return;
    }
    // DIV, DIVU, REM, REMU: operands in scratch locals, then the special cases.
    a(); c.u8(LOCAL_SET, L_A);
    b(); c.u8(LOCAL_TEE, L_B, I32_EQZ, IF, I32);
    if (ins.f3 === 4 || ins.f3 === 5) this.const(-1);
    else c.u8(LOCAL_GET, L_A);
    c.u8(ELSE);
    if (ins.f3 === 4 || ins.f3 === 6) {
      // INT_MIN / -1: DIV gives INT_MIN, REM gives 0 (Wasm's div_s would trap).
      c.u8(LOCAL_GET, L_A);
      this.const(0x8000_0000 | 0);
      c.u8(I32_EQ, LOCAL_GET, L_B);
      this.const(-1);
      c.u8(I32_EQ, I32_AND, IF, I32);
      if (ins.f3 === 4) c.u8(LOCAL_GET, L_A);
      else this.const(0);
      c.u8(ELSE, LOCAL_GET, L_A, LOCAL_GET, L_B, ins.f3 === 4 ? I32_DIV_S : I32_REM_S, END);
    } else {
      c.u8(LOCAL_GET, L_A, LOCAL_GET, L_B, ins.f3 === 5 ? I32_DIV_U : I32_REM_U);
    }
    c.u8(END);
  }
}

/** The module bytes for the region entered at host/pc, or null if its first instruction is not translatable. */
export function buildBlockModule(mem: Uint8Array, host: number, pc: number, checked: boolean): { bytes: Uint8Array<ArrayBuffer>; length: number } | null {
  const region = decodeRegion(mem, host, pc);
  if (region.blocks.length === 0) return null;
  const body = new RegionEmitter(region, checked).emit();
  const m = new Bytes().u8(0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00);
  const types = new Bytes().uleb(checked ? 2 : 1).u8(0x60, 1, I32, 1, I32);
  if (checked) types.u8(0x60, 3, I32, I32, I32, 0);
  m.section(1, types);
  const imports = new Bytes().uleb(checked ? 2 : 1).str('env').str('memory').u8(0x02, 0x00).uleb(0);
  if (checked) imports.str('env').str('check').u8(0x00).uleb(1);
  m.section(2, imports);
  m.section(3, new Bytes().uleb(1).uleb(0));
  m.section(7, new Bytes().uleb(1).str('f').u8(0x00).uleb(checked ? 1 : 0));
  const fn = new Bytes().uleb(1).uleb(LOCALS).u8(I32);
  for (const x of body.b) fn.b.push(x);
  const code = new Bytes().uleb(1).uleb(fn.b.length);
  for (const x of fn.b) code.b.push(x);
  m.section(10, code);
  return { bytes: Uint8Array.from(m.b), length: region.instructions };
}

/**
 * Compiles blocks for one core instance. `compile` is the core's `env.jitCompile` import: it
 * runs inside guestRun, reads the guest's code from the core's memory and fills a table slot.
 */
export class BlockCompiler {
  private core: JitCore | null = null;
  private unavailable = false;
  /** the highest table slot filled since the cache was last emptied */
  private highSlot = 0;
  readonly stats: JitHostStats = { compiled: 0, compileMs: 0, bytes: 0, liveBytes: 0 };
  /**
   * The code cache's memory limit, in bytes of generated WebAssembly (V8's machine code for it
   * is a small multiple). When the next block does not fit, the core empties the cache.
   */
  cacheLimit = DEFAULT_CACHE_BYTES;
  /** called once when runtime compilation turns out not to be allowed here */
  onUnavailable: (message: string) => void = (message) => console.warn(message);

  attach(core: JitCore): void {
    this.core = core;
  }

  compile(host: number, pc: number, slot: number): number {
    const core = this.core;
    if (!core || this.unavailable) return -1;
    if (slot === core.jitSlotBase()) this.emptied(core);
    const t0 = performance.now();
    const built = buildBlockModule(new Uint8Array(core.memory.buffer), host >>> 0, pc | 0, core.jitChecked() !== 0);
    if (!built) return 0;
    if (this.stats.liveBytes + built.bytes.length > this.cacheLimit) return CACHE_FULL;
    let fn: unknown;
    try {
      const module = new WebAssembly.Module(built.bytes);
      const env: Record<string, unknown> = { memory: core.memory };
      if (core.jitChecked()) env.check = core.jitCheckRam;
      fn = new WebAssembly.Instance(module, { env: env as WebAssembly.ModuleImports }).exports.f;
    } catch (e) {
      // E.g. a Content-Security-Policy without 'wasm-unsafe-eval': the interpreter runs everything.
      this.unavailable = true;
      this.onUnavailable(`minivisor: translation to WebAssembly is not available here (${(e as Error).message}); interpreting only`);
      return -1;
    }
    if (core.table.length <= slot) core.table.grow(slot + 1 - core.table.length + 256);
    core.table.set(slot, fn as Parameters<WebAssembly.Table['set']>[1]);
    this.highSlot = Math.max(this.highSlot, slot);
    this.stats.liveBytes += built.bytes.length;
    this.stats.compiled++;
    this.stats.bytes += built.bytes.length;
    this.stats.compileMs += performance.now() - t0;
    return built.length;
  }

  /** The core emptied its cache (it hands out jitSlotBase() again): let the old functions be collected. */
  private emptied(core: JitCore): void {
    for (let s = core.jitSlotBase(); s <= this.highSlot && s < core.table.length; s++) core.table.set(s, null);
    this.highSlot = 0;
    this.stats.liveBytes = 0;
  }
}
