// Debug triggers (Sdtrig) as QEMU 7.2's virt hart exposes them: two address/data-match triggers,
// tselect (0x7a0), tdata1..3 (0x7a1..0x7a3) and tinfo (0x7a4), M-mode CSRs; action 0 only (a
// breakpoint exception, cause 3), taken before the instruction or the access.
//
// What the guest sees (the WARL choices are QEMU 7.2's, checked against it by isa-triggers):
//  - tselect: 0 or 1; a write of 2 or more is ignored (the old value stays), so reading back
//    what was written finds the count. tinfo = 0x44 (types 2 and 6), writes ignored.
//  - tdata1: type 2 (mcontrol) at reset with nothing enabled (0x2000_0000). A write of type 2
//    keeps sizelo and the m/s/u/execute/store/load bits; dmode, maskmax, hit, select, timing,
//    action, chain and match read 0. A write of type 6 (mcontrol6) keeps vs/vu, size (0, 1, 2,
//    3 or 5; anything else becomes 0) and the same six bits. A write of any other type, 0
//    included, is ignored: a trigger is disarmed by writing its mode or access bits to 0.
//  - tdata2: the address, any value. tdata3: reads 0, writes ignored. tcontrol, mcontext: absent.
//  - Matching (the m/s/u bits against the current privilege, not MPRV's): an execute trigger
//    fires on the instruction whose address is tdata2; a load/store trigger on an access that
//    overlaps [tdata2, tdata2 + len), len = sizelo (1, 2, 3) or 4 when 0 for type 2, size or 8
//    when 0 for type 6, as QEMU watches them. LR is a load; SC (when it would store) and AMOs
//    are both a load and a store, as in QEMU. An MMIO access is matched like a RAM access.
//  - tval: the matching address (the PC for execute; for a load/store the first byte of the
//    access inside the watched range). QEMU 7.2 writes 0 there instead; the spec allows both,
//    and isa-triggers accepts either.
//  - The instruction that trapped has not executed and does not count in instret.
//
// State: in the hart's saved area (hart.ts H_TSELECT, H_TDATA1, H_TDATA2), so it is switched,
// snapshotted and reset (zeroed) with the rest of the hart. tdata1 is stored XOR 0x2000_0000 so
// that zero, the reset value of the area, reads as QEMU's reset value.
//
// Speed: nothing in the hot loop. gTrigExec and gTrigData say whether any execute or load/store
// trigger of the running guest is armed; they are recomputed at every runGuest and on every write
// of a trigger CSR. While gTrigExec is set, run.ts runs one instruction per chunk and checks each
// PC first (execTriggerFires). While gTrigData is set, mmu.ts fills neither the read nor the write
// TLB, so every load and store takes its slow path, where dataTriggerFires compares; the TLBs
// are flushed when it becomes set.

import { H_INSTRET, H_PC, H_PRIV, H_TDATA1, H_TDATA2, H_TSELECT, EXC_BREAKPOINT } from "./hart";
import { raise } from "./mmu";
import { takeTrap } from "./trap";
import { forgetContext } from "./tlbcontext";

export const TRIGGER_COUNT: u32 = 2;
/** Stored tdata1 = guest tdata1 XOR this, so that a zeroed hart area holds type 2, nothing enabled. */
const TDATA1_STORED_XOR: u32 = 0x2000_0000;
/** tinfo: types 2 (mcontrol) and 6 (mcontrol6). */
const TINFO: u32 = (1 << 2) | (1 << 6);

const T_LOAD: u32 = 1 << 0;
const T_STORE: u32 = 1 << 1;
const T_EXEC: u32 = 1 << 2;
const T_U: u32 = 1 << 3;
const T_S: u32 = 1 << 4;
const T_M: u32 = 1 << 6;
/** The six bits both types share: m, s, u, execute, store, load. */
const T_MODE_ACCESS: u32 = T_M | T_S | T_U | T_EXEC | T_STORE | T_LOAD;

/** Access kinds for dataTriggerFires: what a load and a store trigger watch. */
export const TRIG_LOAD: u32 = T_LOAD;
export const TRIG_STORE: u32 = T_STORE;
export const TRIG_AMO: u32 = T_LOAD | T_STORE;

/** Some execute trigger of the running guest is armed (run.ts checks every PC). */
export let gTrigExec: bool = false;
/** Some load/store trigger of the running guest is armed (mmu.ts keeps data accesses on the slow path). */
export let gTrigData: bool = false;

@inline function tdata1Of(i: u32): u32 {
  return load<u32>(H_TDATA1 + (i << 2)) ^ TDATA1_STORED_XOR;
}

@inline function armed(c: u32, access: u32): bool {
  return (c & (T_M | T_S | T_U)) != 0 && (c & access) != 0;
}

/** Recomputes gTrigExec and gTrigData from the running guest's triggers; flushes the TLBs when data triggers become armed. */
export function triggersRefresh(): void {
  let exec = false;
  let data = false;
  for (let i: u32 = 0; i < TRIGGER_COUNT; i++) {
    const c = tdata1Of(i);
    if (armed(c, T_EXEC)) exec = true;
    if (armed(c, T_LOAD | T_STORE)) data = true;
  }
  const was = gTrigData;
  gTrigExec = exec;
  gTrigData = data;
  // Entries filled while nothing was watched would let loads and stores skip the check.
  if (data && !was) forgetContext();
}

/** Is csr one of the trigger CSRs (tselect, tdata1..3, tinfo)? */
export function isTriggerCsr(csr: u32): bool {
  return csr >= 0x7a0 && csr <= 0x7a4;
}

/** The selected trigger; masked so that no stored value (a restored snapshot's) can index past the two. */
@inline function selected(): u32 {
  return load<u32>(H_TSELECT) & (TRIGGER_COUNT - 1);
}

export function triggerCsrRead(csr: u32): u32 {
  const sel = selected();
  switch (csr) {
    case 0x7a0: return sel;
    case 0x7a1: return tdata1Of(sel);
    case 0x7a2: return load<u32>(H_TDATA2 + (sel << 2));
    case 0x7a3: return 0;
    default: return TINFO;
  }
}

export function triggerCsrWrite(csr: u32, v: u32): void {
  const sel = selected();
  if (csr == 0x7a0) {
    if (v < TRIGGER_COUNT) store<u32>(H_TSELECT, v);
  } else if (csr == 0x7a1) {
    const type = v >>> 28;
    let nv: u32;
    if (type == 2) {
      nv = (v & (0x3_0000 | T_MODE_ACCESS)) | 0x2000_0000; // sizelo: all four encodings are kept
    } else if (type == 6) {
      const size = (v >>> 16) & 0xf;
      nv = (v & (0x0180_0000 | T_MODE_ACCESS)) | 0x6000_0000; // vs, vu
      if (size <= 3 || size == 5) nv |= size << 16;
    } else {
      return; // no such trigger type here: the write is ignored, as QEMU does
    }
    store<u32>(H_TDATA1 + (sel << 2), nv ^ TDATA1_STORED_XOR);
  } else if (csr == 0x7a2) {
    store<u32>(H_TDATA2 + (sel << 2), v);
  }
  // tdata3 and tinfo: writes ignored
  triggersRefresh();
}

/** Bytes a load/store trigger watches from tdata2 (QEMU 7.2's reading of the size fields). */
@inline function watchedBytes(c: u32): u32 {
  if ((c >>> 28) == 6) {
    const size = (c >>> 16) & 0xf;
    return size != 0 ? size : 8;
  }
  const sizelo = (c >>> 16) & 3;
  return sizelo != 0 ? sizelo : 4;
}

/** A trigger fired: the instruction did not execute, so it must not count as retired. */
@inline function unretire(): void {
  // The interpreter counts a trapping instruction in its chunk; take it back here.
  store<u64>(H_INSTRET, load<u64>(H_INSTRET) - 1);
}

/**
 * Before a load or store of size bytes at va (kind: TRIG_LOAD, TRIG_STORE or TRIG_AMO): if an
 * armed trigger matches it, raises the breakpoint exception (mmu.raise) and returns true. The
 * caller publishes the chunk's countdown first, as for any slow path.
 */
export function dataTriggerFires(va: u32, size: u32, kind: u32): bool {
  const privBit = T_U << load<u32>(H_PRIV);
  const lo = <u64>va;
  const hi = lo + <u64>size; // exclusive; 64-bit so that nothing wraps
  for (let i: u32 = 0; i < TRIGGER_COUNT; i++) {
    const c = tdata1Of(i);
    if ((c & privBit) == 0 || (c & kind) == 0) continue;
    const t = <u64>load<u32>(H_TDATA2 + (i << 2));
    if (lo < t + <u64>watchedBytes(c) && t < hi) {
      raise(EXC_BREAKPOINT, <u32>(lo > t ? lo : t));
      unretire();
      return true;
    }
  }
  return false;
}

/**
 * Before the instruction at H_PC (run.ts, between chunks): if an armed execute trigger matches
 * it, takes the breakpoint exception (tval = the PC) and returns true.
 */
export function execTriggerFires(): bool {
  const pc = load<u32>(H_PC);
  const privBit = T_U << load<u32>(H_PRIV);
  for (let i: u32 = 0; i < TRIGGER_COUNT; i++) {
    const c = tdata1Of(i);
    if ((c & privBit) != 0 && (c & T_EXEC) != 0 && load<u32>(H_TDATA2 + (i << 2)) == pc) {
      takeTrap(EXC_BREAKPOINT, pc, pc);
      return true;
    }
  }
  return false;
}
