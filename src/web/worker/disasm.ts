/**
 * A tiny RV32IMAC + Zicsr disassembler for the single-step view. It names the common
 * instructions in the usual assembler syntax and falls back to `.word`/`.half` for anything else:
 * a learner wants to see "csrrw t0, mtvec, t1", not a complete objdump.
 */

const REG = ['zero', 'ra', 'sp', 'gp', 'tp', 't0', 't1', 't2', 's0', 's1', 'a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7', 's2', 's3', 's4', 's5', 's6', 's7', 's8', 's9', 's10', 's11', 't3', 't4', 't5', 't6'];
const CSR: Record<number, string> = {
  0x300: 'mstatus', 0x301: 'misa', 0x302: 'medeleg', 0x303: 'mideleg', 0x304: 'mie', 0x305: 'mtvec', 0x306: 'mcounteren',
  0x340: 'mscratch', 0x341: 'mepc', 0x342: 'mcause', 0x343: 'mtval', 0x344: 'mip', 0xf14: 'mhartid',
  0x100: 'sstatus', 0x104: 'sie', 0x105: 'stvec', 0x106: 'scounteren', 0x140: 'sscratch', 0x141: 'sepc', 0x142: 'scause',
  0x143: 'stval', 0x144: 'sip', 0x180: 'satp', 0xc00: 'cycle', 0xc01: 'time', 0xc02: 'instret', 0xc80: 'cycleh',
  0xc81: 'timeh', 0xc82: 'instreth', 0xb00: 'mcycle', 0xb02: 'minstret', 0xb80: 'mcycleh', 0xb82: 'minstreth',
};

const r = (n: number): string => REG[n & 31]!;
const hex = (n: number): string => (n < 0 ? '-0x' + (-n).toString(16) : '0x' + n.toString(16));
const sext = (v: number, bits: number): number => (v << (32 - bits)) >> (32 - bits);
const target = (pc: number, off: number): string => hex((pc + off) >>> 0);

/** Disassembles one instruction at `pc`; `word` holds its bits (only the low 16 for a compressed one). */
export function disassemble(word: number, pc: number): string {
  return (word & 3) === 3 ? disasm32(word >>> 0, pc) : disasm16(word & 0xffff, pc);
}

function disasm32(w: number, pc: number): string {
  const op = w & 0x7f, rd = (w >>> 7) & 31, f3 = (w >>> 12) & 7, rs1 = (w >>> 15) & 31, rs2 = (w >>> 20) & 31, f7 = w >>> 25;
  const immI = w >> 20;
  const immS = ((w >> 25) << 5) | ((w >>> 7) & 31);
  const immB = sext(((w >>> 31) << 12) | (((w >>> 7) & 1) << 11) | (((w >>> 25) & 0x3f) << 5) | (((w >>> 8) & 0xf) << 1), 13);
  const immJ = sext(((w >>> 31) << 20) | (((w >>> 12) & 0xff) << 12) | (((w >>> 20) & 1) << 11) | (((w >>> 21) & 0x3ff) << 1), 21);
  switch (op) {
    case 0x37: return `lui ${r(rd)}, ${hex(w >>> 12)}`;
    case 0x17: return `auipc ${r(rd)}, ${hex(w >>> 12)}`;
    case 0x6f: return rd === 0 ? `j ${target(pc, immJ)}` : `jal ${r(rd)}, ${target(pc, immJ)}`;
    case 0x67: return rd === 0 && rs1 === 1 && immI === 0 ? 'ret' : `jalr ${r(rd)}, ${immI}(${r(rs1)})`;
    case 0x63: {
      const m = ['beq', 'bne', '?', '?', 'blt', 'bge', 'bltu', 'bgeu'][f3];
      return `${m} ${r(rs1)}, ${r(rs2)}, ${target(pc, immB)}`;
    }
    case 0x03: return `${['lb', 'lh', 'lw', '?', 'lbu', 'lhu'][f3] ?? '?'} ${r(rd)}, ${immI}(${r(rs1)})`;
    case 0x23: return `${['sb', 'sh', 'sw'][f3] ?? '?'} ${r(rs2)}, ${immS}(${r(rs1)})`;
    case 0x13: {
      if (w === 0x13) return 'nop';
      if (f3 === 0 && rs1 === 0) return `li ${r(rd)}, ${immI}`;
      if (f3 === 0 && immI === 0) return `mv ${r(rd)}, ${r(rs1)}`;
      if (f3 === 1) return `slli ${r(rd)}, ${r(rs1)}, ${rs2}`;
      if (f3 === 5) return `${f7 & 0x20 ? 'srai' : 'srli'} ${r(rd)}, ${r(rs1)}, ${rs2}`;
      return `${['addi', '', 'slti', 'sltiu', 'xori', '', 'ori', 'andi'][f3]} ${r(rd)}, ${r(rs1)}, ${immI}`;
    }
    case 0x33: {
      const m = f7 === 1
        ? ['mul', 'mulh', 'mulhsu', 'mulhu', 'div', 'divu', 'rem', 'remu'][f3]
        : f7 === 0x20 ? (f3 === 0 ? 'sub' : f3 === 5 ? 'sra' : '?') : ['add', 'sll', 'slt', 'sltu', 'xor', 'srl', 'or', 'and'][f3];
      return `${m} ${r(rd)}, ${r(rs1)}, ${r(rs2)}`;
    }
    case 0x0f: return f3 === 1 ? 'fence.i' : 'fence';
    case 0x2f: {
      const f5 = w >>> 27;
      const names: Record<number, string> = { 2: 'lr.w', 3: 'sc.w', 1: 'amoswap.w', 0: 'amoadd.w', 4: 'amoxor.w', 12: 'amoand.w', 8: 'amoor.w', 16: 'amomin.w', 20: 'amomax.w', 24: 'amominu.w', 28: 'amomaxu.w' };
      const m = names[f5] ?? '?';
      return f5 === 2 ? `${m} ${r(rd)}, (${r(rs1)})` : `${m} ${r(rd)}, ${r(rs2)}, (${r(rs1)})`;
    }
    case 0x73: {
      if (f3 === 0) {
        const sys: Record<number, string> = { 0x00000073: 'ecall', 0x00100073: 'ebreak', 0x30200073: 'mret', 0x10200073: 'sret', 0x10500073: 'wfi' };
        if (sys[w]) return sys[w]!;
        if (f7 === 0x09) return `sfence.vma ${r(rs1)}, ${r(rs2)}`;
        return '?';
      }
      const csr = w >>> 20;
      const name = CSR[csr] ?? hex(csr);
      if (f3 === 2 && rs1 === 0) return `csrr ${r(rd)}, ${name}`;
      if (f3 === 1 && rd === 0) return `csrw ${name}, ${r(rs1)}`;
      const m = ['', 'csrrw', 'csrrs', 'csrrc', '', 'csrrwi', 'csrrsi', 'csrrci'][f3];
      return `${m} ${r(rd)}, ${name}, ${f3 >= 5 ? rs1 : r(rs1)}`;
    }
    default: return `.word ${hex(w)}`;
  }
}

function disasm16(h: number, pc: number): string {
  const op = h & 3, f3 = h >>> 13;
  const rd = (h >>> 7) & 31, rs2 = (h >>> 2) & 31;
  const rdp = 8 + ((h >>> 2) & 7), rs1p = 8 + ((h >>> 7) & 7);
  const imm6 = sext((((h >>> 12) & 1) << 5) | ((h >>> 2) & 31), 6);
  const lwOff = (((h >>> 10) & 7) << 3) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 6);
  const jOff = sext(
    (((h >>> 12) & 1) << 11) | (((h >>> 11) & 1) << 4) | (((h >>> 9) & 3) << 8) | (((h >>> 8) & 1) << 10) |
      (((h >>> 7) & 1) << 6) | (((h >>> 6) & 1) << 7) | (((h >>> 3) & 7) << 1) | (((h >>> 2) & 1) << 5),
    12,
  );
  const bOff = sext((((h >>> 12) & 1) << 8) | (((h >>> 10) & 3) << 3) | (((h >>> 5) & 3) << 6) | (((h >>> 3) & 3) << 1) | (((h >>> 2) & 1) << 5), 9);
  if (op === 0) {
    if (h === 0) return 'c.unimp';
    if (f3 === 0) {
      const nz = (((h >>> 11) & 3) << 4) | (((h >>> 7) & 15) << 6) | (((h >>> 6) & 1) << 2) | (((h >>> 5) & 1) << 3);
      return `c.addi4spn ${r(rdp)}, sp, ${nz}`;
    }
    if (f3 === 2) return `c.lw ${r(rdp)}, ${lwOff}(${r(rs1p)})`;
    if (f3 === 6) return `c.sw ${r(rdp)}, ${lwOff}(${r(rs1p)})`;
  } else if (op === 1) {
    switch (f3) {
      case 0: return rd === 0 ? 'c.nop' : `c.addi ${r(rd)}, ${imm6}`;
      case 1: return `c.jal ${target(pc, jOff)}`;
      case 2: return `c.li ${r(rd)}, ${imm6}`;
      case 3: {
        if (rd === 2) {
          const v = sext((((h >>> 12) & 1) << 9) | (((h >>> 6) & 1) << 4) | (((h >>> 5) & 1) << 6) | (((h >>> 3) & 3) << 7) | (((h >>> 2) & 1) << 5), 10);
          return `c.addi16sp sp, ${v}`;
        }
        return `c.lui ${r(rd)}, ${hex(imm6 & 0xfffff)}`;
      }
      case 4: {
        const sub = (h >>> 10) & 3;
        if (sub === 0) return `c.srli ${r(rs1p)}, ${imm6 & 31}`;
        if (sub === 1) return `c.srai ${r(rs1p)}, ${imm6 & 31}`;
        if (sub === 2) return `c.andi ${r(rs1p)}, ${imm6}`;
        return `${['c.sub', 'c.xor', 'c.or', 'c.and'][(h >>> 5) & 3]} ${r(rs1p)}, ${r(rdp)}`;
      }
      case 5: return `c.j ${target(pc, jOff)}`;
      case 6: return `c.beqz ${r(rs1p)}, ${target(pc, bOff)}`;
      case 7: return `c.bnez ${r(rs1p)}, ${target(pc, bOff)}`;
    }
  } else if (op === 2) {
    const bit12 = (h >>> 12) & 1;
    if (f3 === 0) return `c.slli ${r(rd)}, ${imm6 & 31}`;
    if (f3 === 2) return `c.lwsp ${r(rd)}, ${(bit12 << 5) | (((h >>> 4) & 7) << 2) | (((h >>> 2) & 3) << 6)}(sp)`;
    if (f3 === 6) return `c.swsp ${r(rs2)}, ${(((h >>> 9) & 15) << 2) | (((h >>> 7) & 3) << 6)}(sp)`;
    if (f3 === 4) {
      if (bit12 === 0) return rs2 === 0 ? (rd === 1 ? 'c.ret' : `c.jr ${r(rd)}`) : `c.mv ${r(rd)}, ${r(rs2)}`;
      if (rd === 0 && rs2 === 0) return 'c.ebreak';
      return rs2 === 0 ? `c.jalr ${r(rd)}` : `c.add ${r(rd)}, ${r(rs2)}`;
    }
  }
  return `.half ${hex(h)}`;
}
