// SiFive test device at 0x0010_0000: how a guest powers off or resets the board.
// 0x5555 = pass (exit 0), (code << 16) | 0x3333 = fail with code, 0x7777 = reset; other
// values are ignored, as on QEMU.

import { gBlock, B_EXIT_CODE, B_HALT_REASON, B_STATUS, HALT_POWEROFF, STATUS_HALTED, STATUS_RESET_REQUESTED } from "../guests";
import { requestStop, STOP_HALTED, STOP_RESET } from "../stop";

export const TEST_BASE: u32 = 0x0010_0000;
export const TEST_SIZE: u32 = 0x1000;

export function powerOff(code: u32): void {
  store<u32>(gBlock + B_EXIT_CODE, code);
  store<u32>(gBlock + B_HALT_REASON, HALT_POWEROFF);
  store<u32>(gBlock + B_STATUS, STATUS_HALTED);
  requestStop(STOP_HALTED);
}

export function requestReset(): void {
  store<u32>(gBlock + B_STATUS, STATUS_RESET_REQUESTED);
  requestStop(STOP_RESET);
}

export function testWrite(off: u32, v: u32): void {
  if (isDefined(TRAP_ON_PURPOSE) && off == 0 && v == 0xdead_beef) {
    // Only in build/minivisor-trap.wasm, which tests that a trap inside the core stays with the
    // guest that was running: an access far beyond the instance's memory, as a core bug would make.
    load<u32>(0xffff_fff0);
  }
  if (off != 0) return;
  const status = v & 0xffff;
  if (status == 0x5555) powerOff(0);
  else if (status == 0x3333) powerOff(v >> 16);
  else if (status == 0x7777) requestReset();
}
