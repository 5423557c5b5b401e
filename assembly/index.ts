// The core's exported ABI: see ABI.md. Every export names its guest by handle and switches it
// into the physical CPU first (guests.ts), so the rest of the core only ever sees "the guest".

import { RAM_BASE } from "./layout";
import {
  B_DETERMINISTIC, B_EXIT_CODE, B_LAST_RUN, B_RAM_HOST, B_RAM_SIZE, B_STATUS, B_TIME_BASE, B_TIME_SKIP,
  STATUS_RUNNABLE, createGuest, destroyGuest, gBlock, hostBytesAvailable, isGuest, switchTo,
  B_FAULT_CAUSE, B_FAULT_PC, B_HALT_REASON, blockOf, regionSize, saveCurrent, setMemoryLimit,
} from "./guests";
import { HART_SAVED, H_PC, H_PRIV, PRIV_M } from "./hart";
import { forgetContext } from "./tlbcontext";
import { hostTicks, instretNow, mtimeNow } from "./counters";
import { uartHostInClear, uartHostOutClear, uartHostOutLen, uartHostOutPtr, uartHostPush, uartReset } from "./devices/uart16550";
import { clintReset } from "./devices/clint";
import { irqUpdate, plicReset } from "./devices/plic";
import {
  vnetMailbox, vnetReset, vnetRxPush, vnetRxRoom, vnetSetMac, vnetStat, vnetTxClear, vnetTxLen, vnetTxPtr,
} from "./devices/virtio_net";
import { nextWake, runGuest } from "./run";
import { B_KERNEL_MODE, sbiReset } from "./sbi";
import { EXITS, EXIT_COUNT } from "./exits";
import { FAULT_INTERNAL, STATUS_FAULTED, gCurrent, CREATE_BAD_SIZE, B_FIRST_FAULT_CAUSE, B_FIRST_FAULT_VALID, B_LAST_TRAP_VALID } from "./guests";
import { BLOCK_SIZE } from "./layout";
import { flushTlb } from "./hart";
import { B_COW_COPIES, B_DIRTY_MAP, B_PAGE_MAP, materialize, shareAll, sharedPages } from "./ram";
import { clearStop } from "./stop";
import { setChunk } from "./counters";
import { clearExc } from "./mmu";
import { jitFlushAll, jitSelectGuest, B_JIT_OFF, B_JIT_INSNS } from "./jit";
export { jitSetEnabled, jitEnabled, jitConfigure, jitStat, jitChecked, jitCheckRam, jitSlotBase, jitFlushAll, jitDataPtr, jitDataBytes } from "./jit";
export {
  stateLayoutVersion, stateSectionCount, stateSectionTag, stateSectionOffset, stateSectionSize, guestMtime, guestRestored, guestIsDeterministic,
} from "./snapshot";
export { checkedViolation, checkedViolationHost, checkedViolationSize, coveragePtr, coverageReset } from "./checked";
import {
  H_MCOUNTEREN, H_MEDELEG, H_MIDELEG, MIP_SEIP, MIP_SSIP, MIP_STIP, PRIV_S,
  EXC_ECALL_M, EXC_ECALL_S,
} from "./hart";

export function guestCreate(ramBytes: u32): i32 {
  // Translated code is found by host address: a region handed out again must bring none along.
  jitFlushAll();
  const h = createGuest(ramBytes);
  if (h >= 0) guestReset(h);
  return h;
}

export function guestDestroy(h: i32): void {
  if (isGuest(h)) destroyGuest(h);
  jitFlushAll();
}

export function hostFreeBytes(): f64 {
  return hostBytesAvailable();
}

/** Caps the memory guests may take in this instance (e.g. what a browser tab can spare). */
export function hostSetMemoryLimit(bytes: f64): void {
  setMemoryLimit(bytes > 0 ? <u64>bytes : 0);
}

/** Power-on reset of the CPU and devices; RAM and the console buffers are kept. */
export function guestReset(h: i32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  // The host loads a new image after a reset, writing RAM directly.
  jitFlushAll();
  memory.fill(0, 0, HART_SAVED);
  store<u32>(H_PC, RAM_BASE);
  store<u32>(H_PRIV, PRIV_M);
  store<u32>(gBlock + B_STATUS, STATUS_RUNNABLE);
  store<u32>(gBlock + B_EXIT_CODE, 0);
  store<u32>(gBlock + B_LAST_TRAP_VALID, 0);
  store<u32>(gBlock + B_FIRST_FAULT_VALID, 0);
  store<f64>(gBlock + B_TIME_BASE, hostTicks());
  store<u64>(gBlock + B_TIME_SKIP, 0);
  store<u32>(gBlock + B_KERNEL_MODE, 0);
  uartReset();
  clintReset();
  sbiReset();
  plicReset();
  vnetReset();
  irqUpdate();
  forgetContext();
}

export function guestRamHost(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_RAM_HOST) : 0;
}

export function guestRamSize(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_RAM_SIZE) : 0;
}

function blockOrZero(h: i32): u32 {
  switchTo(h);
  return gBlock;
}

export function guestRun(h: i32, budget: u32): u32 {
  if (!isGuest(h)) return 2;
  switchTo(h);
  return runGuest(budget);
}

export function guestLastRunCount(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_LAST_RUN) : 0;
}

export function guestInstret(h: i32): f64 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return <f64>instretNow();
}

export function guestExitCode(h: i32): i32 {
  return isGuest(h) ? load<i32>(blockOrZero(h) + B_EXIT_CODE) : 0;
}

export function guestNextDeadline(h: i32): f64 {
  if (!isGuest(h)) return Infinity;
  switchTo(h);
  const due = nextWake();
  if (due == 0xffff_ffff_ffff_ffff) return Infinity;
  if (load<u32>(gBlock + B_DETERMINISTIC) != 0) return 0; // its clock jumps; no need to wait
  return load<f64>(gBlock + B_TIME_BASE) + <f64>due;
}

/** The guest's own JIT switch (on by default; the instance's switch still applies). */
export function guestSetJit(h: i32, on: u32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  store<u32>(gBlock + B_JIT_OFF, on != 0 ? 0 : 1);
  jitSelectGuest(gBlock);
}

export function guestJitOn(h: i32): u32 {
  return isGuest(h) && load<u32>(blockOrZero(h) + B_JIT_OFF) == 0 ? 1 : 0;
}

/** Guest instructions this guest has retired in translated code. */
export function guestJitInstructions(h: i32): f64 {
  return isGuest(h) ? load<f64>(blockOrZero(h) + B_JIT_INSNS) : 0;
}

export function guestSetDeterministic(h: i32, on: u32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  const now = mtimeNow();
  store<u32>(gBlock + B_DETERMINISTIC, on != 0 ? 1 : 0);
  // Keep the clock continuous across the switch.
  if (on != 0) store<u64>(gBlock + B_TIME_SKIP, now - instretNow());
  else store<f64>(gBlock + B_TIME_BASE, hostTicks() - <f64>now);
}

export function guestConsoleOutPtr(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return uartHostOutPtr();
}

export function guestConsoleOutLen(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return uartHostOutLen();
}

export function guestConsoleOutClear(h: i32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  uartHostOutClear();
}

/** Drops the console input the guest has not read yet. */
export function guestConsoleInClear(h: i32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  uartHostInClear();
}

export function guestConsoleInPush(h: i32, byte: u32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return uartHostPush(byte & 0xff) ? 1 : 0;
}

export function guestPc(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return load<u32>(H_PC);
}

export function guestPriv(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return load<u32>(H_PRIV);
}

export function guestReg(h: i32, n: u32): u32 {
  if (!isGuest(h) || n >= 32) return 0;
  switchTo(h);
  return n == 0 ? 0 : load<u32>(n << 2);
}

export function guestSetReg(h: i32, n: u32, v: u32): void {
  if (!isGuest(h) || n == 0 || n >= 32) return;
  switchTo(h);
  store<u32>(n << 2, v);
}

export function guestSetPc(h: i32, pc: u32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  store<u32>(H_PC, pc & ~1);
}


/**
 * Kernel boot, after guestReset and loading the image: the hypervisor acts as the M-mode
 * firmware (like OpenSBI fw_jump). The hart enters S-mode at entry with a0 = hart id and
 * a1 = the device tree; every exception but an ECALL to the firmware is delegated to S-mode,
 * and so are the supervisor interrupts.
 */
export function guestBootKernel(h: i32, entry: u32, dtb: u32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  store<u32>(gBlock + B_KERNEL_MODE, 1);
  store<u32>(H_MEDELEG, 0xffff & ~((1 << EXC_ECALL_S) | (1 << EXC_ECALL_M) | (1 << 10) | (1 << 14)));
  store<u32>(H_MIDELEG, MIP_SSIP | MIP_STIP | MIP_SEIP);
  store<u32>(H_MCOUNTEREN, 7); // cycle, time, instret readable from S and U
  store<u32>(H_PRIV, PRIV_S);
  store<u32>(H_PC, entry & ~1);
  store<u32>(10 << 2, 0);
  store<u32>(11 << 2, dtb);
  forgetContext();
}

/** Byte offset of the guest's VM-exit counters: EXIT_COUNT u64 values (see exits.ts). */
export function guestExitsPtr(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return gBlock + EXITS;
}

export function guestExitsCount(): u32 {
  return EXIT_COUNT;
}

/** After STOP_FAULTED: the exception cause and the PC where the guest got stuck. */
export function guestFaultCause(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_FAULT_CAUSE) : 0;
}

export function guestFaultPc(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_FAULT_PC) : 0;
}

/**
 * After STOP_FAULTED: the trap taken just before the guest got stuck (field 0 cause, 1 epc,
 * 2 tval), e.g. the jump to an unmapped address whose handler then faulted on itself.
 * guestFaultFirstValid says whether there was one.
 */
export function guestFaultFirst(h: i32, field: u32): u32 {
  if (!isGuest(h) || field > 2) return 0;
  return load<u32>(blockOrZero(h) + B_FIRST_FAULT_CAUSE + (field << 2));
}

export function guestFaultFirstValid(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_FIRST_FAULT_VALID) : 0;
}

/**
 * Byte offset of the guest's architectural state, brought up to date: registers x0..x31 at +0,
 * then PC, privilege and the CSRs (hart.ts offsets), HART_SAVED bytes in all, followed in the
 * control block by the device state (uart16550.ts, clint.ts, plic.ts, sbi.ts offsets).
 * For state hashes and debuggers; read-only for the host.
 */
export function guestStatePtr(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  saveCurrent();
  return gBlock;
}

/** The region of the instance's memory that belongs to guest h: [base, base + size). */
export function guestRegionBase(h: i32): u32 {
  return isGuest(h) ? blockOf(h) : 0;
}

export function guestRegionSize(h: i32): u32 {
  return isGuest(h) ? regionSize(h) : 0;
}

/** After STOP_HALTED: 0 when the guest powered off, 1 when its kernel reported a panic (pvpanic). */
export function guestHaltReason(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOrZero(h) + B_HALT_REASON) : 0;
}

/**
 * After a WebAssembly trap inside guestRun(h) (a bug of the core, never a guest's doing): the
 * guest that was running ends STATUS_FAULTED with cause FAULT_INTERNAL, and the core's own
 * state is made consistent again, so that the instance and every other guest go on.
 * Returns the handle of the guest that was running, or -1.
 */
export function hostContainTrap(): i32 {
  const h = gCurrent;
  clearStop();
  clearExc();
  setChunk(0);
  if (h >= 0 && isGuest(h)) {
    saveCurrent();
    store<u32>(gBlock + B_STATUS, STATUS_FAULTED);
    store<u32>(gBlock + B_FAULT_CAUSE, FAULT_INTERNAL);
    store<u32>(gBlock + B_FAULT_PC, load<u32>(H_PC));
  }
  forgetContext();
  return h;
}

// ---- copy-on-write forks and dirty pages (ram.ts) ----

/**
 * A new guest that is a copy of guest `parent` as it is now (CPU, devices, console buffers,
 * clock, exit counters) and shares all its RAM copy-on-write. Returns the child's handle, or a
 * guestCreate error (-2 no room for its region, -3 too many guests, -1 no such parent).
 */
export function guestFork(parent: i32): i32 {
  if (!isGuest(parent)) return CREATE_BAD_SIZE;
  switchTo(parent);
  saveCurrent();
  const child = createGuest(load<u32>(gBlock + B_RAM_SIZE));
  if (child < 0) return child;
  const pb = blockOf(parent);
  const cb = blockOf(child);
  // The control block is the guest's state, except the fields that say where its memory is.
  const ramHost = load<u32>(cb + B_RAM_HOST);
  const pageMap = load<u32>(cb + B_PAGE_MAP);
  const dirtyMap = load<u32>(cb + B_DIRTY_MAP);
  memory.copy(cb, pb, BLOCK_SIZE);
  store<u32>(cb + B_RAM_HOST, ramHost);
  store<u32>(cb + B_PAGE_MAP, pageMap);
  store<u32>(cb + B_DIRTY_MAP, dirtyMap);
  store<f64>(cb + B_COW_COPIES, 0);
  shareAll(parent, child);
  return child;
}

/** Makes every page of h private again: the host is about to read or write h's RAM directly. */
export function guestMaterialize(h: i32): void {
  if (isGuest(h)) materialize(h);
  jitFlushAll(); // the host may now write the guest's RAM directly
}

/** Host address of the page that backs h's RAM page p now (read-only for the host), or 0. */
export function guestPagePtr(h: i32, p: u32): u32 {
  if (!isGuest(h)) return 0;
  const block = blockOf(h);
  if (p >= (load<u32>(block + B_RAM_SIZE) >>> 12)) return 0;
  return load<u32>(load<u32>(block + B_PAGE_MAP) + (p << 2)) & ~0xfff;
}

/** Byte offset of h's dirty bitmap (bit p: RAM page p written since the last guestDirtyReset). */
export function guestDirtyPtr(h: i32): u32 {
  return isGuest(h) ? load<u32>(blockOf(h) + B_DIRTY_MAP) : 0;
}

/** Starts a new round of dirty tracking: no page dirty, and the next write to each is seen. */
export function guestDirtyReset(h: i32): void {
  if (!isGuest(h)) return;
  const block = blockOf(h);
  memory.fill(load<u32>(block + B_DIRTY_MAP), 0, ((load<u32>(block + B_RAM_SIZE) >>> 12) + 7) >>> 3);
  // Pages already in the write TLB would be written without a look at the map.
  if (gCurrent == h) flushTlb();
}

/** Pages copied into h because a page it shared with a fork was written (by either side). */
export function guestCowCopies(h: i32): f64 {
  return isGuest(h) ? load<f64>(blockOf(h) + B_COW_COPIES) : 0;
}

/** Pages of h that are currently shared with a fork. */
export function guestSharedPages(h: i32): u32 {
  return isGuest(h) ? sharedPages(h) : 0;
}

/** 1 when h's RAM page p (wherever it lives) is all zero: a snapshot leaves such pages out. */
export function guestPageIsZero(h: i32, p: u32): u32 {
  const page = guestPagePtr(h, p);
  if (page == 0) return 0;
  for (let a = page, end = page + 0x1000; a < end; a += 8) if (load<u64>(a) != 0) return 0;
  return 1;
}

// ---- virtio-net: the host's side of the guest's network card (devices/virtio_net.ts) ----

/** Sets the MAC address the card reports: bytes 0..3 in `lo` (byte 0 lowest), 4..5 in `hi`. */
export function guestNetSetMac(h: i32, lo: u32, hi: u32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  vnetSetMac(lo, hi);
}

/** Statistic i of the card (STAT_* in virtio_net.ts: status, interrupt status, frames, drops, errors). */
export function guestNetStat(h: i32, i: u32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return vnetStat(i);
}

/** Byte offset of the frames the guest sent: records [u32 length][frame, padded to 4]. */
export function guestNetTxPtr(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return vnetTxPtr();
}

/** Bytes of records waiting at guestNetTxPtr. */
export function guestNetTxLen(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return vnetTxLen();
}

/** The host took every record: the card may take more frames from the guest (and may interrupt it). */
export function guestNetTxClear(h: i32): void {
  if (!isGuest(h)) return;
  switchTo(h);
  vnetTxClear();
}

/** Byte offset of the mailbox where the host writes one frame (up to 1518 bytes) before guestNetRxPush. */
export function guestNetRxMailbox(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return vnetMailbox();
}

/** Bytes left in the card's receive queue (a frame of n bytes takes n + 16, rounded up to 4). */
export function guestNetRxRoom(h: i32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return vnetRxRoom();
}

/** Queues the mailbox's frame of `len` bytes for the guest: 1, or 0 when it was dropped (counted). */
export function guestNetRxPush(h: i32, len: u32): u32 {
  if (!isGuest(h)) return 0;
  switchTo(h);
  return vnetRxPush(len);
}
