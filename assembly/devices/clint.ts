// Core-Local Interruptor at 0x0200_0000: msip (+0x0), mtimecmp (+0x4000), mtime (+0xBFF8),
// with a 10 MHz timebase. mtime comes from the host clock, or from retired instructions in
// deterministic mode (counters.ts).

import { gBlock } from "../guests";
import { H_MIP_HW, MIP_MSIP, MIP_MTIP } from "../hart";
import { mtimeNow, setMtime } from "../counters";

export const CLINT_BASE: u32 = 0x0200_0000;
export const CLINT_SIZE: u32 = 0x1_0000;

const C_MSIP: u32 = 0x480;
const C_MTIMECMP: u32 = 0x488; // u64
/** QEMU raises MTIP only once mtimecmp has been written; until then its reset value of 0 is inert. */
const C_ARMED: u32 = 0x490;

export function clintReset(): void {
  store<u32>(gBlock + C_MSIP, 0);
  store<u64>(gBlock + C_MTIMECMP, 0);
  store<u32>(gBlock + C_ARMED, 0);
}

export function timerArmed(): bool {
  return load<u32>(gBlock + C_ARMED) != 0;
}

export function mtimecmp(): u64 {
  return load<u64>(gBlock + C_MTIMECMP);
}

/** Updates MTIP from the clock; called at chunk boundaries and after CLINT writes. */
export function clintUpdate(): void {
  let hw = load<u32>(H_MIP_HW) & ~(MIP_MTIP | MIP_MSIP);
  if (load<u32>(gBlock + C_MSIP) & 1) hw |= MIP_MSIP;
  if (timerArmed() && mtimeNow() >= mtimecmp()) hw |= MIP_MTIP;
  store<u32>(H_MIP_HW, hw);
}

export function clintRead(off: u32): u32 {
  if (off == 0) return load<u32>(gBlock + C_MSIP);
  if (off == 0x4000) return <u32>mtimecmp();
  if (off == 0x4004) return <u32>(mtimecmp() >> 32);
  if (off == 0xbff8) return <u32>mtimeNow();
  if (off == 0xbffc) return <u32>(mtimeNow() >> 32);
  return 0;
}

export function clintWrite(off: u32, v: u32): void {
  if (off == 0) {
    store<u32>(gBlock + C_MSIP, v & 1);
  } else if (off == 0x4000) {
    store<u64>(gBlock + C_MTIMECMP, (mtimecmp() & 0xffff_ffff_0000_0000) | <u64>v);
    store<u32>(gBlock + C_ARMED, 1);
  } else if (off == 0x4004) {
    store<u64>(gBlock + C_MTIMECMP, (mtimecmp() & 0xffff_ffff) | (<u64>v << 32));
    store<u32>(gBlock + C_ARMED, 1);
  } else if (off == 0xbff8) {
    setMtime((mtimeNow() & 0xffff_ffff_0000_0000) | <u64>v);
  } else if (off == 0xbffc) {
    setMtime((mtimeNow() & 0xffff_ffff) | (<u64>v << 32));
  }
  clintUpdate();
}
