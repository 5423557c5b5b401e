// Running one guest for a budget of instructions: chunks of the hot loop, with the clock,
// pending interrupts and WFI handled between chunks.

import { H_INSTRET, H_MIE, H_PC, H_WFI, MIP_MTIP, MIP_STIP } from "./hart";
import { B_DETERMINISTIC, B_LAST_RUN, B_STATUS, B_TIME_SKIP, STATUS_FAULTED, STATUS_HALTED, STATUS_RESET_REQUESTED, gBlock } from "./guests";
import { clintUpdate, mtimecmp, timerArmed } from "./devices/clint";
import { interruptToTake, takeTrap, wakeUpPending } from "./trap";
import { runChunk } from "./interpreter";
import { sbiTimerArmed, sbiTimerDeadline, sbiTimerUpdate } from "./sbi";
import { mtimeNow, setChunk } from "./counters";
import { clearStop, gStop, STOP_BUDGET, STOP_FAULTED, STOP_HALTED, STOP_NONE, STOP_REFETCH, STOP_RESET, STOP_WFI } from "./stop";
import { execTriggerFires, gTrigExec, triggersRefresh } from "./triggers";

/**
 * Longest run between two looks at the clock and the interrupt lines: short enough that a timer
 * interrupt is late by at most tens of microseconds, long enough that the look costs nothing.
 */
const CHUNK: u32 = 4096;

function deterministic(): bool {
  return load<u32>(gBlock + B_DETERMINISTIC) != 0;
}

const NEVER: u64 = 0xffff_ffff_ffff_ffff;

/** The mtime at which a timer the guest enabled will wake it (CLINT or SBI timer), or NEVER. */
export function nextWake(): u64 {
  const mie = load<u32>(H_MIE);
  let t = NEVER;
  if (timerArmed() && (mie & MIP_MTIP) != 0) t = mtimecmp();
  if (sbiTimerArmed() && (mie & MIP_STIP) != 0 && sbiTimerDeadline() < t) t = sbiTimerDeadline();
  return t;
}

function updateTimers(): void {
  clintUpdate();
  sbiTimerUpdate();
}

/** Runs the switched-in guest for up to budget instructions and says why it stopped. */
export function runGuest(budget: u32): u32 {
  const status = load<u32>(gBlock + B_STATUS);
  store<u32>(gBlock + B_LAST_RUN, 0);
  if (status == STATUS_HALTED) return STOP_HALTED;
  if (status == STATUS_RESET_REQUESTED) return STOP_RESET;
  if (status == STATUS_FAULTED) return STOP_FAULTED;
  clearStop();
  // The armed-trigger flags are the core's, not the guest's: set them for this one (switch, reset, restore).
  triggersRefresh();
  let left = budget;
  let done: u32 = 0;
  let reason = STOP_BUDGET;
  while (left > 0) {
    updateTimers();
    if (load<u32>(H_WFI) != 0) {
      if (!wakeUpPending()) {
        const due = nextWake();
        if (deterministic() && due != NEVER) {
          // Idle time costs nothing in deterministic mode: jump the clock to the deadline.
          const now = mtimeNow();
          if (due > now) store<u64>(gBlock + B_TIME_SKIP, load<u64>(gBlock + B_TIME_SKIP) + (due - now));
          updateTimers();
        } else {
          reason = STOP_WFI;
          break;
        }
      }
      store<u32>(H_WFI, 0);
    }
    const irq = interruptToTake();
    if (irq != 0) takeTrap(irq, 0, load<u32>(H_PC));
    let chunk = left < CHUNK ? left : CHUNK;
    if (gTrigExec) {
      // An execute trigger is armed: one instruction per chunk, its PC checked before it runs.
      // A breakpoint taken here uses a unit of budget, like any trap, but retires nothing (instret).
      if (execTriggerFires()) {
        left--;
        done++;
        if (gStop != STOP_NONE) {
          reason = gStop;
          break;
        }
        continue;
      }
      chunk = 1;
    }
    if (deterministic()) {
      // End the chunk exactly when a timer fires, so the interrupt lands on the same
      // instruction in every run.
      const now = mtimeNow();
      let due = timerArmed() ? mtimecmp() : NEVER;
      if (sbiTimerArmed() && sbiTimerDeadline() < due) due = sbiTimerDeadline();
      if (due > now && due - now < <u64>chunk) chunk = <u32>(due - now);
    }
    setChunk(chunk);
    const rest = runChunk(chunk);
    const ran = chunk - rest;
    store<u64>(H_INSTRET, load<u64>(H_INSTRET) + ran);
    setChunk(0);
    left -= ran;
    done += ran;
    if (gStop == STOP_REFETCH) clearStop(); // a copy-on-write page moved (ram.ts): just go on
    if (gStop != STOP_NONE) {
      reason = gStop;
      break;
    }
  }
  store<u32>(gBlock + B_LAST_RUN, done);
  return reason;
}
