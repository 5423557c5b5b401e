// The guest's physical address space outside RAM: which device answers an address, the way
// QEMU's virt board wires them. An address nobody answers, or an access of a width the device
// does not accept, is a bus error that the caller turns into an access fault in the guest.

import { CLINT_BASE, CLINT_SIZE, clintRead, clintWrite } from "./devices/clint";
import { PLIC_BASE, PLIC_SIZE, plicRead, plicWrite } from "./devices/plic";
import { TEST_BASE, TEST_SIZE, testWrite } from "./devices/sifive_test";
import { PVPANIC_BASE, PVPANIC_SIZE, pvpanicRead, pvpanicWrite } from "./devices/pvpanic";
import { UART_BASE, UART_SIZE, uartRead, uartWrite } from "./devices/uart16550";
import { VIRTIO_BASE, VIRTIO_SLOTS, VIRTIO_SLOT_SIZE, virtioRead, virtioWrite } from "./devices/virtio_mmio";

import {
  countExit, EXIT_MMIO_CLINT_R, EXIT_MMIO_CLINT_W, EXIT_MMIO_PLIC_R, EXIT_MMIO_PLIC_W, EXIT_MMIO_TEST_R,
  EXIT_MMIO_TEST_W, EXIT_MMIO_UART_R, EXIT_MMIO_PVPANIC, EXIT_MMIO_UART_W, EXIT_MMIO_UNMAPPED, EXIT_MMIO_VIRTIO_R, EXIT_MMIO_VIRTIO_W,
} from "./exits";

/** Set when the last bus access hit nothing. */
export let gBusError: bool = false;

export function busRead(pa: u32, size: u32): u32 {
  gBusError = false;
  if (pa - UART_BASE < UART_SIZE) {
    countExit(EXIT_MMIO_UART_R);
    return uartRead(pa - UART_BASE);
  }
  if (pa - CLINT_BASE < CLINT_SIZE && size == 4) {
    countExit(EXIT_MMIO_CLINT_R);
    return clintRead(pa - CLINT_BASE);
  }
  if (pa - PLIC_BASE < PLIC_SIZE && size == 4) {
    countExit(EXIT_MMIO_PLIC_R);
    return plicRead(pa - PLIC_BASE);
  }
  // Registers take 32-bit accesses only; the device configuration (offset 0x100 up) any width.
  if (pa - VIRTIO_BASE < VIRTIO_SLOTS * VIRTIO_SLOT_SIZE && (size == 4 || (pa & 0xfff) >= 0x100)) {
    countExit(EXIT_MMIO_VIRTIO_R);
    return virtioRead(pa - VIRTIO_BASE, size);
  }
  if (pa - TEST_BASE < TEST_SIZE) {
    countExit(EXIT_MMIO_TEST_R);
    return 0;
  }
  if (pa - PVPANIC_BASE < PVPANIC_SIZE) {
    countExit(EXIT_MMIO_PVPANIC);
    return pvpanicRead(pa - PVPANIC_BASE);
  }
  countExit(EXIT_MMIO_UNMAPPED);
  gBusError = true;
  return 0;
}

export function busWrite(pa: u32, size: u32, v: u32): void {
  gBusError = false;
  if (pa - UART_BASE < UART_SIZE) {
    countExit(EXIT_MMIO_UART_W);
    uartWrite(pa - UART_BASE, v);
    return;
  }
  if (pa - CLINT_BASE < CLINT_SIZE && size == 4) {
    countExit(EXIT_MMIO_CLINT_W);
    clintWrite(pa - CLINT_BASE, v);
    return;
  }
  if (pa - PLIC_BASE < PLIC_SIZE && size == 4) {
    countExit(EXIT_MMIO_PLIC_W);
    plicWrite(pa - PLIC_BASE, v);
    return;
  }
  if (pa - VIRTIO_BASE < VIRTIO_SLOTS * VIRTIO_SLOT_SIZE && (size == 4 || (pa & 0xfff) >= 0x100)) {
    countExit(EXIT_MMIO_VIRTIO_W);
    virtioWrite(pa - VIRTIO_BASE, size, v);
    return;
  }
  if (pa - TEST_BASE < TEST_SIZE) {
    countExit(EXIT_MMIO_TEST_W);
    testWrite(pa - TEST_BASE, v);
    return;
  }
  if (pa - PVPANIC_BASE < PVPANIC_SIZE) {
    countExit(EXIT_MMIO_PVPANIC);
    pvpanicWrite(pa - PVPANIC_BASE, v);
    return;
  }
  countExit(EXIT_MMIO_UNMAPPED);
  gBusError = true;
}
