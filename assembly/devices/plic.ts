// Platform-Level Interrupt Controller at 0x0C00_0000, as on QEMU's virt board with one hart:
// context 0 is the hart's M-mode (drives MEIP), context 1 its S-mode (drives SEIP).
// Sources are level-triggered: a source is pending while its device holds the line high and
// it has not been claimed; it can interrupt again once the handler completes it.

import { gBlock } from "../guests";
import { H_MIP_HW, MIP_MEIP, MIP_SEIP } from "../hart";
import { uartIrqLevel, UART_IRQ } from "./uart16550";
import { vnetIrqLevel, VNET_IRQ } from "./virtio_net";

export const PLIC_BASE: u32 = 0x0c00_0000;
export const PLIC_SIZE: u32 = 0x60_0000;

const P_PRIORITY: u32 = 0x500; // 32 x u32, source 0 unused
const P_CLAIMED: u32 = 0x584;
const P_ENABLE: u32 = 0x588; // 2 contexts x u32
const P_THRESHOLD: u32 = 0x590; // 2 contexts x u32
const MAX_PRIORITY: u32 = 7;
const CONTEXTS: u32 = 2;

export function plicReset(): void {
  memory.fill(gBlock + P_PRIORITY, 0, 0x100);
}

/** Bit n set while source n's line is high. */
function levels(): u32 {
  return (uartIrqLevel() ? 1 << UART_IRQ : 0) | (vnetIrqLevel() ? 1 << VNET_IRQ : 0);
}

/** The source context ctx would get on a claim, or 0. */
function best(ctx: u32): u32 {
  const ready = levels() & ~load<u32>(gBlock + P_CLAIMED) & load<u32>(gBlock + P_ENABLE + (ctx << 2));
  if (ready == 0) return 0;
  const threshold = load<u32>(gBlock + P_THRESHOLD + (ctx << 2));
  let id: u32 = 0;
  let prio: u32 = threshold;
  for (let s: u32 = 1; s < 32; s++) {
    if ((ready >> s) & 1) {
      const p = load<u32>(gBlock + P_PRIORITY + (s << 2));
      if (p > prio) {
        prio = p;
        id = s;
      }
    }
  }
  return id;
}

/** Recomputes MEIP and SEIP from the device lines; devices call it when a line may change. */
export function irqUpdate(): void {
  let hw = load<u32>(H_MIP_HW) & ~(MIP_MEIP | MIP_SEIP);
  if (best(0) != 0) hw |= MIP_MEIP;
  if (best(1) != 0) hw |= MIP_SEIP;
  store<u32>(H_MIP_HW, hw);
}

export function plicRead(off: u32): u32 {
  let v: u32 = 0;
  if (off < 0x1000) {
    const s = off >> 2;
    if (s < 32) v = load<u32>(gBlock + P_PRIORITY + (s << 2));
  } else if (off < 0x2000) {
    if (off == 0x1000) v = levels() & ~load<u32>(gBlock + P_CLAIMED);
  } else if (off < 0x20_0000) {
    const ctx = (off - 0x2000) >> 7;
    if (ctx < CONTEXTS && (off & 0x7f) == 0) v = load<u32>(gBlock + P_ENABLE + (ctx << 2));
  } else {
    const ctx = (off - 0x20_0000) >> 12;
    const reg = off & 0xfff;
    if (ctx < CONTEXTS) {
      if (reg == 0) v = load<u32>(gBlock + P_THRESHOLD + (ctx << 2));
      else if (reg == 4) {
        v = best(ctx);
        if (v != 0) store<u32>(gBlock + P_CLAIMED, load<u32>(gBlock + P_CLAIMED) | (1 << v));
        irqUpdate();
      }
    }
  }
  return v;
}

export function plicWrite(off: u32, v: u32): void {
  if (off < 0x1000) {
    const s = off >> 2;
    if (s > 0 && s < 32) store<u32>(gBlock + P_PRIORITY + (s << 2), v & MAX_PRIORITY);
  } else if (off < 0x2000) {
    // pending bits are read-only
  } else if (off < 0x20_0000) {
    const ctx = (off - 0x2000) >> 7;
    if (ctx < CONTEXTS && (off & 0x7f) == 0) store<u32>(gBlock + P_ENABLE + (ctx << 2), v & ~1);
  } else {
    const ctx = (off - 0x20_0000) >> 12;
    const reg = off & 0xfff;
    if (ctx < CONTEXTS) {
      if (reg == 0) {
        if (v <= MAX_PRIORITY) store<u32>(gBlock + P_THRESHOLD + (ctx << 2), v);
      } else if (reg == 4) {
        // Completion of a source this context may take: the gateway may forward it again.
        if (v < 32 && ((load<u32>(gBlock + P_ENABLE + (ctx << 2)) >> v) & 1) != 0) {
          store<u32>(gBlock + P_CLAIMED, load<u32>(gBlock + P_CLAIMED) & ~(1 << v));
        }
      }
    }
  }
  irqUpdate();
}
