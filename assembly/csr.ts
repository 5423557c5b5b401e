// Control and status registers: the CSR instructions, with the privilege and read-only checks
// of the spec and the WARL behaviour of QEMU's virt hart where the spec leaves a choice.

import {
  H_MCAUSE, H_MCOUNTEREN, H_MCOUNTINHIBIT, H_MEDELEG, H_MENVCFG, H_MENVCFGH, H_MEPC, H_MIDELEG, H_MIE, H_MIP,
  H_MSCRATCH, H_MSTATUS, H_MTVAL, H_MTVEC, H_PMPADDR, H_PMPCFG, H_PRIV, H_SATP, H_SCAUSE, H_SCOUNTEREN,
  H_SENVCFG, H_SEPC, H_SSCRATCH, H_STVAL, H_STVEC, H_CYCLE_OFFSET, H_INSTRET_OFFSET, EXC_ILLEGAL,
  MSTATUS_MIE, MSTATUS_MPIE, MSTATUS_MPP, MSTATUS_MPRV, MSTATUS_MXR, MSTATUS_SIE, MSTATUS_SPIE,
  MSTATUS_SPP, MSTATUS_SUM, MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW, MIP_SSIP, MIP_STIP, MIP_SEIP,
  PRIV_M, PRIV_S, PRIV_U,
} from "./hart";
import { instretNow, mtimeNow } from "./counters";
import { mipValue } from "./trap";
import { raise } from "./mmu";
import { contextChanged } from "./tlbcontext";
import { isTriggerCsr, triggerCsrRead, triggerCsrWrite } from "./triggers";
import {
  countExit, EXIT_CSR_COUNTERS, EXIT_CSR_MACHINE, EXIT_CSR_OTHER, EXIT_CSR_PMP, EXIT_CSR_SATP, EXIT_CSR_SUPERVISOR,
} from "./exits";

/** RV32 (MXL = 1), extensions A, C, I, M, S, U. */
export const MISA: u32 = 0x4000_0000 | (1 << 0) | (1 << 2) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

const MSTATUS_WRITABLE: u32 =
  MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | MSTATUS_MPP | MSTATUS_MPRV |
  MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
const SSTATUS_MASK: u32 = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR;
const S_INTERRUPTS: u32 = MIP_SSIP | MIP_STIP | MIP_SEIP;
const ALL_INTERRUPTS: u32 = 0xaaa;
/** Exceptions S-mode may handle: all but ECALL from M and the hypervisor's. */
const DELEGABLE_EXCEPTIONS: u32 = 0xb3ff;

/** Set by csrRead/csrWrite when the CSR does not exist or may not be accessed. */
let illegal: bool = false;

function counterAllowed(csr: u32, priv: u32): bool {
  const bit = csr & 0x1f;
  if (priv < PRIV_M && ((load<u32>(H_MCOUNTEREN) >> bit) & 1) == 0) return false;
  if (priv == PRIV_U && ((load<u32>(H_SCOUNTEREN) >> bit) & 1) == 0) return false;
  return true;
}

// mcycle (mcountinhibit.CY, bit 0) and minstret (IR, bit 2): each is H_INSTRET plus its own
// offset while it counts, or its frozen value while inhibited, so that a write to one of them,
// or to mcountinhibit, leaves the others and the guest's clock alone. mcycle counts one per
// instruction, as minstret does.
const CY: u32 = 0;
const IR: u32 = 2;

function inhibited(bit: u32): bool {
  return ((load<u32>(H_MCOUNTINHIBIT) >>> bit) & 1) != 0;
}

/** The counter as the current instruction reads it (before its own increment). */
function counter(field: u32, bit: u32): u64 {
  const v = load<u64>(field);
  return inhibited(bit) ? v : instretNow() + v;
}

/** Sets the counter as the current instruction reads it. */
function setCounter(field: u32, bit: u32, v: u64): void {
  store<u64>(field, inhibited(bit) ? v : v - instretNow());
}

/**
 * A CSR write to the counter: done instead of the current instruction's increment, so the next
 * instruction reads v (unprivileged spec, Zicsr: "a value written to instret by one instruction
 * will be the value read by the following instruction").
 */
function writeCounter(field: u32, bit: u32, v: u64): void {
  setCounter(field, bit, inhibited(bit) ? v : v - 1);
}

function cycles(): u64 {
  return counter(H_CYCLE_OFFSET, CY);
}

function instrets(): u64 {
  return counter(H_INSTRET_OFFSET, IR);
}

function csrRead(csr: u32, priv: u32): u32 {
  if ((csr >= 0xc00 && csr <= 0xc1f) || (csr >= 0xc80 && csr <= 0xc9f)) {
    if (!counterAllowed(csr, priv)) {
      illegal = true;
      return 0;
    }
    const n = csr & 0x1f;
    const hi = csr >= 0xc80;
    let v: u64 = 0;
    if (n == 0) v = cycles();
    else if (n == 1) v = mtimeNow();
    else if (n == 2) v = instrets();
    return hi ? <u32>(v >> 32) : <u32>v;
  }
  switch (csr) {
    // supervisor
    case 0x100: return load<u32>(H_MSTATUS) & SSTATUS_MASK;
    case 0x104: return load<u32>(H_MIE) & load<u32>(H_MIDELEG);
    case 0x105: return load<u32>(H_STVEC);
    case 0x106: return load<u32>(H_SCOUNTEREN);
    case 0x10a: return load<u32>(H_SENVCFG);
    case 0x140: return load<u32>(H_SSCRATCH);
    case 0x141: return load<u32>(H_SEPC) & ~1;
    case 0x142: return load<u32>(H_SCAUSE);
    case 0x143: return load<u32>(H_STVAL);
    case 0x144: return mipValue() & load<u32>(H_MIDELEG);
    case 0x180:
      if (priv == PRIV_S && (load<u32>(H_MSTATUS) & MSTATUS_TVM) != 0) break;
      return load<u32>(H_SATP);
    // machine information
    case 0xf11: return 0; // mvendorid
    case 0xf12: return 0; // marchid
    case 0xf13: return 0; // mimpid
    case 0xf14: return 0; // mhartid
    case 0xf15: return 0; // mconfigptr
    // machine trap setup and handling
    case 0x300: return load<u32>(H_MSTATUS);
    case 0x301: return MISA;
    case 0x302: return load<u32>(H_MEDELEG);
    case 0x303: return load<u32>(H_MIDELEG);
    case 0x304: return load<u32>(H_MIE);
    case 0x305: return load<u32>(H_MTVEC);
    case 0x306: return load<u32>(H_MCOUNTEREN);
    case 0x30a: return load<u32>(H_MENVCFG);
    case 0x310: return 0; // mstatush: little-endian only
    case 0x31a: return load<u32>(H_MENVCFGH);
    case 0x320: return load<u32>(H_MCOUNTINHIBIT);
    case 0x340: return load<u32>(H_MSCRATCH);
    case 0x341: return load<u32>(H_MEPC) & ~1;
    case 0x342: return load<u32>(H_MCAUSE);
    case 0x343: return load<u32>(H_MTVAL);
    case 0x344: return mipValue();
    // machine counters
    case 0xb00: return <u32>cycles();
    case 0xb80: return <u32>(cycles() >> 32);
    case 0xb02: return <u32>instrets();
    case 0xb82: return <u32>(instrets() >> 32);
    default:
      if (csr >= 0x3a0 && csr <= 0x3a3) return load<u32>(H_PMPCFG + ((csr - 0x3a0) << 2));
      if (csr >= 0x3b0 && csr <= 0x3bf) return load<u32>(H_PMPADDR + ((csr - 0x3b0) << 2));
      if (isTriggerCsr(csr)) return triggerCsrRead(csr); // tselect, tdata1..3, tinfo
      // mhpmcounter3..31(h), mhpmevent3..31: implemented as hard-wired zero
      if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0xb83 && csr <= 0xb9f) || (csr >= 0x323 && csr <= 0x33f)) return 0;
  }
  illegal = true;
  return 0;
}

/** Returns true when the write may change which interrupt is taken or how memory translates. */
function csrWrite(csr: u32, v: u32, priv: u32): bool {
  switch (csr) {
    case 0x100: {
      const ms = load<u32>(H_MSTATUS);
      store<u32>(H_MSTATUS, (ms & ~SSTATUS_MASK) | (v & SSTATUS_MASK));
      return true;
    }
    case 0x104: {
      const d = load<u32>(H_MIDELEG);
      store<u32>(H_MIE, (load<u32>(H_MIE) & ~d) | (v & d));
      return true;
    }
    case 0x105:
      if ((v & 3) < 2) store<u32>(H_STVEC, v);
      return false;
    case 0x106: store<u32>(H_SCOUNTEREN, v); return false;
    case 0x10a: store<u32>(H_SENVCFG, v & 1); return false;
    case 0x140: store<u32>(H_SSCRATCH, v); return false;
    case 0x141: store<u32>(H_SEPC, v & ~1); return false;
    case 0x142: store<u32>(H_SCAUSE, v); return false;
    case 0x143: store<u32>(H_STVAL, v); return false;
    case 0x144: {
      const m = load<u32>(H_MIDELEG) & MIP_SSIP;
      store<u32>(H_MIP, (load<u32>(H_MIP) & ~m) | (v & m));
      return true;
    }
    case 0x180:
      if (priv == PRIV_S && (load<u32>(H_MSTATUS) & MSTATUS_TVM) != 0) break;
      // Only Bare and Sv32 exist in RV32: both values are legal.
      store<u32>(H_SATP, v);
      return true;
    case 0x300: {
      const old = load<u32>(H_MSTATUS);
      let nv = (old & ~MSTATUS_WRITABLE) | (v & MSTATUS_WRITABLE);
      if ((nv & MSTATUS_MPP) == (2 << 11)) nv = (nv & ~MSTATUS_MPP) | (old & MSTATUS_MPP); // H is absent
      store<u32>(H_MSTATUS, nv);
      return true;
    }
    case 0x301: return false; // misa: WARL, the extensions cannot be turned off
    case 0x302: store<u32>(H_MEDELEG, v & DELEGABLE_EXCEPTIONS); return false;
    case 0x303: store<u32>(H_MIDELEG, v & S_INTERRUPTS); return true;
    case 0x304: store<u32>(H_MIE, v & ALL_INTERRUPTS); return true;
    case 0x305:
      if ((v & 3) < 2) store<u32>(H_MTVEC, v);
      return false;
    case 0x306: store<u32>(H_MCOUNTEREN, v); return false;
    case 0x30a: store<u32>(H_MENVCFG, v & 1); return false;
    case 0x310: return false;
    case 0x31a: return false;
    case 0x320: {
      // Stopping or restarting a counter keeps its value.
      const cy = cycles();
      const ir = instrets();
      store<u32>(H_MCOUNTINHIBIT, v & ~2);
      setCounter(H_CYCLE_OFFSET, CY, cy);
      setCounter(H_INSTRET_OFFSET, IR, ir);
      return false;
    }
    case 0x340: store<u32>(H_MSCRATCH, v); return false;
    case 0x341: store<u32>(H_MEPC, v & ~1); return false;
    case 0x342: store<u32>(H_MCAUSE, v); return false;
    case 0x343: store<u32>(H_MTVAL, v); return false;
    case 0x344:
      store<u32>(H_MIP, (load<u32>(H_MIP) & ~S_INTERRUPTS) | (v & S_INTERRUPTS));
      return true;
    case 0xb00: writeCounter(H_CYCLE_OFFSET, CY, (cycles() & 0xffff_ffff_0000_0000) | <u64>v); return false;
    case 0xb80: writeCounter(H_CYCLE_OFFSET, CY, (cycles() & 0xffff_ffff) | (<u64>v << 32)); return false;
    case 0xb02: writeCounter(H_INSTRET_OFFSET, IR, (instrets() & 0xffff_ffff_0000_0000) | <u64>v); return false;
    case 0xb82: writeCounter(H_INSTRET_OFFSET, IR, (instrets() & 0xffff_ffff) | (<u64>v << 32)); return false;
    default:
      if (csr >= 0x3a0 && csr <= 0x3a3) {
        store<u32>(H_PMPCFG + ((csr - 0x3a0) << 2), v);
        return false;
      }
      if (csr >= 0x3b0 && csr <= 0x3bf) {
        store<u32>(H_PMPADDR + ((csr - 0x3b0) << 2), v);
        return false;
      }
      if (isTriggerCsr(csr)) {
        // Arming or disarming a trigger changes how the run loop and the TLBs work: end the chunk.
        triggerCsrWrite(csr, v);
        return true;
      }
      if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0xb83 && csr <= 0xb9f) || (csr >= 0x323 && csr <= 0x33f)) return false;
  }
  illegal = true;
  return false;
}

function csrGroup(csr: u32): u32 {
  if ((csr >= 0xc00 && csr <= 0xc9f) || (csr >= 0xb00 && csr <= 0xb9f) || (csr >= 0x320 && csr <= 0x33f)) return EXIT_CSR_COUNTERS;
  if (csr == 0x180) return EXIT_CSR_SATP;
  if (csr >= 0x3a0 && csr <= 0x3ef) return EXIT_CSR_PMP;
  if ((csr & 0x300) == 0x100) return EXIT_CSR_SUPERVISOR;
  if ((csr & 0x300) == 0x300) return EXIT_CSR_MACHINE;
  return EXIT_CSR_OTHER;
}

/**
 * Executes CSRRW/CSRRS/CSRRC and their immediate forms. Raises an illegal-instruction
 * exception (via mmu.raise) on a CSR that is absent, too privileged or read-only.
 * Returns true when the caller must re-check interrupts and translation before going on.
 */
export function csrInstruction(inst: u32): bool {
  const csr = inst >>> 20;
  const f3 = (inst >>> 12) & 7;
  const rd = (inst >>> 7) & 31;
  const rs1 = (inst >>> 15) & 31;
  const priv = load<u32>(H_PRIV);
  illegal = priv < ((csr >>> 8) & 3);
  const src = f3 >= 5 ? rs1 : load<u32>(rs1 << 2);
  const op = f3 & 3;
  const writes = op == 1 || rs1 != 0;
  if (!illegal && writes && (csr >>> 10) == 3) illegal = true;
  let old: u32 = 0;
  if (!illegal && (op != 1 || rd != 0)) old = csrRead(csr, priv);
  let recheck = false;
  if (!illegal && writes) {
    // mip's read value includes the device lines (SEIP from the PLIC), but a set or clear
    // writes back only the software-writable bits as software last left them (spec 3.1.9).
    const base = csr == 0x344 ? load<u32>(H_MIP) : old;
    const nv = op == 1 ? src : op == 2 ? base | src : base & ~src;
    recheck = csrWrite(csr, nv, priv);
  }
  countExit(csrGroup(csr));
  if (illegal) {
    raise(EXC_ILLEGAL, inst);
    return false;
  }
  if (rd != 0) store<u32>(rd << 2, old);
  if (recheck) contextChanged();
  return recheck;
}

