// Traps: taking an exception or interrupt (with delegation to S-mode), returning with
// MRET/SRET, and choosing which pending interrupt to take (privileged spec 1.12, 3.1.9).

import {
  H_MCAUSE, H_MEDELEG, H_MEPC, H_MIDELEG, H_MIE, H_MIP, H_MIP_HW, H_MSTATUS, H_MTVAL, H_MTVEC, H_PC, H_PRIV,
  H_SCAUSE, H_SEPC, H_STVAL, H_STVEC, H_WFI, IRQ_MEI, IRQ_MSI, IRQ_MTI, IRQ_SEI, IRQ_SSI, IRQ_STI,
  MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_MPP_SHIFT, MSTATUS_MPRV, MSTATUS_SIE, MSTATUS_SPIE,
  MSTATUS_SPP, PRIV_M, PRIV_S, PRIV_U,
} from "./hart";
import { contextChanged } from "./tlbcontext";
import { countExit, EXIT_EXCEPTION, EXIT_INTERRUPT } from "./exits";
import {
  B_FAULT_CAUSE, B_FAULT_PC, B_FIRST_FAULT_CAUSE, B_FIRST_FAULT_EPC, B_FIRST_FAULT_TVAL, B_FIRST_FAULT_VALID,
  B_LAST_TRAP_CAUSE, B_LAST_TRAP_EPC, B_LAST_TRAP_TVAL, B_LAST_TRAP_VALID, B_STATUS, STATUS_FAULTED, gBlock,
} from "./guests";
import { requestStop, STOP_FAULTED } from "./stop";
import { cover } from "./checked";
import {
  COV_IRQ_TO_M, COV_IRQ_TO_S, COV_MRET_TO_M, COV_MRET_TO_S, COV_MRET_TO_U, COV_SRET_TO_S, COV_SRET_TO_U,
  COV_TRAP_STUCK, COV_TRAP_TO_M, COV_TRAP_TO_S, COV_TRAP_VECTORED,
} from "./coverage";

export function mipValue(): u32 {
  return load<u32>(H_MIP) | load<u32>(H_MIP_HW);
}

function vectorTarget(tvec: u32, cause: u32): u32 {
  const base = tvec & ~3;
  if ((tvec & 3) == 1 && (cause >>> 31) != 0) {
    cover(COV_TRAP_VECTORED);
    return base + ((cause & 0x1f) << 2);
  }
  return base;
}

/** Enters the trap handler for cause (bit 31 set for interrupts); epc is the trapping PC. */
export function takeTrap(cause: u32, tval: u32, epc: u32): void {
  countExit(((cause >>> 31) != 0 ? EXIT_INTERRUPT : EXIT_EXCEPTION) + (cause & 0xf));
  const priv = load<u32>(H_PRIV);
  const isInt = (cause >>> 31) != 0;
  const code = cause & 0x1f;
  const deleg = load<u32>(isInt ? H_MIDELEG : H_MEDELEG);
  let ms = load<u32>(H_MSTATUS);
  if (priv <= PRIV_S && ((deleg >> code) & 1) != 0) {
    cover(COV_TRAP_TO_S);
    store<u32>(H_SCAUSE, cause);
    store<u32>(H_SEPC, epc);
    store<u32>(H_STVAL, tval);
    ms = (ms & ~(MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_SPP)) | ((ms & MSTATUS_SIE) << 4) | (priv << 8);
    store<u32>(H_MSTATUS, ms);
    store<u32>(H_PRIV, PRIV_S);
    store<u32>(H_PC, vectorTarget(load<u32>(H_STVEC), cause));
  } else {
    cover(COV_TRAP_TO_M);
    store<u32>(H_MCAUSE, cause);
    store<u32>(H_MEPC, epc);
    store<u32>(H_MTVAL, tval);
    ms = (ms & ~(MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP)) | ((ms & MSTATUS_MIE) << 4) | (priv << MSTATUS_MPP_SHIFT);
    store<u32>(H_MSTATUS, ms);
    store<u32>(H_PRIV, PRIV_M);
    store<u32>(H_PC, vectorTarget(load<u32>(H_MTVEC), cause));
  }
  store<u32>(H_WFI, 0);
  contextChanged();
  // An exception whose handler is the very instruction that raised it, in the same privilege
  // mode, repeats forever with nothing changing: the guest is stuck (typically mtvec unset, or
  // pointing at garbage). Say so instead of burning the host CPU on it.
  if (!isInt && load<u32>(H_PC) == epc && load<u32>(H_PRIV) == priv) {
    cover(COV_TRAP_STUCK);
    store<u32>(gBlock + B_STATUS, STATUS_FAULTED);
    store<u32>(gBlock + B_FAULT_CAUSE, cause);
    store<u32>(gBlock + B_FAULT_PC, epc);
    // The trap that led here (e.g. a jump to an unmapped address, whose handler at mtvec = 0 then faults).
    store<u32>(gBlock + B_FIRST_FAULT_VALID, load<u32>(gBlock + B_LAST_TRAP_VALID));
    store<u32>(gBlock + B_FIRST_FAULT_CAUSE, load<u32>(gBlock + B_LAST_TRAP_CAUSE));
    store<u32>(gBlock + B_FIRST_FAULT_EPC, load<u32>(gBlock + B_LAST_TRAP_EPC));
    store<u32>(gBlock + B_FIRST_FAULT_TVAL, load<u32>(gBlock + B_LAST_TRAP_TVAL));
    requestStop(STOP_FAULTED);
  }
  store<u32>(gBlock + B_LAST_TRAP_CAUSE, cause);
  store<u32>(gBlock + B_LAST_TRAP_EPC, epc);
  store<u32>(gBlock + B_LAST_TRAP_TVAL, tval);
  store<u32>(gBlock + B_LAST_TRAP_VALID, 1);
}

export function mret(): void {
  let ms = load<u32>(H_MSTATUS);
  const to = (ms & MSTATUS_MPP) >> MSTATUS_MPP_SHIFT;
  ms = (ms & ~(MSTATUS_MIE | MSTATUS_MPP)) | ((ms & MSTATUS_MPIE) >> 4) | MSTATUS_MPIE;
  if (to != PRIV_M) ms &= ~MSTATUS_MPRV;
  cover(to == PRIV_M ? COV_MRET_TO_M : to == PRIV_S ? COV_MRET_TO_S : COV_MRET_TO_U);
  store<u32>(H_MSTATUS, ms);
  store<u32>(H_PRIV, to);
  store<u32>(H_PC, load<u32>(H_MEPC));
  contextChanged();
}

export function sret(): void {
  let ms = load<u32>(H_MSTATUS);
  const to = (ms & MSTATUS_SPP) != 0 ? PRIV_S : PRIV_U;
  cover(to == PRIV_S ? COV_SRET_TO_S : COV_SRET_TO_U);
  ms = (ms & ~(MSTATUS_SIE | MSTATUS_SPP | MSTATUS_MPRV)) | ((ms & MSTATUS_SPIE) >> 4) | MSTATUS_SPIE;
  store<u32>(H_MSTATUS, ms);
  store<u32>(H_PRIV, to);
  store<u32>(H_PC, load<u32>(H_SEPC));
  contextChanged();
}

// Highest priority first: MEI, MSI, MTI, SEI, SSI, STI.
@inline function pick(bits: u32): u32 {
  if (bits & (1 << IRQ_MEI)) return IRQ_MEI;
  if (bits & (1 << IRQ_MSI)) return IRQ_MSI;
  if (bits & (1 << IRQ_MTI)) return IRQ_MTI;
  if (bits & (1 << IRQ_SEI)) return IRQ_SEI;
  if (bits & (1 << IRQ_SSI)) return IRQ_SSI;
  return IRQ_STI;
}

/** The interrupt the hart takes now, as a cause (bit 31 set), or 0 for none. */
export function interruptToTake(): u32 {
  const pending = mipValue() & load<u32>(H_MIE);
  if (pending == 0) return 0;
  const priv = load<u32>(H_PRIV);
  const ms = load<u32>(H_MSTATUS);
  const mideleg = load<u32>(H_MIDELEG);
  const mEnabled = priv < PRIV_M || (ms & MSTATUS_MIE) != 0;
  const sEnabled = priv < PRIV_S || (priv == PRIV_S && (ms & MSTATUS_SIE) != 0);
  const mBits = mEnabled ? pending & ~mideleg : 0;
  if (mBits != 0) {
    cover(COV_IRQ_TO_M);
    return 0x8000_0000 | pick(mBits);
  }
  const sBits = sEnabled ? pending & mideleg : 0;
  if (sBits != 0) {
    cover(COV_IRQ_TO_S);
    return 0x8000_0000 | pick(sBits);
  }
  return 0;
}

/** Whether WFI should stop waiting: any interrupt pending and enabled in mie, whatever mstatus says. */
export function wakeUpPending(): bool {
  return (mipValue() & load<u32>(H_MIE)) != 0;
}

