// The SBI, the hypercall interface of a guest booted in kernel mode: the hypervisor plays the
// M-mode firmware (as OpenSBI's fw_jump does), so an ECALL from the guest's S-mode is a VM exit
// handled here. Spec: RISC-V SBI 2.0. a7 = extension, a6 = function, a0..a5 = arguments;
// the result is a0 = error, a1 = value (legacy calls return a0 only).

import { H_MIP, H_MIP_HW, MIP_SSIP, MIP_STIP } from "./hart";
import { RAM_BASE } from "./layout";
import { gBlock, gRamSize } from "./guests";
import { ramReadHost, ramWriteHost } from "./ram";
import { mtimeNow } from "./counters";
import { forgetContext } from "./tlbcontext";
import { uartSbiGetc, uartSbiPutc } from "./devices/uart16550";
import { powerOff, requestReset } from "./devices/sifive_test";
import { countExit, EXIT_SBI } from "./exits";
import { requestStop, STOP_OUTPUT_FULL } from "./stop";
import { CHECK_SBI_DMA, checkRam, checkRamWrite, cover } from "./checked";
import { COV_SBI_DBCN_RANGE, COV_SBI_DBCN_REFUSED } from "./coverage";

/** Guest control block: 1 when booted in kernel mode; the SBI timer (u64) and whether armed. */
export const B_KERNEL_MODE: u32 = 0x600;
const B_SBI_TIMER: u32 = 0x608;
const B_SBI_TIMER_ARMED: u32 = 0x610;

export const SBI_SUCCESS: i32 = 0;
export const SBI_ERR_FAILED: i32 = -1;
export const SBI_ERR_NOT_SUPPORTED: i32 = -2;
export const SBI_ERR_INVALID_PARAM: i32 = -3;
export const SBI_ERR_DENIED: i32 = -4;
export const SBI_ERR_INVALID_ADDRESS: i32 = -5;
export const SBI_ERR_ALREADY_AVAILABLE: i32 = -6;

export const EXT_BASE: u32 = 0x10;
export const EXT_TIME: u32 = 0x5449_4d45;
export const EXT_IPI: u32 = 0x0073_5049;
export const EXT_RFENCE: u32 = 0x5246_4e43;
export const EXT_HSM: u32 = 0x0048_534d;
export const EXT_SRST: u32 = 0x5352_5354;
export const EXT_DBCN: u32 = 0x4442_434e;

/** SBI 2.0. */
const SPEC_VERSION: u32 = 2 << 24;
/** Implementation ID: not one of the registered ones (OpenSBI is 1, KVM 3...). */
const IMPL_ID: u32 = 0x6d76; // "mv"
const IMPL_VERSION: u32 = 1;

// Exit-counter slots (EXIT_SBI + slot); src/core/exits.ts names them.
// legacy 0..8 -> slots 0..8; BASE 0..6 -> 9..15; TIME -> 16; IPI -> 17; RFENCE 0..6 -> 18..24;
// HSM 0..3 -> 25..28; SRST -> 29; DBCN 0..2 -> 30..32; anything else -> 33.
const SLOT_OTHER: u32 = 33;

function slot(ext: u32, fid: u32): u32 {
  if (ext <= 8) return ext;
  if (ext == EXT_BASE && fid <= 6) return 9 + fid;
  if (ext == EXT_TIME && fid == 0) return 16;
  if (ext == EXT_IPI && fid == 0) return 17;
  if (ext == EXT_RFENCE && fid <= 6) return 18 + fid;
  if (ext == EXT_HSM && fid <= 3) return 25 + fid;
  if (ext == EXT_SRST && fid == 0) return 29;
  if (ext == EXT_DBCN && fid <= 2) return 30 + fid;
  return SLOT_OTHER;
}

export function kernelMode(): bool {
  return load<u32>(gBlock + B_KERNEL_MODE) != 0;
}

export function sbiReset(): void {
  store<u64>(gBlock + B_SBI_TIMER, 0);
  store<u32>(gBlock + B_SBI_TIMER_ARMED, 0);
}

export function sbiTimerArmed(): bool {
  return load<u32>(gBlock + B_SBI_TIMER_ARMED) != 0;
}

export function sbiTimerDeadline(): u64 {
  return load<u64>(gBlock + B_SBI_TIMER);
}

/** STIP follows the SBI timer: set once mtime reaches the deadline the guest asked for. */
export function sbiTimerUpdate(): void {
  if (!sbiTimerArmed()) return;
  let hw = load<u32>(H_MIP_HW) & ~MIP_STIP;
  if (mtimeNow() >= sbiTimerDeadline()) hw |= MIP_STIP;
  store<u32>(H_MIP_HW, hw);
}

function setTimer(v: u64): void {
  store<u64>(gBlock + B_SBI_TIMER, v);
  store<u32>(gBlock + B_SBI_TIMER_ARMED, 1);
  store<u32>(H_MIP_HW, load<u32>(H_MIP_HW) & ~MIP_STIP);
  sbiTimerUpdate();
}

function probe(ext: u32): u32 {
  if (ext == EXT_BASE || ext == EXT_TIME || ext == EXT_IPI || ext == EXT_RFENCE || ext == EXT_HSM ||
      ext == EXT_SRST || ext == EXT_DBCN) return 1;
  if (ext <= 8) return 1; // legacy extensions
  return 0;
}

const NOT_RAM: u32 = 0xffff_ffff;

/** RAM offset of [lo, lo+len) in guest RAM, or NOT_RAM when any byte of it is not RAM. */
function ramRange(lo: u32, hi: u32, len: u32): u32 {
  cover(COV_SBI_DBCN_RANGE);
  const off = lo - RAM_BASE;
  if (hi != 0 || off >= gRamSize || len > gRamSize - off) {
    cover(COV_SBI_DBCN_REFUSED);
    return NOT_RAM;
  }
  return off;
}

let retValue: u32 = 0;

/** Set when the call could not complete yet (console full): the guest re-executes its ECALL. */
export let gSbiRetry: bool = false;

function putcOrRetry(v: u32): bool {
  if (uartSbiPutc(v)) return true;
  gSbiRetry = true;
  requestStop(STOP_OUTPUT_FULL);
  return false;
}

function call(ext: u32, fid: u32, a0: u32, a1: u32, a2: u32): i32 {
  retValue = 0;
  if (ext == EXT_BASE) {
    switch (fid) {
      case 0: retValue = SPEC_VERSION; return SBI_SUCCESS;
      case 1: retValue = IMPL_ID; return SBI_SUCCESS;
      case 2: retValue = IMPL_VERSION; return SBI_SUCCESS;
      case 3: retValue = probe(a0); return SBI_SUCCESS;
      case 4: // mvendorid, marchid, mimpid: the CSRs read 0
      case 5:
      case 6: return SBI_SUCCESS;
    }
    return SBI_ERR_NOT_SUPPORTED;
  }
  if (ext == EXT_TIME && fid == 0) {
    setTimer((<u64>a1 << 32) | <u64>a0);
    return SBI_SUCCESS;
  }
  if (ext == EXT_IPI && fid == 0) {
    // hart_mask a0 relative to hart_mask_base a1 (-1 means all harts); only hart 0 exists.
    if (a1 == 0xffff_ffff || (a1 == 0 && (a0 & 1) != 0)) {
      store<u32>(H_MIP, load<u32>(H_MIP) | MIP_SSIP);
      return SBI_SUCCESS;
    }
    if (a0 == 0) return SBI_SUCCESS;
    return SBI_ERR_INVALID_PARAM;
  }
  if (ext == EXT_RFENCE) {
    if (fid <= 2) {
      forgetContext(); // one hart: a remote fence is a local one
      return SBI_SUCCESS;
    }
    return SBI_ERR_NOT_SUPPORTED; // the hypervisor-extension fences
  }
  if (ext == EXT_HSM) {
    switch (fid) {
      case 0: return a0 == 0 ? SBI_ERR_ALREADY_AVAILABLE : SBI_ERR_INVALID_PARAM; // hart_start
      case 1: return SBI_ERR_FAILED; // hart_stop: the only hart cannot stop and leave nobody running
      case 2: // hart_get_status
        if (a0 != 0) return SBI_ERR_INVALID_PARAM;
        retValue = 0; // STARTED
        return SBI_SUCCESS;
      case 3: // hart_suspend: default retentive suspend behaves as WFI; the rest is unsupported
        return a0 == 0 ? SBI_SUCCESS : SBI_ERR_NOT_SUPPORTED;
    }
    return SBI_ERR_NOT_SUPPORTED;
  }
  if (ext == EXT_SRST && fid == 0) {
    if (a0 == 0) powerOff(a1 == 0 ? 0 : 1); // shutdown; reason 1 is "system failure"
    else if (a0 == 1 || a0 == 2) requestReset(); // cold or warm reboot
    else return SBI_ERR_INVALID_PARAM;
    return SBI_SUCCESS;
  }
  if (ext == EXT_DBCN) {
    if (fid == 0 || fid == 1) {
      const off = ramRange(a1, a2, a0);
      if (off == NOT_RAM && a0 != 0) return SBI_ERR_INVALID_PARAM;
      // Byte by byte through the page map: the buffer may span pages backed anywhere (ram.ts).
      let n: u32 = 0;
      if (fid == 0) {
        while (n < a0) {
          const h = ramReadHost(off + n);
          checkRam(CHECK_SBI_DMA, h, 1);
          if (!uartSbiPutc(<u32>load<u8>(h))) break;
          n++;
        }
      } else {
        while (n < a0) {
          const c = uartSbiGetc();
          if (c < 0) break;
          const h = ramWriteHost(off + n);
          checkRamWrite(CHECK_SBI_DMA, h, 1);
          store<u8>(h, <u8>c);
          n++;
        }
      }
      retValue = n;
      return SBI_SUCCESS;
    }
    if (fid == 2) {
      // Blocking by definition: when the output buffer is full, the stop lets the host drain it.
      putcOrRetry(a0 & 0xff);
      return SBI_SUCCESS;
    }
    return SBI_ERR_NOT_SUPPORTED;
  }
  return SBI_ERR_NOT_SUPPORTED;
}

/** Handles the guest's ECALL from S-mode; the caller advances the PC unless gSbiRetry. */
export function sbiCall(): void {
  gSbiRetry = false;
  const a0 = load<u32>(10 << 2);
  const a1 = load<u32>(11 << 2);
  const a2 = load<u32>(12 << 2);
  const fid = load<u32>(16 << 2);
  const ext = load<u32>(17 << 2);
  countExit(EXIT_SBI + slot(ext, fid));
  if (ext <= 8) {
    // Legacy extensions (SBI 0.1): the result in a0 only.
    let r: i32 = 0;
    switch (ext) {
      case 0: setTimer((<u64>a1 << 32) | <u64>a0); break;
      case 1: putcOrRetry(a0 & 0xff); break;
      case 2: r = uartSbiGetc(); break;
      case 3: store<u32>(H_MIP, load<u32>(H_MIP) & ~MIP_SSIP); break;
      case 4: store<u32>(H_MIP, load<u32>(H_MIP) | MIP_SSIP); break;
      case 5:
      case 6:
      case 7: forgetContext(); break;
      case 8: powerOff(0); break;
    }
    store<u32>(10 << 2, <u32>r);
    return;
  }
  const err = call(ext, fid, a0, a1, a2);
  store<u32>(10 << 2, <u32>err);
  if (err == SBI_SUCCESS) store<u32>(11 << 2, retValue);
}

