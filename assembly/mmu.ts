// Guest-virtual -> guest-physical -> host: Sv32 translation, the software TLBs, and every slow
// path of a load, store or fetch.
//
// Why no guest can reach memory outside its own region: see ISOLATION.md, path by path. In
// short, a host address for a guest access is only ever formed from off = pa - RAM_BASE checked,
// unsigned, to be < gRamSize, through the guest's page map (ram.ts: its own page, or one it
// shares read-only with a fork); the TLBs cache only pages that passed that check, a write
// entry only for a private page, and their empty tag can match no access.

import { RAM_BASE } from "./layout";
import { gRamSize } from "./guests";
import { pageForRead, pageForWrite, ramReadHost, ramWriteHost } from "./ram";
import {
  H_MSTATUS, H_PRIV, H_SATP, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM,
  PRIV_M, PRIV_S, PRIV_U, TLB_EXEC, TLB_READ, TLB_WRITE,
  EXC_INST_ACCESS, EXC_INST_PAGE, EXC_LOAD_ACCESS, EXC_LOAD_MISALIGNED, EXC_LOAD_PAGE,
  EXC_STORE_ACCESS, EXC_STORE_MISALIGNED, EXC_STORE_PAGE,
} from "./hart";
import { busRead, busWrite, gBusError } from "./bus";
import { countExit, EXIT_TLB_REFILL } from "./exits";
import { noteSuperpageCached } from "./tlbcontext";
import { TRIG_AMO, TRIG_LOAD, TRIG_STORE, dataTriggerFires, gTrigData } from "./triggers";
import { CHECK_ATOMIC, CHECK_FETCH, CHECK_LOAD, CHECK_PAGE_WALK, CHECK_STORE, checkRam, checkRamWrite, cover } from "./checked";
import {
  COV_ATOMIC_MISALIGNED, COV_ATOMIC_NOT_RAM, COV_FETCH_FILL, COV_FETCH_NOT_RAM, COV_FETCH_SPLIT, COV_LOAD_BUS_ERROR,
  COV_LOAD_MISALIGNED, COV_LOAD_MMIO, COV_LOAD_RAM_FILL, COV_STORE_BUS_ERROR, COV_STORE_MISALIGNED,
  COV_STORE_MISALIGNED_FAULT, COV_STORE_MMIO, COV_STORE_RAM_FILL, COV_XLATE_AD_UPDATE, COV_XLATE_BARE,
  COV_XLATE_INVALID_PTE, COV_XLATE_LEAF_4K, COV_XLATE_LEAF_ABOVE_4G, COV_XLATE_MEGAPAGE, COV_XLATE_MISALIGNED_MEGAPAGE,
  COV_XLATE_NONLEAF_AT_LEVEL0, COV_XLATE_NO_PERMISSION, COV_XLATE_PTE_OUTSIDE_RAM, COV_XLATE_ROOT_ABOVE_4G,
  COV_XLATE_S_PAGE_FROM_U, COV_XLATE_U_PAGE_FROM_S,
} from "./coverage";

/** Exception raised by the last slow-path access, or -1. */
export let gExc: i32 = -1;
export let gTval: u32 = 0;

export function raise(cause: u32, tval: u32): void {
  gExc = <i32>cause;
  gTval = tval;
}

export function clearExc(): void {
  gExc = -1;
}

export const ACC_READ: u32 = 0;
export const ACC_WRITE: u32 = 1;
export const ACC_EXEC: u32 = 2;

const PTE_V: u32 = 1;
const PTE_R: u32 = 2;
const PTE_W: u32 = 4;
const PTE_X: u32 = 8;
const PTE_U: u32 = 16;
const PTE_A: u32 = 64;
const PTE_D: u32 = 128;

@inline function pageFault(acc: u32, va: u32): void {
  raise(acc == ACC_EXEC ? EXC_INST_PAGE : acc == ACC_WRITE ? EXC_STORE_PAGE : EXC_LOAD_PAGE, va);
}

@inline function accessFault(acc: u32, va: u32): void {
  raise(acc == ACC_EXEC ? EXC_INST_ACCESS : acc == ACC_WRITE ? EXC_STORE_ACCESS : EXC_LOAD_ACCESS, va);
}

/** The privilege loads and stores are checked with: MPRV lets M-mode borrow MPP's. */
export function dataPriv(): u32 {
  const priv = load<u32>(H_PRIV);
  const ms = load<u32>(H_MSTATUS);
  if (priv == PRIV_M && (ms & MSTATUS_MPRV) != 0) return (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
  return priv;
}

/** Guest-virtual to guest-physical. Physical addresses above 4 GiB (Sv32 allows 34 bits) fault. */
export function translate(va: u32, acc: u32): u32 {
  const priv = acc == ACC_EXEC ? load<u32>(H_PRIV) : dataPriv();
  const satp = load<u32>(H_SATP);
  if (priv == PRIV_M || (satp >>> 31) == 0) {
    cover(COV_XLATE_BARE);
    return va;
  }

  let ppn = satp & 0x3f_ffff;
  let level: i32 = 1;
  let pte: u32 = 0;
  let pteHost: u32 = 0;
  let pteOff: u32 = 0;
  while (true) {
    if (ppn >= 0x10_0000) {
      cover(COV_XLATE_ROOT_ABOVE_4G);
      accessFault(acc, va);
      return 0;
    }
    const vpn = (va >>> (12 + 10 * level)) & 0x3ff;
    const off = (ppn << 12) + (vpn << 2) - RAM_BASE;
    if (off >= gRamSize) {
      cover(COV_XLATE_PTE_OUTSIDE_RAM);
      accessFault(acc, va);
      return 0;
    }
    pteOff = off;
    pteHost = ramReadHost(off);
    checkRam(CHECK_PAGE_WALK, pteHost, 4);
    pte = load<u32>(pteHost);
    if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0)) {
      cover(COV_XLATE_INVALID_PTE);
      pageFault(acc, va);
      return 0;
    }
    if ((pte & (PTE_R | PTE_X)) != 0) break;
    if (level == 0) {
      cover(COV_XLATE_NONLEAF_AT_LEVEL0);
      pageFault(acc, va);
      return 0;
    }
    ppn = pte >>> 10;
    level--;
  }

  // A leaf: check privilege and permissions.
  if (pte & PTE_U) {
    if (priv == PRIV_S && (acc == ACC_EXEC || (load<u32>(H_MSTATUS) & MSTATUS_SUM) == 0)) {
      cover(COV_XLATE_U_PAGE_FROM_S);
      pageFault(acc, va);
      return 0;
    }
  } else if (priv == PRIV_U) {
    cover(COV_XLATE_S_PAGE_FROM_U);
    pageFault(acc, va);
    return 0;
  }
  let ok: bool;
  if (acc == ACC_EXEC) ok = (pte & PTE_X) != 0;
  else if (acc == ACC_WRITE) ok = (pte & PTE_W) != 0;
  else ok = (pte & PTE_R) != 0 || ((pte & PTE_X) != 0 && (load<u32>(H_MSTATUS) & MSTATUS_MXR) != 0);
  if (!ok) {
    cover(COV_XLATE_NO_PERMISSION);
    pageFault(acc, va);
    return 0;
  }
  let leafPpn = pte >>> 10;
  if (level == 1) {
    // The TLBs cache this megapage as 4 KiB pages; an SFENCE.VMA for one address in it must
    // then drop them all (tlbcontext.ts).
    noteSuperpageCached();
    cover(COV_XLATE_MEGAPAGE);
    if ((leafPpn & 0x3ff) != 0) {
      cover(COV_XLATE_MISALIGNED_MEGAPAGE);
      pageFault(acc, va); // misaligned superpage
      return 0;
    }
    leafPpn |= (va >>> 12) & 0x3ff;
  } else {
    cover(COV_XLATE_LEAF_4K);
  }
  if (leafPpn >= 0x10_0000) {
    cover(COV_XLATE_LEAF_ABOVE_4G);
    accessFault(acc, va);
    return 0;
  }
  // Hardware A/D update, as QEMU does.
  const want = PTE_A | (acc == ACC_WRITE ? PTE_D : 0);
  if ((pte & want) != want) {
    cover(COV_XLATE_AD_UPDATE);
    // A write like any other: a shared page table page is made private first.
    pteHost = ramWriteHost(pteOff);
    checkRamWrite(CHECK_PAGE_WALK, pteHost, 4);
    store<u32>(pteHost, pte | want);
  }
  return (leafPpn << 12) | (va & 0xfff);
}

/**
 * Caches the page of va in a TLB: hostPage is the host page that backs it (pageForRead, or
 * pageForWrite for the write TLB: then it is private). Returns the addend.
 */
@inline function fill(tlb: u32, va: u32, hostPage: u32): u32 {
  countExit(EXIT_TLB_REFILL);
  const page = va & 0xffff_f000;
  const add = hostPage - page;
  if (tlb == TLB_WRITE) checkRamWrite(CHECK_STORE, page + add, 0x1000);
  else checkRam(tlb == TLB_EXEC ? CHECK_FETCH : CHECK_LOAD, page + add, 0x1000);
  const e = tlb + (((va >>> 12) & 0xff) << 3);
  store<u32>(e, page);
  store<u32>(e + 4, add);
  return add;
}

const NOT_RAM: u32 = 0xffff_ffff;

/** Offset of pa in the guest's RAM, or NOT_RAM. */
@inline function ramOffset(pa: u32): u32 {
  const off = pa - RAM_BASE;
  return off < gRamSize ? off : NOT_RAM;
}

// ---- loads ----

export function loadSlow(va: u32, size: u32): u32 {
  // While a load/store trigger is armed, no TLB entry is filled, so every access comes here.
  if (gTrigData && dataTriggerFires(va, size, TRIG_LOAD)) return 0;
  if ((va & (size - 1)) != 0) {
    // Misaligned accesses complete, as on QEMU's virt, one byte at a time.
    cover(COV_LOAD_MISALIGNED);
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) {
      const b = loadSlow(va + i, 1);
      if (gExc >= 0) return 0;
      v |= b << (i << 3);
    }
    return v;
  }
  const pa = translate(va, ACC_READ);
  if (gExc >= 0) return 0;
  const off = ramOffset(pa);
  if (off != NOT_RAM) {
    cover(COV_LOAD_RAM_FILL);
    const hostPage = pageForRead(off);
    const h = hostPage + (off & 0xfff);
    if (!gTrigData) fill(TLB_READ, va, hostPage);
    checkRam(CHECK_LOAD, h, size);
    if (size == 4) return load<u32>(h);
    if (size == 2) return <u32>load<u16>(h);
    return <u32>load<u8>(h);
  }
  cover(COV_LOAD_MMIO);
  const v = busRead(pa, size);
  if (gBusError) {
    cover(COV_LOAD_BUS_ERROR);
    raise(EXC_LOAD_ACCESS, va);
  }
  return v;
}

// ---- stores ----

function storeAligned(va: u32, size: u32, v: u32): void {
  const pa = translate(va, ACC_WRITE);
  if (gExc >= 0) return;
  const off = ramOffset(pa);
  if (off != NOT_RAM) {
    cover(COV_STORE_RAM_FILL);
    const hostPage = pageForWrite(off);
    const h = hostPage + (off & 0xfff);
    if (!gTrigData) fill(TLB_WRITE, va, hostPage);
    checkRamWrite(CHECK_STORE, h, size);
    if (size == 4) store<u32>(h, v);
    else if (size == 2) store<u16>(h, <u16>v);
    else store<u8>(h, <u8>v);
    return;
  }
  cover(COV_STORE_MMIO);
  busWrite(pa, size, v);
  if (gBusError) {
    cover(COV_STORE_BUS_ERROR);
    raise(EXC_STORE_ACCESS, va);
  }
}

export function storeSlow(va: u32, size: u32, v: u32): void {
  if (gTrigData && dataTriggerFires(va, size, TRIG_STORE)) return;
  if ((va & (size - 1)) != 0) {
    // Check every byte first so that a fault leaves memory untouched.
    cover(COV_STORE_MISALIGNED);
    for (let i: u32 = 0; i < size; i++) {
      const pa = translate(va + i, ACC_WRITE);
      if (gExc >= 0) return;
      if (ramOffset(pa) == NOT_RAM) {
        cover(COV_STORE_MISALIGNED_FAULT);
        raise(EXC_STORE_ACCESS, va + i);
        return;
      }
    }
    for (let i: u32 = 0; i < size; i++) storeAligned(va + i, 1, v >>> (i << 3));
    return;
  }
  storeAligned(va, size, v);
}

// ---- atomics: RAM only, naturally aligned ----

/** Host address for an LR (acc = ACC_READ) or an AMO/SC (ACC_WRITE), or 0 with gExc set. */
export function atomicHost(va: u32, acc: u32): u32 {
  if ((va & 3) != 0) {
    cover(COV_ATOMIC_MISALIGNED);
    raise(acc == ACC_READ ? EXC_LOAD_MISALIGNED : EXC_STORE_MISALIGNED, va);
    return 0;
  }
  // LR is a load; SC and AMOs are a load and a store to triggers, as in QEMU.
  if (gTrigData && dataTriggerFires(va, 4, acc == ACC_READ ? TRIG_LOAD : TRIG_AMO)) return 0;
  const pa = translate(va, acc);
  if (gExc >= 0) return 0;
  const off = ramOffset(pa);
  if (off == NOT_RAM) {
    cover(COV_ATOMIC_NOT_RAM);
    raise(acc == ACC_READ ? EXC_LOAD_ACCESS : EXC_STORE_ACCESS, va);
    return 0;
  }
  // An AMO or SC writes: its page is made private (and dirty) first.
  const h = acc == ACC_READ ? ramReadHost(off) : ramWriteHost(off);
  if (acc == ACC_READ) checkRam(CHECK_ATOMIC, h, 4);
  else checkRamWrite(CHECK_ATOMIC, h, 4);
  return h;
}

// ---- instruction fetch ----

/** Addend that maps the page of pc to the host, or 0 with gExc set. */
export function fetchAddend(pc: u32): u32 {
  const e = TLB_EXEC + (((pc >>> 12) & 0xff) << 3);
  if (load<u32>(e) == (pc & 0xffff_f000)) return load<u32>(e + 4);
  const pa = translate(pc, ACC_EXEC);
  if (gExc >= 0) return 0;
  const off = ramOffset(pa);
  if (off == NOT_RAM) {
    cover(COV_FETCH_NOT_RAM);
    raise(EXC_INST_ACCESS, pc);
    return 0;
  }
  cover(COV_FETCH_FILL);
  return fill(TLB_EXEC, pc, pageForRead(off));
}

/** The upper half of a 32-bit instruction whose lower half ends a page. */
export function fetchUpperHalf(va: u32): u32 {
  cover(COV_FETCH_SPLIT);
  const add = fetchAddend(va);
  if (gExc >= 0) return 0;
  checkRam(CHECK_FETCH, va + add, 2);
  return <u32>load<u16>(va + add);
}

