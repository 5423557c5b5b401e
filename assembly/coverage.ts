// Coverage points of the core's slow paths, counted by cover() in the checked build only
// (checked.ts). fuzz/coverage.mjs reads the names from this file: keep one `export const COV_*`
// per line, numbered from 0 without gaps, below COVERAGE_POINTS.

// mmu.ts: translate()
export const COV_XLATE_BARE: u32 = 0; // M-mode or satp.MODE = Bare: identity
export const COV_XLATE_ROOT_ABOVE_4G: u32 = 1; // a table PPN beyond 32 bits of physical address
export const COV_XLATE_PTE_OUTSIDE_RAM: u32 = 2; // a PTE address outside the guest's RAM
export const COV_XLATE_INVALID_PTE: u32 = 3; // V = 0 or W without R
export const COV_XLATE_NONLEAF_AT_LEVEL0: u32 = 4;
export const COV_XLATE_U_PAGE_FROM_S: u32 = 5; // S touching a U page without SUM, or executing one
export const COV_XLATE_S_PAGE_FROM_U: u32 = 6;
export const COV_XLATE_NO_PERMISSION: u32 = 7; // R/W/X (and MXR) refused the access
export const COV_XLATE_MEGAPAGE: u32 = 8;
export const COV_XLATE_MISALIGNED_MEGAPAGE: u32 = 9;
export const COV_XLATE_LEAF_ABOVE_4G: u32 = 10;
export const COV_XLATE_AD_UPDATE: u32 = 11; // hardware A/D update written back
export const COV_XLATE_LEAF_4K: u32 = 12;
// mmu.ts: loads, stores, atomics, fetch
export const COV_LOAD_MISALIGNED: u32 = 13; // completed byte by byte
export const COV_LOAD_RAM_FILL: u32 = 14;
export const COV_LOAD_MMIO: u32 = 15;
export const COV_LOAD_BUS_ERROR: u32 = 16;
export const COV_STORE_MISALIGNED: u32 = 17;
export const COV_STORE_MISALIGNED_FAULT: u32 = 18; // one byte of it is not RAM: nothing written
export const COV_STORE_RAM_FILL: u32 = 19;
export const COV_STORE_MMIO: u32 = 20;
export const COV_STORE_BUS_ERROR: u32 = 21;
export const COV_ATOMIC_MISALIGNED: u32 = 22;
export const COV_ATOMIC_NOT_RAM: u32 = 23;
export const COV_FETCH_FILL: u32 = 24;
export const COV_FETCH_NOT_RAM: u32 = 25;
export const COV_FETCH_SPLIT: u32 = 26; // a 32-bit instruction across two pages
// tlbcontext.ts
export const COV_CONTEXT_BARE: u32 = 27; // paging off before and after: nothing to flush
export const COV_CONTEXT_FLUSH: u32 = 28; // privilege, SUM, MXR, MPRV/MPP or satp really changed
export const COV_CONTEXT_SAME: u32 = 29;
export const COV_FLUSH_ALL: u32 = 30; // SFENCE.VMA x0, world switch
export const COV_FLUSH_PAGE: u32 = 31;
export const COV_FLUSH_PAGE_SUPERPAGE: u32 = 32; // a megapage is cached: flush everything
export const COV_FLUSH_PAGE_HIT: u32 = 33; // an entry of that page was dropped
// trap.ts
export const COV_TRAP_TO_S: u32 = 34;
export const COV_TRAP_TO_M: u32 = 35;
export const COV_TRAP_VECTORED: u32 = 36;
export const COV_TRAP_STUCK: u32 = 37;
export const COV_MRET_TO_M: u32 = 38;
export const COV_MRET_TO_S: u32 = 39;
export const COV_MRET_TO_U: u32 = 40;
export const COV_SRET_TO_S: u32 = 41;
export const COV_SRET_TO_U: u32 = 42;
export const COV_IRQ_TO_M: u32 = 43;
export const COV_IRQ_TO_S: u32 = 44;
// interpreter.ts: slow paths entered from the hot loop
export const COV_FETCH_PAGE_END: u32 = 45; // a fetch in the last halfword of a page
export const COV_SFENCE_ADDRESS: u32 = 46;
export const COV_SFENCE_ALL: u32 = 47;
export const COV_SBI_DBCN_RANGE: u32 = 48; // a DBCN buffer was checked against RAM
export const COV_SBI_DBCN_REFUSED: u32 = 49;
// ram.ts: copy-on-write pages (forks)
export const COV_COW_WRITE_SHARED: u32 = 50; // a write reached a shared page (never in a write TLB): made private first
export const COV_COW_UNSHARE_READER: u32 = 51; // a reader's write: copied from the owner's page
export const COV_COW_UNSHARE_OWNER: u32 = 52; // the owner's write: copies pushed to its readers first
export const COV_COW_OWNER_PUSH_FOUND: u32 = 53; // ...and that push found a reader that still read the page
export const COV_COW_MATERIALIZE: u32 = 54; // host view (Guest.ram()): a shared page made private
export const COV_COW_RELEASE_READER: u32 = 55; // destroy: a reader of the dying guest's page got its copy
export const COV_COW_SHARE_ALL: u32 = 56; // a fork: every page of the parent shared with the child
