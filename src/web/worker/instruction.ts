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

/** The WFI instruction's encoding. */
export const WFI = 0x1050_0073;

/** The instruction at the guest's PC (or at PC + `delta`). */
export function instructionAt(guest: Guest, delta = 0): InstructionView {
  const pc = (guest.pc + delta) >>> 0;
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

/**
 * Offset of the UART's receive-queue count in the guest's control block
 * (assembly/devices/uart16550.ts U_IN_COUNT). The core keeps its console queues across a reset
 * ("the host's side of the wire"), and has no call to empty the input one.
 * TODO(core): an export that clears a guest's console input; until then this, checked below.
 */
const UART_IN_COUNT_OFFSET = 0x410;
/** The queue's capacity (uart16550.ts IN_CAP). */
const UART_IN_CAP = 0x1000;

let offsetChecked: boolean | undefined;

/**
 * Checks once, on a scratch guest, that the word at UART_IN_COUNT_OFFSET counts queued input
 * bytes: if the core's layout has moved, nothing is written into its memory.
 */
function offsetHolds(guest: Guest): boolean {
  if (offsetChecked !== undefined) return offsetChecked;
  const hv = guest.hypervisor;
  let scratch: Guest | undefined;
  try {
    scratch = hv.createGuest({ ramBytes: 1 << 20 });
    const count = () => new Uint32Array(hv.core.memory.buffer, (hv.core.guestStatePtr(scratch!.handle) >>> 0) + UART_IN_COUNT_OFFSET, 1)[0];
    const c0 = count();
    scratch.writeConsole(new Uint8Array([1, 2, 3]));
    offsetChecked = c0 === 0 && count() === 3;
  } catch {
    offsetChecked = false;
  } finally {
    scratch?.destroy();
  }
  if (!offsetChecked) console.warn('minivisor: cannot find the UART input queue in the core; reset keeps typed-ahead input');
  return offsetChecked;
}

/** Empties the guest's UART receive queue (the bytes typed but not yet read by the guest). */
export function clearUartInput(guest: Guest): void {
  if (!offsetHolds(guest)) return;
  const core = guest.hypervisor.core;
  const words = new Uint32Array(core.memory.buffer, (core.guestStatePtr(guest.handle) >>> 0) + UART_IN_COUNT_OFFSET, 1);
  if (words[0]! <= UART_IN_CAP) words[0] = 0;
}
