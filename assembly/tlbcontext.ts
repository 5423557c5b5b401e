// The TLBs cache translations for one privilege, SUM, MXR and satp. When any of these may have
// changed (trap, xRET, CSR write), this compares and flushes only if it really did, so that
// a kernel with paging off pays nothing for its traps.

import { H_MSTATUS, H_SATP, MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SUM, H_PRIV, flushTlb } from "./hart";

let cachedKey: u32 = 0xffff_ffff;
let cachedSatp: u32 = 0;

export function contextChanged(): void {
  const satp = load<u32>(H_SATP);
  const key = (load<u32>(H_MSTATUS) & (MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MPP)) | load<u32>(H_PRIV);
  if ((satp >>> 31) == 0 && (cachedSatp >>> 31) == 0) {
    // Paging off: translation is the identity whatever the privilege.
    cachedKey = key;
    return;
  }
  if (key != cachedKey || satp != cachedSatp) {
    cachedKey = key;
    cachedSatp = satp;
    flushTlb();
  }
}

/** After SFENCE.VMA or a world switch: drop everything. */
export function forgetContext(): void {
  cachedKey = 0xffff_ffff;
  cachedSatp = load<u32>(H_SATP);
  flushTlb();
}
