// Guests: their regions of memory, their control blocks, and the world switch.
//
// A guest's region = control block (BLOCK_SIZE bytes: saved hart, device state, console
// buffers) followed by its RAM. The region is the only memory the guest can ever reach:
// see mmu.ts for the argument.

import { BLOCK_SIZE, GUEST_TABLE, HART_AREA, HART_AREA_SIZE, MAX_RAM, MIN_RAM, REGIONS_START, WASM_PAGE } from "./layout";
import { HART_SAVED, TLB_BYTES, TLB_READ, flushTlb } from "./hart";
import { forgetContext } from "./tlbcontext";
import { initRam, ramMetaBytes, releaseShared, switchRam } from "./ram";
import { jitSelectGuest } from "./jit";

export const MAX_GUESTS: i32 = 64;

// Guest table entry (16 bytes): region base, region size, RAM size, in use.
const E_BASE: u32 = 0;
const E_SIZE: u32 = 4;
const E_RAM: u32 = 8;
const E_USED: u32 = 12;
// Free holes left by destroyed guests, after the guest entries: (base, size) pairs.
const HOLES: u32 = GUEST_TABLE + <u32>MAX_GUESTS * 16;
const MAX_HOLES: u32 = 128;

// Control block fields (offsets from the block base) that are not device state.
export const B_RAM_HOST: u32 = 0x200;
export const B_RAM_SIZE: u32 = 0x204;
export const B_STATUS: u32 = 0x208; // STATUS_* below
export const B_EXIT_CODE: u32 = 0x20c;
export const B_DETERMINISTIC: u32 = 0x210;
export const B_LAST_RUN: u32 = 0x214;
export const B_TIME_BASE: u32 = 0x218; // f64: host tick at which mtime was 0 (real time)
export const B_TIME_SKIP: u32 = 0x220; // u64: mtime - instret (deterministic time)

export const B_FAULT_CAUSE: u32 = 0x228;
export const B_FAULT_PC: u32 = 0x22c;
/** Why a halted guest halted: HALT_POWEROFF (test device, SBI shutdown) or HALT_PANIC (pvpanic). */
export const B_HALT_REASON: u32 = 0x230;
/**
 * A model, off by default (0): mtime ticks charged to the guest's clock per VM exit (exits.ts
 * countExit -> counters.ts chargeExit), as on hardware where an exit costs a microsecond or more.
 * Set by the host (src/web/worker/inspect.ts); outside the snapshot, like the scheduler weight.
 */
export const B_EXIT_COST: u32 = 0x234;
/**
 * The trap before the last one (cause, epc, tval) and whether there was one: when a guest gets
 * stuck in a trap loop (its handler faults on itself), the trap that sent it there is what a
 * user needs, e.g. the unmapped address it jumped to. Diagnostic only: not in a snapshot.
 */
export const B_LAST_TRAP_CAUSE: u32 = 0x250;
export const B_LAST_TRAP_EPC: u32 = 0x254;
export const B_LAST_TRAP_TVAL: u32 = 0x258;
export const B_LAST_TRAP_VALID: u32 = 0x25c;
export const B_FIRST_FAULT_CAUSE: u32 = 0x260;
export const B_FIRST_FAULT_EPC: u32 = 0x264;
export const B_FIRST_FAULT_TVAL: u32 = 0x268;
export const B_FIRST_FAULT_VALID: u32 = 0x26c;
export const HALT_POWEROFF: u32 = 0;
export const HALT_PANIC: u32 = 1;

export const STATUS_RUNNABLE: u32 = 0;
export const STATUS_HALTED: u32 = 1;
export const STATUS_RESET_REQUESTED: u32 = 2;
/** Stuck for good: its trap handler faults on its own first instruction (see trap.ts), or the core trapped while running it. */
export const STATUS_FAULTED: u32 = 3;
/** B_FAULT_CAUSE of a guest during whose run the core itself trapped (a core bug, contained). */
export const FAULT_INTERNAL: u32 = 0xffff_ffff;

/** Handle of the guest whose state is in the physical CPU, or -1. */
export let gCurrent: i32 = -1;
/** Its control block, RAM window and RAM size: what every access of the hot path needs. */
export let gBlock: u32 = 0;
export let gRamHost: u32 = 0;
export let gRamSize: u32 = 0;

let regionsTop: u32 = REGIONS_START;
/** Regions never reach past this: the host's ceiling on the instance's memory. */
let memoryLimit: u64 = 0xffff_0000;

export function setMemoryLimit(bytes: u64): void {
  memoryLimit = bytes < 0xffff_0000 ? bytes : 0xffff_0000;
}

@inline function entry(h: i32): u32 {
  return GUEST_TABLE + (<u32>h << 4);
}

export function isGuest(h: i32): bool {
  return h >= 0 && h < MAX_GUESTS && load<u32>(entry(h) + E_USED) == 1;
}

export function blockOf(h: i32): u32 {
  return load<u32>(entry(h) + E_BASE);
}

export function regionSize(h: i32): u32 {
  return load<u32>(entry(h) + E_SIZE);
}

/** Makes h the guest in the physical CPU: save the previous one's hart, load h's. */
export function switchTo(h: i32): void {
  if (gCurrent == h) return;
  if (gCurrent >= 0) memory.copy(gBlock, HART_AREA, HART_SAVED);
  gCurrent = h;
  gBlock = blockOf(h);
  gRamHost = load<u32>(gBlock + B_RAM_HOST);
  gRamSize = load<u32>(gBlock + B_RAM_SIZE);
  switchRam();
  memory.copy(HART_AREA, gBlock, HART_SAVED);
  // The rest of the physical CPU holds no guest state, but it is the one memory all guests
  // pass through: clear it on every switch so that nothing left there by one guest (or by a
  // core bug) can reach the next. The TLBs are emptied by forgetContext.
  memory.fill(HART_AREA + HART_SAVED, 0, TLB_READ - HART_SAVED);
  memory.fill(TLB_READ + TLB_BYTES, 0, HART_AREA_SIZE - TLB_READ - TLB_BYTES);
  forgetContext();
  jitSelectGuest(gBlock);
}

/** Writes the physical CPU back into the current guest's block (it stays switched in). */
export function saveCurrent(): void {
  if (gCurrent >= 0) memory.copy(gBlock, HART_AREA, HART_SAVED);
}

function ensureMemory(end: u64): bool {
  const have = <u64>memory.size() * WASM_PAGE;
  if (end <= have) return true;
  const pages = <i32>((end - have + WASM_PAGE - 1) / WASM_PAGE);
  return memory.grow(pages) >= 0;
}

function takeHole(size: u32): u32 {
  for (let i: u32 = 0; i < MAX_HOLES; i++) {
    const p = HOLES + (i << 3);
    const hs = load<u32>(p + 4);
    if (hs >= size) {
      const base = load<u32>(p);
      if (hs == size) {
        store<u32>(p, 0);
        store<u32>(p + 4, 0);
      } else {
        store<u32>(p, base + size);
        store<u32>(p + 4, hs - size);
      }
      return base;
    }
  }
  return 0;
}

function giveHole(base: u32, size: u32): void {
  // Merge with neighbours so that freed space can host a bigger guest later.
  let changed = true;
  while (changed) {
    changed = false;
    for (let i: u32 = 0; i < MAX_HOLES; i++) {
      const p = HOLES + (i << 3);
      const hb = load<u32>(p);
      const hs = load<u32>(p + 4);
      if (hs == 0) continue;
      if (hb + hs == base || base + size == hb) {
        if (hb < base) base = hb;
        size += hs;
        store<u32>(p, 0);
        store<u32>(p + 4, 0);
        changed = true;
      }
    }
  }
  if (base + size == regionsTop) {
    regionsTop = base;
    return;
  }
  for (let i: u32 = 0; i < MAX_HOLES; i++) {
    const p = HOLES + (i << 3);
    if (load<u32>(p + 4) == 0) {
      store<u32>(p, base);
      store<u32>(p + 4, size);
      return;
    }
  }
  // No slot left for the hole: the space is lost until the instance is recreated, but it is
  // already zeroed and belongs to nobody, so isolation is unaffected.
}

export const CREATE_BAD_SIZE: i32 = -1;
export const CREATE_NO_MEMORY: i32 = -2;
export const CREATE_TOO_MANY: i32 = -3;

export function createGuest(ramBytes: u32): i32 {
  if (ramBytes < MIN_RAM || ramBytes > MAX_RAM || (ramBytes & 0xfff) != 0) return CREATE_BAD_SIZE;
  let h: i32 = -1;
  for (let i: i32 = 0; i < MAX_GUESTS; i++) {
    if (load<u32>(entry(i) + E_USED) == 0) {
      h = i;
      break;
    }
  }
  if (h < 0) return CREATE_TOO_MANY;
  // The region: control block, RAM, then RAM's page map and dirty bitmap (ram.ts).
  const size = (BLOCK_SIZE + ramBytes + ramMetaBytes(ramBytes) + WASM_PAGE - 1) & ~(WASM_PAGE - 1);
  let base = takeHole(size);
  if (base == 0) {
    const end = <u64>regionsTop + size;
    if (end > memoryLimit || !ensureMemory(end)) return CREATE_NO_MEMORY;
    base = regionsTop;
    regionsTop += size;
  }
  const e = entry(h);
  store<u32>(e + E_BASE, base);
  store<u32>(e + E_SIZE, size);
  store<u32>(e + E_RAM, ramBytes);
  store<u32>(e + E_USED, 1);
  // Regions are zero when handed out (fresh memory, or zeroed on destroy).
  store<u32>(base + B_RAM_HOST, base + BLOCK_SIZE);
  store<u32>(base + B_RAM_SIZE, ramBytes);
  initRam(base, base + BLOCK_SIZE, ramBytes);
  return h;
}

export function destroyGuest(h: i32): void {
  // Forks that still read its pages get their own copies first.
  releaseShared(h);
  if (gCurrent == h) {
    // Nothing of it may stay in the physical CPU either.
    gCurrent = -1;
    memory.fill(HART_AREA, 0, HART_AREA_SIZE);
    flushTlb();
  }
  const e = entry(h);
  const base = load<u32>(e + E_BASE);
  const size = load<u32>(e + E_SIZE);
  memory.fill(base, 0, size);
  store<u32>(e + E_USED, 0);
  giveHole(base, size);
}

/** Bytes a new guest could still get: the largest hole, or what the memory can still grow by. */
export function hostBytesAvailable(): f64 {
  let best: f64 = <f64>memoryLimit - <f64>regionsTop;
  for (let i: u32 = 0; i < MAX_HOLES; i++) {
    const hs = <f64>load<u32>(HOLES + (i << 3) + 4);
    if (hs > best) best = hs;
  }
  return best > <f64>BLOCK_SIZE ? best - <f64>BLOCK_SIZE : 0;
}
