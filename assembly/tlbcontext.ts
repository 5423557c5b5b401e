// The TLBs cache translations for one privilege, SUM, MXR and satp. When any of these may have
// changed (trap, xRET, CSR write), this compares and flushes only if it really did, so that
// a kernel with paging off pays nothing for its traps.

import {
  H_MSTATUS, H_SATP, MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, H_PRIV, TLB_EXEC, TLB_READ, TLB_WRITE,
  flushTlb, invalidateTlbEntry,
} from "./hart";
import { cover } from "./checked";
import {
  COV_CONTEXT_BARE, COV_CONTEXT_FLUSH, COV_CONTEXT_SAME, COV_FLUSH_ALL, COV_FLUSH_PAGE, COV_FLUSH_PAGE_HIT,
  COV_FLUSH_PAGE_SUPERPAGE,
} from "./coverage";

let cachedKey: u32 = 0xffff_ffff;
/** Some TLB entry may come from a 4 MiB megapage (set by the page walk, cleared by a full flush). */
let superpageCached: bool = false;

export function noteSuperpageCached(): void {
  superpageCached = true;
}
let cachedSatp: u32 = 0;

export function contextChanged(): void {
  const satp = load<u32>(H_SATP);
  const key = (load<u32>(H_MSTATUS) & (MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPP)) | load<u32>(H_PRIV);
  if ((satp >>> 31) == 0 && (cachedSatp >>> 31) == 0) {
    // Paging off: translation is the identity whatever the privilege.
    cover(COV_CONTEXT_BARE);
    cachedKey = key;
    return;
  }
  if (key != cachedKey || satp != cachedSatp) {
    cover(COV_CONTEXT_FLUSH);
    cachedKey = key;
    cachedSatp = satp;
    flushTlb();
    superpageCached = false;
  } else {
    cover(COV_CONTEXT_SAME);
  }
}

/** After SFENCE.VMA or a world switch: drop everything. */
export function forgetContext(): void {
  cover(COV_FLUSH_ALL);
  cachedKey = 0xffff_ffff;
  cachedSatp = load<u32>(H_SATP);
  flushTlb();
  superpageCached = false;
}

/** SFENCE.VMA with an address: drop the entries of that virtual page from the three TLBs. */
export function flushTlbPage(va: u32): void {
  cover(COV_FLUSH_PAGE);
  if (superpageCached) {
    cover(COV_FLUSH_PAGE_SUPERPAGE);
    forgetContext();
    return;
  }
  const page = va & 0xffff_f000;
  const off = ((va >>> 12) & 0xff) << 3;
  if (load<u32>(TLB_READ + off) == page || load<u32>(TLB_WRITE + off) == page || load<u32>(TLB_EXEC + off) == page) {
    cover(COV_FLUSH_PAGE_HIT);
  }
  if (load<u32>(TLB_READ + off) == page) invalidateTlbEntry(TLB_READ + off);
  if (load<u32>(TLB_WRITE + off) == page) invalidateTlbEntry(TLB_WRITE + off);
  if (load<u32>(TLB_EXEC + off) == page) invalidateTlbEntry(TLB_EXEC + off);
}
