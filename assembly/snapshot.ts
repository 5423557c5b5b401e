// A guest's state as a value (see docs/snapshots.md): which bytes of its control block are the
// guest's state, by section, and the fix-ups a restore needs. Everything else a snapshot holds
// is RAM, which the host copies directly.
//
// The section table is the single description of the layout: the host reads it through the
// exports below, so a snapshot names each part (hart, UART, CLINT, ...) without the host
// knowing the offsets. Fields that only make sense in one instance (where the RAM window is,
// the host clock at which mtime was 0) are not in any section; guestRestored recomputes them.

import { jitFlushAll } from "./jit";
import { HART_AREA, HART_AREA_SIZE } from "./layout";
import { HART_SAVED, TLB_BYTES, TLB_READ } from "./hart";
import { B_STATUS, B_TIME_BASE, B_DETERMINISTIC, gBlock, isGuest, switchTo, saveCurrent } from "./guests";
import { EXITS, EXIT_COUNT } from "./exits";
import { hostTicks, mtimeNow } from "./counters";
import { forgetContext } from "./tlbcontext";
import { IN_CAP, IN_RING, OUT_BUF, OUT_CAP } from "./devices/uart16550";
import { MAILBOX, MAILBOX_CAP, RX_BUF, TX_BUF, TX_CAP, VNET_STATE, VNET_STATE_SIZE } from "./devices/virtio_net";

/** Bumped whenever a section's layout changes; a snapshot records the one it was taken with. */
const STATE_LAYOUT_VERSION: u32 = 2; // 2: the virtio-net sections

@inline function tag(s: string): u32 {
  // Four ASCII characters, first in the low byte: the host decodes them as a string.
  return <u32>s.charCodeAt(0) | (<u32>s.charCodeAt(1) << 8) | (<u32>s.charCodeAt(2) << 16) | (<u32>s.charCodeAt(3) << 24);
}

// (tag, offset in the control block, size). Keep in step with the devices' offsets.
const SECTION_COUNT: u32 = 12;

function sectionTag(i: u32): u32 {
  switch (i) {
    case 0: return tag("hart"); // x0..x31, PC, privilege, CSRs, LR/SC reservation, WFI (hart.ts)
    case 1: return tag("mach"); // status, exit code, deterministic flag, deterministic clock, fault, halt reason (guests.ts)
    case 2: return tag("uart"); // 16550 registers, FIFO indices, output length (uart16550.ts)
    case 3: return tag("clnt"); // msip, mtimecmp, armed (clint.ts)
    case 4: return tag("plic"); // priorities, claimed, enables, thresholds (plic.ts)
    case 5: return tag("sbi "); // kernel mode, SBI timer (sbi.ts)
    case 6: return tag("exit"); // VM-exit counters (exits.ts)
    case 7: return tag("uin "); // the UART's receive ring: pending input
    case 8: return tag("uout"); // the console output not yet taken by the host
    case 9: return tag("vnet"); // virtio-net: registers, queues, MAC, statistics, host queue indices (virtio_net.ts)
    case 10: return tag("vntx"); // virtio-net: frames sent, not yet taken by the host
    default: return tag("vnrx"); // virtio-net: frames for the guest not yet in its buffers (and the mailbox)
  }
}

function sectionOffset(i: u32): u32 {
  switch (i) {
    case 0: return 0;
    case 1: return B_STATUS;
    case 2: return 0x400;
    case 3: return 0x480;
    case 4: return 0x500;
    case 5: return 0x600;
    case 6: return EXITS;
    case 7: return IN_RING;
    case 8: return OUT_BUF;
    case 9: return VNET_STATE;
    case 10: return TX_BUF;
    default: return RX_BUF;
  }
}

function sectionSize(i: u32): u32 {
  switch (i) {
    case 0: return HART_SAVED;
    case 1: return 0x234 - B_STATUS;
    case 2: return 0x20;
    case 3: return 0x18;
    case 4: return 0x100;
    case 5: return 0x18;
    case 6: return EXIT_COUNT << 3;
    case 7: return IN_CAP;
    case 8: return OUT_CAP;
    case 9: return VNET_STATE_SIZE;
    case 10: return TX_CAP;
    default: return MAILBOX + MAILBOX_CAP - RX_BUF;
  }
}

export function stateLayoutVersion(): u32 {
  return STATE_LAYOUT_VERSION;
}

export function stateSectionCount(): u32 {
  return SECTION_COUNT;
}

export function stateSectionTag(i: u32): u32 {
  return i < SECTION_COUNT ? sectionTag(i) : 0;
}

export function stateSectionOffset(i: u32): u32 {
  return i < SECTION_COUNT ? sectionOffset(i) : 0;
}

export function stateSectionSize(i: u32): u32 {
  return i < SECTION_COUNT ? sectionSize(i) : 0;
}

/** The guest's mtime now (f64: exact below 2^53 ticks, 28 years at 10 MHz). Brings its block up to date. */
export function guestMtime(h: i32): f64 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  saveCurrent();
  return <f64>mtimeNow();
}

/** 1 when the guest's clock runs on retired instructions (deterministic time). */
export function guestIsDeterministic(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return load<u32>(gBlock + B_DETERMINISTIC);
}

/**
 * After the host has written a snapshot's sections into h's control block and its RAM: load the
 * new hart state into the physical CPU if h is the guest in it, drop every cached translation,
 * and set the clock so that mtime reads `mtime` now (real time: a new time base in this
 * instance's host clock; deterministic time travels inside the "mach" section).
 */
export function guestRestored(h: i32, mtime: f64): void {
  if (!isGuest(h)) return;
  switchTo(h);
  jitFlushAll(); // the host wrote RAM directly
  memory.copy(HART_AREA, gBlock, HART_SAVED);
  memory.fill(HART_AREA + HART_SAVED, 0, TLB_READ - HART_SAVED);
  memory.fill(TLB_READ + TLB_BYTES, 0, HART_AREA_SIZE - TLB_READ - TLB_BYTES);
  if (load<u32>(gBlock + B_DETERMINISTIC) == 0) store<f64>(gBlock + B_TIME_BASE, hostTicks() - mtime);
  forgetContext();
}
