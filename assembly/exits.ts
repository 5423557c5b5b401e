// VM exits, counted per guest and per reason the way kvm_stat shows them. Every count is taken
// on a path that already left the hot loop (MMIO, SBI call, CSR, trap, TLB refill), so keeping
// them always on costs the fast path nothing.
//
// The table lives in the guest's control block: EXIT_COUNT u64 counters. src/core/exits.ts
// names every index; keep the two lists in the same order.

import { gBlock, B_EXIT_COST } from "./guests";
import { chargeExit } from "./counters";

export const EXITS: u32 = 0x0c00;
export const EXIT_COUNT: u32 = 128;

// MMIO, per device and direction
export const EXIT_MMIO_UART_R: u32 = 0;
export const EXIT_MMIO_UART_W: u32 = 1;
export const EXIT_MMIO_CLINT_R: u32 = 2;
export const EXIT_MMIO_CLINT_W: u32 = 3;
export const EXIT_MMIO_PLIC_R: u32 = 4;
export const EXIT_MMIO_PLIC_W: u32 = 5;
export const EXIT_MMIO_TEST_R: u32 = 6;
export const EXIT_MMIO_TEST_W: u32 = 7;
export const EXIT_MMIO_VIRTIO_R: u32 = 8;
export const EXIT_MMIO_VIRTIO_W: u32 = 9;
export const EXIT_MMIO_UNMAPPED: u32 = 10;
// privileged instructions
export const EXIT_CSR_MACHINE: u32 = 11; // M-mode trap setup/handling, machine info
export const EXIT_CSR_SUPERVISOR: u32 = 12; // S-mode trap setup/handling
export const EXIT_CSR_SATP: u32 = 13;
export const EXIT_CSR_COUNTERS: u32 = 14; // cycle, time, instret and friends
export const EXIT_CSR_PMP: u32 = 15;
export const EXIT_CSR_OTHER: u32 = 16;
export const EXIT_MRET: u32 = 17;
export const EXIT_SRET: u32 = 18;
export const EXIT_WFI: u32 = 19;
export const EXIT_SFENCE_VMA: u32 = 20;
export const EXIT_TLB_REFILL: u32 = 21;
export const EXIT_MMIO_PVPANIC: u32 = 22;
/** Exceptions by cause: EXIT_EXCEPTION + cause (0..15). */
export const EXIT_EXCEPTION: u32 = 24;
/** Interrupts injected by cause: EXIT_INTERRUPT + cause (0..11). */
export const EXIT_INTERRUPT: u32 = 40;
/** SBI calls: EXIT_SBI + slot, see sbi.ts for the slots. */
export const EXIT_SBI: u32 = 56;
// virtio-net (devices/virtio_net.ts), by reason; its MMIO accesses also count as virtio-mmio
export const EXIT_VNET_NOTIFY_RX: u32 = 90; // the driver notified the receiveq
export const EXIT_VNET_NOTIFY_TX: u32 = 91; // the driver notified the transmitq
export const EXIT_VNET_CONFIG: u32 = 92; // device configuration space (the MAC) accessed
export const EXIT_VNET_IRQ: u32 = 93; // the device raised its interrupt (used buffers or config change)
export const EXIT_VNET_NEEDS_RESET: u32 = 94; // a malformed virtqueue: DEVICE_NEEDS_RESET

@inline export function countExit(reason: u32): void {
  // A build with `--use EXIT_COUNTING_OFF=1` leaves counting out: bench/exit-cost.mjs compares.
  if (isDefined(EXIT_COUNTING_OFF)) return;
  const p = gBlock + EXITS + (reason << 3);
  store<u64>(p, load<u64>(p) + 1);
  if (load<u32>(gBlock + B_EXIT_COST) != 0) chargeExit(); // the exit-cost model, off by default
}

export function clearExits(): void {
  memory.fill(gBlock + EXITS, 0, EXIT_COUNT << 3);
}
