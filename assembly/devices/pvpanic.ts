// pvpanic (QEMU's "qemu,pvpanic-mmio"): a paravirtual device through which a guest kernel tells
// the hypervisor that it panicked. Reading the register gives the events supported; a write of
// PANICKED halts the guest with "kernel panic" as the reason, instead of leaving it spinning in
// its panic loop. Linux drives it with CONFIG_PVPANIC_MMIO; the device tree lists it.

import { gBlock, B_STATUS, B_EXIT_CODE, B_HALT_REASON, STATUS_HALTED, HALT_PANIC } from "../guests";
import { requestStop, STOP_HALTED } from "../stop";

export const PVPANIC_BASE: u32 = 0x0010_2000;
export const PVPANIC_SIZE: u32 = 0x1000;

const PANICKED: u32 = 1;
const CRASH_LOADED: u32 = 2;

export function pvpanicRead(off: u32): u32 {
  return off == 0 ? PANICKED | CRASH_LOADED : 0;
}

export function pvpanicWrite(off: u32, v: u32): void {
  if (off != 0 || (v & PANICKED) == 0) return; // CRASH_LOADED: a crash kernel takes over; nothing to do
  store<u32>(gBlock + B_EXIT_CODE, 1);
  store<u32>(gBlock + B_HALT_REASON, HALT_PANIC);
  store<u32>(gBlock + B_STATUS, STATUS_HALTED);
  requestStop(STOP_HALTED);
}
