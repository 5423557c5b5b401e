/**
 * Reads the instruction at a guest's PC for the single-step view. The PC is a physical address
 * in M-mode and in S/U-mode with paging off; with Sv32 on it is virtual, and the page shows the
 * PC alone rather than guess at a translation.
 */
import type { Guest } from '../../index.js';
import type { InstructionView } from './api.js';
import { disassemble } from './disasm.js';

function pagingOn(guest: Guest): boolean {
  if (guest.priv === 3) return false; // M-mode fetches are never translated
  return guest.csrs().satp >>> 31 === 1;
}

/** The WFI instruction's encoding. */
export const WFI = 0x1050_0073;

/** The instruction at the guest's PC (or at PC + `delta`). */
export function instructionAt(guest: Guest, delta = 0): InstructionView {
  const pc = (guest.pc + delta) >>> 0;
  if (pagingOn(guest)) return { pc };
  // readPhysical, not ram(): it leaves pages shared with a fork shared.
  const half = guest.readPhysical(pc, 2);
  if (!half) return { pc };
  const lo = half[0]! | (half[1]! << 8);
  if ((lo & 3) !== 3) return { pc, word: lo, length: 2, text: disassemble(lo, pc) };
  const full = guest.readPhysical(pc, 4);
  if (!full) return { pc };
  const word = (full[0]! | (full[1]! << 8) | (full[2]! << 16) | (full[3]! << 24)) >>> 0;
  return { pc, word, length: 4, text: disassemble(word, pc) };
}

/** Empties the guest's UART receive queue (the bytes typed but not yet read by the guest). */
export function clearUartInput(guest: Guest): void {
  guest.clearConsoleInput();
}
