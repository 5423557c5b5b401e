// The hot loop: fetch, decode and execute RV32IMAC instructions of the guest that is switched in.
//
// Kept flat on purpose: registers are loads and stores at constant addresses (register n at
// n*4, see hart.ts), loads and stores hit the software TLB inline, the fetch page and its host
// addend live in locals, and the countdown is a local. Everything unusual (TLB miss, MMIO,
// CSR, trap, xRET) leaves through a call to a slow path, after publishing the countdown so that
// counters stay exact.

import {
  H_PC, H_PRIV, H_MSTATUS, H_RESERVATION, H_RESERVATION_VALID, H_WFI, TLB_READ, TLB_WRITE,
  EXC_BREAKPOINT, EXC_ECALL_U, EXC_ILLEGAL, MSTATUS_TSR, MSTATUS_TVM, MSTATUS_TW, PRIV_M, PRIV_S, PRIV_U,
} from "./hart";
import { ACC_READ, ACC_WRITE, atomicHost, clearExc, fetchAddend, fetchUpperHalf, gExc, gTval, loadSlow, raise, storeSlow } from "./mmu";
import { publishLeft } from "./counters";
import { csrInstruction } from "./csr";
import { mret, sret, takeTrap, wakeUpPending } from "./trap";
import { flushTlbPage, forgetContext } from "./tlbcontext";
import { gStop, STOP_NONE } from "./stop";
import { gSbiRetry, kernelMode, sbiCall } from "./sbi";
import { countExit, EXIT_MRET, EXIT_SFENCE_VMA, EXIT_SRET, EXIT_WFI } from "./exits";
import { CHECK_FETCH, CHECK_LOAD, CHECK_STORE, checkPc, checkRam, cover } from "./checked";
import { COV_FETCH_PAGE_END, COV_SFENCE_ADDRESS, COV_SFENCE_ALL } from "./coverage";
import { gJitOn, jitRun } from "./jit";

// In the checked build, every host address the hot loop forms from a TLB addend is checked
// against the guest's RAM window first (checked.ts); in the release build these are nothing.
@inline function ld32(host: u32): u32 {
  checkRam(CHECK_LOAD, host, 4);
  return load<u32>(host);
}
@inline function ld16(host: u32): u32 {
  checkRam(CHECK_LOAD, host, 2);
  return <u32>load<u16>(host);
}
@inline function ld8(host: u32): u32 {
  checkRam(CHECK_LOAD, host, 1);
  return <u32>load<u8>(host);
}
@inline function st32(host: u32, v: u32): void {
  checkRam(CHECK_STORE, host, 4);
  store<u32>(host, v);
}
@inline function st16(host: u32, v: u32): void {
  checkRam(CHECK_STORE, host, 2);
  store<u16>(host, <u16>v);
}
@inline function st8(host: u32, v: u32): void {
  checkRam(CHECK_STORE, host, 1);
  store<u8>(host, <u8>v);
}
@inline function fetch32(host: u32): u32 {
  checkRam(CHECK_FETCH, host, 4);
  return load<u32>(host);
}
@inline function fetch16(host: u32): u32 {
  checkRam(CHECK_FETCH, host, 2);
  return <u32>load<u16>(host);
}

/** Takes the pending exception (gExc) for the instruction at pc; returns the handler's PC. */
function trapAt(pc: u32, left: u32): u32 {
  publishLeft(left);
  const cause = <u32>gExc;
  clearExc();
  takeTrap(cause, gTval, pc);
  return load<u32>(H_PC);
}

function illegalAt(pc: u32, bits: u32, left: u32): u32 {
  raise(EXC_ILLEGAL, bits);
  return trapAt(pc, left);
}

@inline function x(off: u32): u32 {
  return load<u32>(off);
}
@inline function setX(off: u32, v: u32): void {
  store<u32>(off, v);
}
@inline function sext(v: u32, bits: u32): u32 {
  return <u32>((<i32>(v << (32 - bits))) >> (32 - bits));
}

/**
 * Runs up to n instructions; returns how many of them were NOT executed (non-zero when the chunk
 * ended early: a CSR write, xRET or WFI that may change interrupts, or a device's stop request).
 */
export function runChunk(n: u32): u32 {
  // Every write of H_PC keeps bit 0 clear (xRET targets, trap vectors, host setters); an odd PC
  // would let the fetch below read past the end of a page, so the checked build asserts it.
  let pc = load<u32>(H_PC);
  checkPc(pc);
  pc &= ~1;
  // fetchPage = pc + 0x1000 means "invalid": it makes the next fetch miss whatever pc is.
  let fetchPage: u32 = pc + 0x1000;
  let fetchAdd: u32 = 0;
  let k = n;
  let rest: u32 = 0;
  while (k != 0) {
    let inst: u32;
    // One unsigned compare covers both "still in the cached fetch page" and "not in its last
    // halfword", where a 32-bit instruction could straddle two pages.
    if (pc - fetchPage < 0xffe) {
      inst = fetch32(pc + fetchAdd);
    } else {
      // Every trap and xRET invalidates the fetch page, so this is where a stop requested by a
      // slow path (a stuck guest, a full console) takes effect without a check on the fast path.
      if (gStop != STOP_NONE) {
        rest = k;
        break;
      }
      if ((pc & 0xffff_f000) != fetchPage) {
        publishLeft(k);
        fetchAdd = fetchAddend(pc);
        if (gExc >= 0) {
          pc = trapAt(pc, k);
          fetchPage = pc + 0x1000;
          k--;
          continue;
        }
        fetchPage = pc & 0xffff_f000;
      }
      if ((pc & 0xfff) != 0xffe) {
        checkPc(pc);
        inst = fetch32(pc + fetchAdd);
      } else {
        cover(COV_FETCH_PAGE_END);
        inst = fetch16(pc + fetchAdd);
        if ((inst & 3) == 3) {
          publishLeft(k);
          const hi = fetchUpperHalf(pc + 2);
          if (gExc >= 0) {
            pc = trapAt(pc, k);
            fetchPage = pc + 0x1000;
            k--;
            continue;
          }
          inst |= hi << 16;
        }
      }
    }
    store<u32>(0, 0); // x0 reads as zero whatever the last instruction wrote to it
    const q = inst & 3;
    const op = q == 3 ? (inst >>> 2) & 31 : 32 | (q << 3) | ((inst >>> 13) & 7);
    const rd = (inst >>> 5) & 0x7c;
    switch (op) {
      // ---------------- RV32I / M / A, 32-bit encodings ----------------
      case 0: { // LOAD
        const va = x((inst >>> 13) & 0x7c) + <u32>(<i32>inst >> 20);
        const e = TLB_READ + ((va >>> 9) & 0x7f8);
        const f3 = (inst >>> 12) & 7;
        let v: u32 = 0;
        if (f3 == 2) {
          if (load<u32>(e) == (va & 0xffff_f003)) v = ld32(va + load<u32>(e, 4));
          else { publishLeft(k); v = loadSlow(va, 4); if (gStop != STOP_NONE && gExc < 0) { rest = k - 1; k = 1; } }
        } else if (f3 == 4 || f3 == 0) {
          if (load<u32>(e) == (va & 0xffff_f000)) v = ld8(va + load<u32>(e, 4));
          else { publishLeft(k); v = loadSlow(va, 1); if (gStop != STOP_NONE && gExc < 0) { rest = k - 1; k = 1; } }
          if (f3 == 0) v = sext(v, 8);
        } else if (f3 == 5 || f3 == 1) {
          if (load<u32>(e) == (va & 0xffff_f001)) v = ld16(va + load<u32>(e, 4));
          else { publishLeft(k); v = loadSlow(va, 2); if (gStop != STOP_NONE && gExc < 0) { rest = k - 1; k = 1; } }
          if (f3 == 1) v = sext(v, 16);
        } else {
          pc = illegalAt(pc, inst, k);
          fetchPage = pc + 0x1000;
          break;
        }
        if (gExc >= 0) {
          pc = trapAt(pc, k);
          fetchPage = pc + 0x1000;
          break;
        }
        setX(rd, v);
        pc += 4;
        break;
      }
      case 3: { // MISC-MEM: FENCE, FENCE.I (no decoded-instruction cache to invalidate)
        const f3 = (inst >>> 12) & 7;
        if (f3 > 1) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
        pc += 4;
        break;
      }
      case 4: { // OP-IMM
        const a = x((inst >>> 13) & 0x7c);
        const imm = <u32>(<i32>inst >> 20);
        const f3 = (inst >>> 12) & 7;
        const f7 = inst >>> 25;
        let v: u32 = 0;
        let bad = false;
        switch (f3) {
          case 0: v = a + imm; break;
          case 2: v = <i32>a < <i32>imm ? 1 : 0; break;
          case 3: v = a < imm ? 1 : 0; break;
          case 4: v = a ^ imm; break;
          case 6: v = a | imm; break;
          case 7: v = a & imm; break;
          case 1:
            bad = f7 != 0;
            v = a << (imm & 31);
            break;
          default: // 5
            bad = f7 != 0 && f7 != 0x20;
            v = f7 == 0 ? a >>> (imm & 31) : <u32>(<i32>a >> (imm & 31));
        }
        if (bad) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
        setX(rd, v);
        pc += 4;
        break;
      }
      case 5: // AUIPC
        setX(rd, pc + (inst & 0xffff_f000));
        pc += 4;
        break;
      case 8: { // STORE
        const va = x((inst >>> 13) & 0x7c) + <u32>(((<i32>inst >> 25) << 5) | ((inst >>> 7) & 0x1f));
        const v = x((inst >>> 18) & 0x7c);
        const e = TLB_WRITE + ((va >>> 9) & 0x7f8);
        const f3 = (inst >>> 12) & 7;
        if (f3 == 2) {
          if (load<u32>(e) == (va & 0xffff_f003)) { st32(va + load<u32>(e, 4), v); pc += 4; break; }
          publishLeft(k);
          storeSlow(va, 4, v);
        } else if (f3 == 0) {
          if (load<u32>(e) == (va & 0xffff_f000)) { st8(va + load<u32>(e, 4), v); pc += 4; break; }
          publishLeft(k);
          storeSlow(va, 1, v);
        } else if (f3 == 1) {
          if (load<u32>(e) == (va & 0xffff_f001)) { st16(va + load<u32>(e, 4), v); pc += 4; break; }
          publishLeft(k);
          storeSlow(va, 2, v);
        } else {
          pc = illegalAt(pc, inst, k);
          fetchPage = pc + 0x1000;
          break;
        }
        if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
        pc += 4;
        if (gStop != STOP_NONE) { rest = k - 1; k = 1; }
        break;
      }
      case 11: { // AMO
        const f5 = inst >>> 27;
        if (((inst >>> 12) & 7) != 2) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
        const va = x((inst >>> 13) & 0x7c);
        const src = x((inst >>> 18) & 0x7c);
        publishLeft(k);
        if (f5 == 2) { // LR.W
          if (((inst >>> 20) & 31) != 0) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
          const h = atomicHost(va, ACC_READ);
          if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
          const v = ld32(h);
          store<u32>(H_RESERVATION, va);
          store<u32>(H_RESERVATION_VALID, 1);
          setX(rd, v);
          pc += 4;
          if (gStop != STOP_NONE) { rest = k - 1; k = 1; }
          break;
        }
        if (f5 == 3) { // SC.W
          if (load<u32>(H_RESERVATION_VALID) != 0 && load<u32>(H_RESERVATION) == va) {
            const h = atomicHost(va, ACC_WRITE);
            if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
            st32(h, src);
            setX(rd, 0);
          } else {
            setX(rd, 1);
          }
          store<u32>(H_RESERVATION_VALID, 0);
          pc += 4;
          if (gStop != STOP_NONE) { rest = k - 1; k = 1; }
          break;
        }
        if (f5 != 0 && f5 != 1 && f5 != 4 && f5 != 8 && f5 != 12 && f5 != 16 && f5 != 20 && f5 != 24 && f5 != 28) {
          pc = illegalAt(pc, inst, k);
          fetchPage = pc + 0x1000;
          break;
        }
        const h = atomicHost(va, ACC_WRITE);
        if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
        const old = ld32(h);
        let nv: u32;
        switch (f5) {
          case 0: nv = old + src; break;
          case 1: nv = src; break;
          case 4: nv = old ^ src; break;
          case 8: nv = old | src; break;
          case 12: nv = old & src; break;
          case 16: nv = <i32>old < <i32>src ? old : src; break;
          case 20: nv = <i32>old > <i32>src ? old : src; break;
          case 24: nv = old < src ? old : src; break;
          default: nv = old > src ? old : src; break;
        }
        st32(h, nv);
        setX(rd, old);
        pc += 4;
        if (gStop != STOP_NONE) { rest = k - 1; k = 1; }
        break;
      }
      case 12: { // OP and M
        const a = x((inst >>> 13) & 0x7c);
        const b = x((inst >>> 18) & 0x7c);
        const f3 = (inst >>> 12) & 7;
        const f7 = inst >>> 25;
        let v: u32 = 0;
        if (f7 == 0) {
          switch (f3) {
            case 0: v = a + b; break;
            case 1: v = a << (b & 31); break;
            case 2: v = <i32>a < <i32>b ? 1 : 0; break;
            case 3: v = a < b ? 1 : 0; break;
            case 4: v = a ^ b; break;
            case 5: v = a >>> (b & 31); break;
            case 6: v = a | b; break;
            default: v = a & b; break;
          }
        } else if (f7 == 1) {
          switch (f3) {
            case 0: v = a * b; break;
            case 1: v = <u32>((<i64><i32>a * <i64><i32>b) >> 32); break;
            case 2: v = <u32>((<i64><i32>a * <i64><u64>b) >> 32); break;
            case 3: v = <u32>((<u64>a * <u64>b) >> 32); break;
            case 4:
              if (b == 0) v = 0xffff_ffff;
              else if (a == 0x8000_0000 && b == 0xffff_ffff) v = a;
              else v = <u32>(<i32>a / <i32>b);
              break;
            case 5: v = b == 0 ? 0xffff_ffff : a / b; break;
            case 6:
              if (b == 0) v = a;
              else if (a == 0x8000_0000 && b == 0xffff_ffff) v = 0;
              else v = <u32>(<i32>a % <i32>b);
              break;
            default: v = b == 0 ? a : a % b; break;
          }
        } else if (f7 == 0x20 && f3 == 0) {
          v = a - b;
        } else if (f7 == 0x20 && f3 == 5) {
          v = <u32>(<i32>a >> (b & 31));
        } else {
          pc = illegalAt(pc, inst, k);
          fetchPage = pc + 0x1000;
          break;
        }
        setX(rd, v);
        pc += 4;
        break;
      }
      case 13: // LUI
        setX(rd, inst & 0xffff_f000);
        pc += 4;
        break;
      case 24: { // BRANCH
        const a = x((inst >>> 13) & 0x7c);
        const b = x((inst >>> 18) & 0x7c);
        const f3 = (inst >>> 12) & 7;
        let taken: bool;
        switch (f3) {
          case 0: taken = a == b; break;
          case 1: taken = a != b; break;
          case 4: taken = <i32>a < <i32>b; break;
          case 5: taken = <i32>a >= <i32>b; break;
          case 6: taken = a < b; break;
          case 7: taken = a >= b; break;
          default:
            pc = illegalAt(pc, inst, k);
            fetchPage = pc + 0x1000;
            k--;
            continue; // BRANCH with funct3 2 or 3 is reserved
        }
        if (taken) {
          pc += <u32>(((<i32>(inst & 0x8000_0000)) >> 19) | <i32>((inst & 0x80) << 4) | <i32>((inst >>> 20) & 0x7e0) | <i32>((inst >>> 7) & 0x1e));
        } else {
          pc += 4;
        }
        if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
          const ran = jitRun(pc, k - 1);
          if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
        }
        break;
      }
      case 25: { // JALR
        if (((inst >>> 12) & 7) != 0) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
        const t = (x((inst >>> 13) & 0x7c) + <u32>(<i32>inst >> 20)) & ~1;
        setX(rd, pc + 4);
        pc = t;
        if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
          const ran = jitRun(pc, k - 1);
          if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
        }
        break;
      }
      case 27: { // JAL
        setX(rd, pc + 4);
        pc += <u32>(((<i32>(inst & 0x8000_0000)) >> 11) | <i32>(inst & 0xff000) | <i32>((inst >>> 9) & 0x800) | <i32>((inst >>> 20) & 0x7fe));
        if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
          const ran = jitRun(pc, k - 1);
          if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
        }
        break;
      }
      case 28: { // SYSTEM
        const f3 = (inst >>> 12) & 7;
        publishLeft(k);
        if (f3 == 0) {
          const priv = load<u32>(H_PRIV);
          if (inst == 0x0000_0073) { // ECALL
            if (priv == PRIV_S && kernelMode()) {
              // A hypercall: the hypervisor is this guest's firmware.
              sbiCall();
              if (!gSbiRetry) pc += 4;
              // A call may make an interrupt pending (set_timer, send_ipi): end the chunk so
              // that it is taken right after the call, as on real firmware.
              fetchPage = pc + 0x1000;
              rest = k - 1;
              k = 1;
              break;
            }
            raise(EXC_ECALL_U + priv, 0);
            pc = trapAt(pc, k);
          } else if (inst == 0x0010_0073) { // EBREAK
            raise(EXC_BREAKPOINT, 0); // mtval 0 on EBREAK, as QEMU 7.2
            pc = trapAt(pc, k);
          } else if (inst == 0x3020_0073) { // MRET
            if (priv != PRIV_M) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
            countExit(EXIT_MRET);
            mret();
            pc = load<u32>(H_PC);
            rest = k - 1;
            k = 1;
          } else if (inst == 0x1020_0073) { // SRET
            if (priv == PRIV_U || (priv == PRIV_S && (load<u32>(H_MSTATUS) & MSTATUS_TSR) != 0)) {
              pc = illegalAt(pc, inst, k);
              fetchPage = pc + 0x1000;
              break;
            }
            countExit(EXIT_SRET);
            sret();
            pc = load<u32>(H_PC);
            rest = k - 1;
            k = 1;
          } else if (inst == 0x1050_0073) { // WFI
            if (priv == PRIV_U || (priv == PRIV_S && (load<u32>(H_MSTATUS) & MSTATUS_TW) != 0)) {
              pc = illegalAt(pc, inst, k);
              fetchPage = pc + 0x1000;
              break;
            }
            countExit(EXIT_WFI);
            pc += 4;
            if (!wakeUpPending()) {
              store<u32>(H_WFI, 1);
              rest = k - 1;
              k = 1;
            }
          } else if ((inst & 0xfe00_7fff) == 0x1200_0073) { // SFENCE.VMA
            if (priv == PRIV_U || (priv == PRIV_S && (load<u32>(H_MSTATUS) & MSTATUS_TVM) != 0)) {
              pc = illegalAt(pc, inst, k);
              fetchPage = pc + 0x1000;
              break;
            }
            countExit(EXIT_SFENCE_VMA);
            const rs1 = (inst >>> 15) & 31;
            // With an address, only that page's entries go: Linux fences page by page while it
            // builds its linear map, and a full flush each time would refill everything.
            if (rs1 != 0) {
              cover(COV_SFENCE_ADDRESS);
              flushTlbPage(x(rs1 << 2));
            } else {
              cover(COV_SFENCE_ALL);
              forgetContext();
            }
            pc += 4;
          } else {
            pc = illegalAt(pc, inst, k);
          }
          fetchPage = pc + 0x1000;
          break;
        }
        if (f3 == 4) { pc = illegalAt(pc, inst, k); fetchPage = pc + 0x1000; break; }
        const recheck = csrInstruction(inst);
        if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
        pc += 4;
        if (recheck) {
          fetchPage = pc + 0x1000;
          rest = k - 1;
          k = 1;
        }
        break;
      }

      // ---------------- RV32C, quadrant 0 ----------------
      case 32: { // C.ADDI4SPN
        const imm = ((inst >>> 7) & 0x30) | ((inst >>> 1) & 0x3c0) | ((inst >>> 4) & 0x4) | ((inst >>> 2) & 0x8);
        if (imm == 0) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
        setX((inst & 0x1c) + 32, x(8) + imm);
        pc += 2;
        break;
      }
      case 34: { // C.LW
        const va = x(((inst >>> 5) & 0x1c) + 32) + (((inst >>> 7) & 0x38) | ((inst >>> 4) & 0x4) | ((inst << 1) & 0x40));
        const e = TLB_READ + ((va >>> 9) & 0x7f8);
        let v: u32;
        if (load<u32>(e) == (va & 0xffff_f003)) v = ld32(va + load<u32>(e, 4));
        else {
          publishLeft(k);
          v = loadSlow(va, 4);
          if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
          if (gStop != STOP_NONE) { rest = k - 1; k = 1; } // the RAM map changed (ram.ts): refetch
        }
        setX((inst & 0x1c) + 32, v);
        pc += 2;
        break;
      }
      case 38: { // C.SW
        const va = x(((inst >>> 5) & 0x1c) + 32) + (((inst >>> 7) & 0x38) | ((inst >>> 4) & 0x4) | ((inst << 1) & 0x40));
        const v = x((inst & 0x1c) + 32);
        const e = TLB_WRITE + ((va >>> 9) & 0x7f8);
        if (load<u32>(e) == (va & 0xffff_f003)) { st32(va + load<u32>(e, 4), v); pc += 2; break; }
        publishLeft(k);
        storeSlow(va, 4, v);
        if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
        pc += 2;
        if (gStop != STOP_NONE) { rest = k - 1; k = 1; }
        break;
      }

      // ---------------- RV32C, quadrant 1 ----------------
      case 40: { // C.ADDI (C.NOP)
        const imm = sext(((inst >>> 2) & 0x1f) | ((inst >>> 7) & 0x20), 6);
        setX(rd, x(rd) + imm);
        pc += 2;
        break;
      }
      case 41: // C.JAL
      case 45: { // C.J
        const off = ((inst >>> 1) & 0x800) | ((inst >>> 7) & 0x10) | ((inst >>> 1) & 0x300) | ((inst << 2) & 0x400) |
          ((inst >>> 1) & 0x40) | ((inst << 1) & 0x80) | ((inst >>> 2) & 0xe) | ((inst << 3) & 0x20);
        if (op == 41) setX(4, pc + 2);
        pc += sext(off, 12);
        if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
          const ran = jitRun(pc, k - 1);
          if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
        }
        break;
      }
      case 42: // C.LI
        setX(rd, sext(((inst >>> 2) & 0x1f) | ((inst >>> 7) & 0x20), 6));
        pc += 2;
        break;
      case 43: { // C.ADDI16SP / C.LUI
        if (rd == 8) {
          const imm = ((inst >>> 3) & 0x200) | ((inst >>> 2) & 0x10) | ((inst << 1) & 0x40) | ((inst << 4) & 0x180) | ((inst << 3) & 0x20);
          if (imm == 0) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
          setX(8, x(8) + sext(imm, 10));
        } else {
          const imm = ((inst >>> 2) & 0x1f) | ((inst >>> 7) & 0x20);
          if (imm == 0) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
          setX(rd, sext(imm, 6) << 12);
        }
        pc += 2;
        break;
      }
      case 44: { // C.SRLI, C.SRAI, C.ANDI, C.SUB, C.XOR, C.OR, C.AND
        const r = ((inst >>> 5) & 0x1c) + 32;
        const f2 = (inst >>> 10) & 3;
        const a = x(r);
        if (f2 == 2) {
          setX(r, a & sext(((inst >>> 2) & 0x1f) | ((inst >>> 7) & 0x20), 6));
        } else if (f2 < 2) {
          if (inst & 0x1000) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
          const sh = (inst >>> 2) & 0x1f;
          setX(r, f2 == 0 ? a >>> sh : <u32>(<i32>a >> sh));
        } else {
          if (inst & 0x1000) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
          const b = x((inst & 0x1c) + 32);
          const f = (inst >>> 5) & 3;
          setX(r, f == 0 ? a - b : f == 1 ? a ^ b : f == 2 ? a | b : a & b);
        }
        pc += 2;
        break;
      }
      case 46: // C.BEQZ
      case 47: { // C.BNEZ
        const a = x(((inst >>> 5) & 0x1c) + 32);
        if ((a == 0) == (op == 46)) {
          const off = ((inst >>> 4) & 0x100) | ((inst >>> 7) & 0x18) | ((inst << 1) & 0xc0) | ((inst >>> 2) & 0x6) | ((inst << 3) & 0x20);
          pc += sext(off, 9);
        } else {
          pc += 2;
        }
        if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
          const ran = jitRun(pc, k - 1);
          if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
        }
        break;
      }

      // ---------------- RV32C, quadrant 2 ----------------
      case 48: { // C.SLLI
        if (inst & 0x1000) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
        setX(rd, x(rd) << ((inst >>> 2) & 0x1f));
        pc += 2;
        break;
      }
      case 50: { // C.LWSP
        if (rd == 0) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
        const va = x(8) + (((inst >>> 7) & 0x20) | ((inst >>> 2) & 0x1c) | ((inst << 4) & 0xc0));
        const e = TLB_READ + ((va >>> 9) & 0x7f8);
        let v: u32;
        if (load<u32>(e) == (va & 0xffff_f003)) v = ld32(va + load<u32>(e, 4));
        else {
          publishLeft(k);
          v = loadSlow(va, 4);
          if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
          if (gStop != STOP_NONE) { rest = k - 1; k = 1; } // the RAM map changed (ram.ts): refetch
        }
        setX(rd, v);
        pc += 2;
        break;
      }
      case 52: { // C.JR, C.MV, C.EBREAK, C.JALR, C.ADD
        const rs2 = inst & 0x7c;
        if ((inst & 0x1000) == 0) {
          if (rs2 == 0) {
            if (rd == 0) { pc = illegalAt(pc, inst & 0xffff, k); fetchPage = pc + 0x1000; break; }
            pc = x(rd) & ~1; // C.JR
            if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
              const ran = jitRun(pc, k - 1);
              if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
            }
          } else {
            setX(rd, x(rs2)); // C.MV
            pc += 2;
          }
        } else if (rs2 == 0) {
          if (rd == 0) { // C.EBREAK
            publishLeft(k);
            raise(EXC_BREAKPOINT, 0); // mtval 0 on EBREAK, as QEMU 7.2
            pc = trapAt(pc, k);
            fetchPage = pc + 0x1000;
            break;
          }
          const t = x(rd) & ~1; // C.JALR
          setX(4, pc + 2);
          pc = t;
          if (gJitOn && k > 1) { // translated blocks start at control transfers (jit.ts)
            const ran = jitRun(pc, k - 1);
            if (ran != 0) { pc = load<u32>(H_PC); k -= ran; fetchPage = pc + 0x1000; }
          }
        } else {
          setX(rd, x(rd) + x(rs2)); // C.ADD
          pc += 2;
        }
        break;
      }
      case 54: { // C.SWSP
        const va = x(8) + (((inst >>> 7) & 0x3c) | ((inst >>> 1) & 0xc0));
        const v = x(inst & 0x7c);
        const e = TLB_WRITE + ((va >>> 9) & 0x7f8);
        if (load<u32>(e) == (va & 0xffff_f003)) { st32(va + load<u32>(e, 4), v); pc += 2; break; }
        publishLeft(k);
        storeSlow(va, 4, v);
        if (gExc >= 0) { pc = trapAt(pc, k); fetchPage = pc + 0x1000; break; }
        pc += 2;
        if (gStop != STOP_NONE) { rest = k - 1; k = 1; }
        break;
      }
      default:
        // Reserved and absent encodings: F/D loads, stores and ops, 64-bit forms, custom opcodes.
        pc = illegalAt(pc, q == 3 ? inst : inst & 0xffff, k);
        fetchPage = pc + 0x1000;
    }
    k--;
  }
  store<u32>(H_PC, pc);
  return rest;
}
