/**
 * Reads the instruction at a guest's PC for the single-step view. The PC is a physical address
 * in M-mode and in S/U-mode with paging off; with Sv32 on it is virtual, and the page shows the
 * PC alone rather than guess at a translation.
 */
import { RAM_BASE, type Guest } from '../../index.js';
import type { InstructionView } from './api.js';
import { disassemble } from './disasm.js';

/**
 * Offset of satp in the guest's architectural state block (assembly/hart.ts H_SATP).
 * TODO(core): export it from src/core/abi.ts next to HART_STATE_BYTES.
 */
const STATE_SATP_OFFSET = 0x0d0;

function pagingOn(guest: Guest): boolean {
  if (guest.priv === 3) return false; // M-mode fetches are never translated
  const core = guest.hypervisor.core;
  const ptr = core.guestStatePtr(guest.handle) >>> 0;
  const satp = new Uint32Array(core.memory.buffer, ptr + STATE_SATP_OFFSET, 1)[0]!;
  return satp >>> 31 === 1;
}

export function instructionAt(guest: Guest): InstructionView {
  const pc = guest.pc;
  if (pagingOn(guest)) return { pc };
  const ram = guest.ram();
  const off = (pc - RAM_BASE) >>> 0;
  if (off + 2 > ram.length) return { pc };
  const lo = ram[off]! | (ram[off + 1]! << 8);
  if ((lo & 3) !== 3) return { pc, word: lo, length: 2, text: disassemble(lo, pc) };
  if (off + 4 > ram.length) return { pc };
  const word = (lo | (ram[off + 2]! << 16) | (ram[off + 3]! << 24)) >>> 0;
  return { pc, word, length: 4, text: disassemble(word, pc) };
}
