// Where things live in the instance's WebAssembly memory.
//
//   0x0000_0000  the physical CPU: the register file of whichever guest is running now,
//                its software TLBs (see hart.ts). A world switch saves it into the guest's
//                control block and loads the next guest's. Keeping it at a fixed low address
//                lets every register access in the hot loop be a load with a constant offset.
//   0x0000_8000  the guest table (see guests.ts)
//   0x0001_0000  AssemblyScript's static data (asconfig memoryBase)
//   0x0010_0000  guest regions, each = control block + RAM, page aligned, grown on demand
//
// Nothing here outside a guest region belongs to a guest, except the physical CPU while that
// guest is switched in.

export const HART_AREA: u32 = 0x0000;
export const HART_AREA_SIZE: u32 = 0x8000;
export const GUEST_TABLE: u32 = 0x8000;
export const REGIONS_START: u32 = 0x10_0000;

/** Guest-physical address of RAM, as on QEMU's virt board. */
export const RAM_BASE: u32 = 0x8000_0000;
export const MIN_RAM: u32 = 1 << 20;
export const MAX_RAM: u32 = 1 << 30;

export const WASM_PAGE: u32 = 0x1_0000;
/** A region's control block: saved hart state, device state, console buffers. */
export const BLOCK_SIZE: u32 = 0x1_0000;
