// Translated blocks (issue 16): the core's half of the JIT. The host (src/jit/) turns a hot
// block of guest code into a WebAssembly function and puts it in this instance's function
// table; the hot loop enters it here, through call_indirect, without leaving WebAssembly.
//
// What keeps translated code exactly like the interpreter:
// - A block is straight-line code inside one guest page, ending at a branch or jump, made only
//   of instructions that cannot trap except through a load or store. Its loads and stores use
//   the same TLB fast path as the interpreter (same tags, same addends; checkRam in the checked
//   core); on a miss the block writes back its registers, leaves the PC on that instruction and
//   returns how many it retired, and the interpreter runs the instruction through its slow path.
//   So every trap, MMIO access, copy-on-write and stop request happens in the interpreter.
// - A block runs only when the chunk has room for all of it (translated code checks before each
//   block), so the budget, timer deadlines (deterministic time) and interrupts fall on the
//   same instructions.
// - Blocks are found by the host address of their first instruction (through the exec TLB,
//   which the current privilege and satp filled) and their guest PC. The same bytes at the same
//   PC mean the same code, whatever guest or address space reaches them, so SFENCE.VMA and satp
//   need no invalidation; a write to a host page holding translated code does:
// - Every write to guest RAM outside the write-TLB fast path goes through pageForWrite (ram.ts)
//   or a copy-on-write copy, which call jitNoteWrite; a page that gets code loses its write-TLB
//   entries, and a write-TLB entry is filled only after pageForWrite, so a store to a code page
//   always reaches jitNoteWrite first. Host-side writes (loading, restoring) flush everything.

import { H_PC, TLB_WRITE, TLB_EXEC, TLB_ENTRIES, invalidateTlbEntry, TLB_INVALID } from "./hart";
import { checkRam } from "./checked";

/**
 * Direct-mapped table of translated regions, by entry: ENTRIES x (host address, guest pc,
 * table index, execution count). A region is the blocks reachable from its entry by direct
 * jumps inside the entry's page; its function `(avail) => retired` runs blocks while the
 * budget has room for the next one, and returns the count with bit 31 set when the
 * interpreter must take the next instruction.
 */
const ENTRIES: u32 = 4096;
/**
 * The JIT's static data, one span (jitDataPtr/jitDataBytes): the table, then one bit per host
 * page (4 GiB / 4 KiB) that holds the first instruction of a translated block. It is the only
 * memory outside the guests' regions that running guests change (besides the checked core's
 * coverage counters), so the isolation tests leave exactly this span out.
 */
const DATA_BYTES: u32 = ENTRIES * 16 + 0x2_0000;
const TABLE: usize = memory.data(<i32>DATA_BYTES, 16);
const CODE_PAGES: usize = TABLE + <usize>ENTRIES * 16;

const EMPTY: u32 = 0xffff_ffff;
/** jitCompile's answer when its memory limit leaves no room for the block: flush, then ask again. */
const CACHE_FULL: i32 = -2;
/** fn field of a block the host declined (unsupported first instruction): never counted again. */
const DECLINED: u32 = 0xffff_ffff;

/** Blocks live in the function table from this index up; at most CAPACITY at once. */
export const SLOT_BASE: u32 = 16;
let capacity: u32 = 8192;
let nextSlot: u32 = 0;

/** Whether the hot loop looks for translated code: the instance's switch and the current guest's. */
export let gJitOn: bool = true;
/** The instance's switch (jitSetEnabled; off for good when runtime compilation is unavailable). */
let instanceOn: bool = true;
/** The current guest's control block (0: none), for its own switch and counter. */
let guestBlock: u32 = 0;
/** Control block fields (assembly/guests.ts): the guest's own switch (0 = on), and its count of translated instructions. */
export const B_JIT_OFF: u32 = 0x238;
export const B_JIT_INSNS: u32 = 0x270;
/**
 * Entries into a region before it is translated. High on purpose: a region costs about a
 * millisecond to build and compile, and V8 runs new code in its baseline tier (about interpreter
 * speed) until it tiers it up, so only code that keeps running repays it. Linux's boot is mostly
 * lukewarm code, which at 500 took twice as long as interpreted; loops such as bench.elf's run
 * translated within milliseconds at any threshold.
 */
let threshold: u32 = 30_000;
let initialised = false;

// Counters (for --stats and the library): f64 so that they never wrap.
let statTranslations: f64 = 0;
let statInvalidations: f64 = 0;
let statFlushes: f64 = 0;
let statInstructions: f64 = 0;
let statEntries: f64 = 0;
let statDeclined: f64 = 0;

/**
 * The host's compiler: translates the block at host address `host` (guest PC `pc`) into table
 * slot `slot`. Returns its length in instructions (1..), 0 when the first instruction is not
 * translatable, -1 when runtime compilation is not available here (the JIT turns itself off),
 * or -2 (CACHE_FULL) when the host's code cache has no room for it. Slots are handed out from
 * SLOT_BASE up after every flush, so a request for SLOT_BASE tells the host the cache is empty.
 */
@external("env", "jitCompile")
declare function jitCompile(host: u32, pc: u32, slot: u32): i32;

function init(): void {
  if (initialised) return;
  initialised = true;
  for (let i: u32 = 0; i < ENTRIES; i++) store<u32>(TABLE + (i << 4), EMPTY);
}

@inline function slotOf(host: u32): usize {
  // Instructions are 2-aligned; a multiplicative hash spreads blocks of neighbouring pages.
  return TABLE + ((((host >>> 1) * 0x9e37_79b1) >>> 20) << 4);
}

/** Forgets every translation (host writes to RAM, reset, destroy, a full code cache). */
export function jitFlushAll(): void {
  init();
  for (let i: u32 = 0; i < ENTRIES; i++) store<u32>(TABLE + (i << 4), EMPTY);
  memory.fill(CODE_PAGES, 0, 0x2_0000);
  nextSlot = 0;
  statFlushes++;
}

/** A write is about to change host page `page` (page-aligned): drop the blocks that start in it. */
export function jitNoteWrite(page: u32): void {
  const b = CODE_PAGES + (page >>> 15);
  const bit: u32 = 1 << ((page >>> 12) & 7);
  const v = <u32>load<u8>(b);
  if ((v & bit) == 0) return;
  // build/minivisor-jitbug.wasm forgets to drop them: the mutant tests/jit.test.ts must catch.
  if (isDefined(BUG_JIT_INVALIDATE)) return;
  store<u8>(b, <u8>(v & ~bit));
  const p = page >>> 12;
  for (let i: u32 = 0; i < ENTRIES; i++) {
    const e = TABLE + (i << 4);
    const h = load<u32>(e);
    if (h != EMPTY && (h >>> 12) == p) store<u32>(e, EMPTY);
  }
  statInvalidations++;
}

/** Page `page` now holds code: no write-TLB entry may point at it, so stores reach jitNoteWrite. */
function markCode(page: u32): void {
  const b = CODE_PAGES + (page >>> 15);
  store<u8>(b, <u8>(<u32>load<u8>(b) | (1 << ((page >>> 12) & 7))));
  for (let i: u32 = 0; i < TLB_ENTRIES; i++) {
    const e = TLB_WRITE + (i << 3);
    const tag = load<u32>(e);
    if (tag != TLB_INVALID && ((tag + load<u32>(e, 4)) & 0xffff_f000) == page) invalidateTlbEntry(e);
  }
}

/**
 * Called by the hot loop after a control transfer to `pc`, with `avail` instructions left in
 * the chunk. Runs translated blocks one after the other while they are found and fit; returns
 * how many instructions they retired (H_PC then holds the next PC), 0 if none ran.
 */
export function jitRun(pc: u32, avail: u32): u32 {
  let ran: u32 = 0;
  while (true) {
    const te = TLB_EXEC + (((pc >>> 12) & 0xff) << 3);
    if (load<u32>(te) != (pc & 0xffff_f000)) break;
    const host = pc + load<u32>(te, 4);
    const e = slotOf(host);
    if (load<u32>(e) != host || load<u32>(e, 4) != pc) {
      // A new block (or a collision): start counting it.
      store<u32>(e, host);
      store<u32>(e, pc, 4);
      store<u32>(e, 0, 8);
      store<u32>(e, 1, 12);
      break;
    }
    let fn = load<u32>(e, 8);
    if (fn == 0) {
      const c = load<u32>(e, 12) + 1;
      store<u32>(e, c, 12);
      if (c < threshold) break;
      if (nextSlot >= capacity) {
        jitFlushAll();
        store<u32>(e, host);
        store<u32>(e, pc, 4);
      }
      let len = jitCompile(host, pc, SLOT_BASE + nextSlot);
      if (len == CACHE_FULL) {
        // The host's byte budget for generated code is spent: start the cache again (as QEMU
        // flushes its whole translation buffer when full), and this block is its first entry.
        jitFlushAll();
        store<u32>(e, host);
        store<u32>(e, pc, 4);
        len = jitCompile(host, pc, SLOT_BASE);
        if (len == CACHE_FULL) len = 0; // larger than the whole budget: interpret it
      }
      const slot = SLOT_BASE + nextSlot;
      if (len < 0) {
        instanceOn = false;
        gJitOn = false;
        break;
      }
      if (len == 0) {
        store<u32>(e, DECLINED, 8);
        statDeclined++;
        break;
      }
      nextSlot++;
      statTranslations++;
      markCode(host & 0xffff_f000);
      fn = slot;
      store<u32>(e, slot, 8);
    } else if (fn == DECLINED) {
      break;
    }
    statEntries++;
    const r = call_indirect<u32>(fn, avail - ran);
    ran += r & 0x7fff_ffff;
    pc = load<u32>(H_PC);
    // The flag: it stopped before an instruction that needs the interpreter (a slow-path load
    // or store), or before a block the budget has no room for.
    if ((r >>> 31) != 0 || ran >= avail) break;
  }
  statInstructions += <f64>ran;
  if (guestBlock != 0) store<f64>(guestBlock + B_JIT_INSNS, load<f64>(guestBlock + B_JIT_INSNS) + <f64>ran);
  return ran;
}

/** The world switch made the guest with control block `block` current: follow its own switch. */
export function jitSelectGuest(block: u32): void {
  init();
  guestBlock = block;
  gJitOn = instanceOn && load<u32>(block + B_JIT_OFF) == 0;
}

// ---- exports for the host ----

export function jitSetEnabled(on: u32): void {
  init();
  instanceOn = on != 0;
  gJitOn = instanceOn && (guestBlock == 0 || load<u32>(guestBlock + B_JIT_OFF) == 0);
}

export function jitEnabled(): u32 {
  return instanceOn ? 1 : 0;
}

/** Executions of a block before it is translated (at least 1), and the most blocks kept at once. */
export function jitConfigure(hot: u32, blocks: u32): void {
  threshold = hot > 0 ? hot : 1;
  if (blocks > 0 && blocks != capacity) {
    capacity = blocks;
    jitFlushAll();
  }
}

/** 0 translations, 1 invalidations (pages), 2 flushes, 3 instructions run translated, 4 block entries, 5 declined. */
export function jitStat(i: u32): f64 {
  switch (i) {
    case 0: return statTranslations;
    case 1: return statInvalidations;
    case 2: return statFlushes;
    case 3: return statInstructions;
    case 4: return statEntries;
    case 5: return statDeclined;
    default: return 0;
  }
}

/** 1 in the checked core: translated code must then call jitCheckRam before every access. */
export function jitChecked(): u32 {
  return isDefined(CHECKED) ? 1 : 0;
}

/** The checked core's assertion on a host address formed by translated code (kind: CHECK_LOAD/STORE). */
export function jitCheckRam(kind: u32, host: u32, size: u32): void {
  checkRam(kind, host, size);
}

/** Where the JIT's static data starts, and its size (see DATA_BYTES). */
export function jitDataPtr(): u32 {
  return <u32>TABLE;
}

export function jitDataBytes(): u32 {
  return DATA_BYTES;
}

/** First table index for blocks (the host grows the table past it). */
export function jitSlotBase(): u32 {
  return SLOT_BASE;
}
