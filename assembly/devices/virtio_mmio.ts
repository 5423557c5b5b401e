// The eight virtio-mmio transports at 0x1000_1000 + n * 0x1000. Slot 0 holds the network card
// (virtio_net.ts, a modern version-2 transport); the others have no device behind them: like
// QEMU's empty slots they answer with the magic value and device ID 0, which tells a driver
// "nothing here" instead of faulting while it probes.

import { vnetRead, vnetWrite } from "./virtio_net";

export const VIRTIO_BASE: u32 = 0x1000_1000;
export const VIRTIO_SLOTS: u32 = 8;
export const VIRTIO_SLOT_SIZE: u32 = 0x1000;

export function virtioRead(off: u32, size: u32): u32 {
  if (off < VIRTIO_SLOT_SIZE) return vnetRead(off, size);
  if (size != 4) return 0;
  const reg = off & (VIRTIO_SLOT_SIZE - 1);
  if (reg == 0x000) return 0x7472_6976; // "virt"
  if (reg == 0x004) return 1; // QEMU 7.2's default transport version (legacy)
  if (reg == 0x00c) return 0x554d_4551; // vendor "QEMU"
  return 0; // device ID 0: empty slot
}

export function virtioWrite(off: u32, size: u32, v: u32): void {
  if (off < VIRTIO_SLOT_SIZE) vnetWrite(off, size, v);
}
