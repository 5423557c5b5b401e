// A guest's RAM, page by page: which host page backs each guest-physical page, copy-on-write
// sharing between a guest and its forks, and the dirty pages that live migration copies again.
//
// Every guest has a page map in its region (after its RAM): one u32 per 4 KiB page, the host
// address of the page that backs it, with PAGE_SHARED in a low bit when that host page is read
// by more than one guest. A fresh guest's pages are its own RAM slots. A fork (guestFork) points
// the child's map at the parent's pages and marks both sides shared; the first write on either
// side copies the page into the writer's own slot (or, for the page's owner, first into every
// guest that still reads it), so neither ever sees the other's later writes. Forks keep
// guest-physical addresses, so page p is only ever shared with page p of another guest.
//
// The hot path is unchanged: it reaches RAM through the TLBs' addends, and a write-TLB entry is
// only filled for a page that is private (pageForWrite). A read-TLB entry may point at a shared
// page in another guest's region; whenever the current guest's map changes, its TLBs are emptied
// and the running chunk is told to drop its cached fetch page (STOP_REFETCH).
//
// Dirty tracking: the first write to a page after guestDirtyReset goes through pageForWrite
// (the reset drops the write-TLB entries), which sets the page's bit in the dirty bitmap.

import { flushTlb } from "./hart";
import { gBlock, gCurrent, gRamHost, gRamSize, isGuest, blockOf, MAX_GUESTS, B_RAM_HOST, B_RAM_SIZE } from "./guests";
import { requestStop, STOP_REFETCH } from "./stop";
import { cover } from "./checked";
import { jitNoteWrite } from "./jit";
import {
  COV_COW_MATERIALIZE, COV_COW_OWNER_PUSH_FOUND, COV_COW_RELEASE_READER, COV_COW_SHARE_ALL, COV_COW_UNSHARE_OWNER,
  COV_COW_UNSHARE_READER, COV_COW_WRITE_SHARED,
} from "./coverage";

export const PAGE_SHARED: u32 = 1;
const PAGE_MASK: u32 = 0xffff_f000;

// Control block fields (host-specific, never in a snapshot section).
export const B_PAGE_MAP: u32 = 0x240;
export const B_DIRTY_MAP: u32 = 0x244;
/** f64: pages copied into this guest because a shared page was written (by it or its sharer). */
export const B_COW_COPIES: u32 = 0x248;

/** The current guest's page map and dirty bitmap (set by switchTo). */
export let gPageMap: u32 = 0;
export let gDirtyMap: u32 = 0;

/** Bytes after a guest's RAM that hold its page map and dirty bitmap. */
export function ramMetaBytes(ramBytes: u32): u32 {
  const pages = ramBytes >>> 12;
  return (pages << 2) + ((pages + 7) >>> 3);
}

/** A new region: every page backed by its own slot; nothing dirty. */
export function initRam(block: u32, ramHost: u32, ramBytes: u32): void {
  const pages = ramBytes >>> 12;
  const map = ramHost + ramBytes;
  for (let p: u32 = 0; p < pages; p++) store<u32>(map + (p << 2), ramHost + (p << 12));
  store<u32>(block + B_PAGE_MAP, map);
  store<u32>(block + B_DIRTY_MAP, map + (pages << 2));
  store<f64>(block + B_COW_COPIES, 0);
}

export function switchRam(): void {
  gPageMap = load<u32>(gBlock + B_PAGE_MAP);
  gDirtyMap = load<u32>(gBlock + B_DIRTY_MAP);
}

/** Host address of the page backing RAM offset off (page-aligned), for reading. off < gRamSize. */
@inline export function pageForRead(off: u32): u32 {
  return load<u32>(gPageMap + ((off >>> 12) << 2)) & PAGE_MASK;
}

/** Host address of a RAM byte at offset off, for reading. */
@inline export function ramReadHost(off: u32): u32 {
  return pageForRead(off) + (off & 0xfff);
}

/**
 * Host address of the page backing RAM offset off, for writing: a shared page is made private
 * first. Marks the page dirty. off < gRamSize.
 */
export function pageForWrite(off: u32): u32 {
  const p = off >>> 12;
  const e = gPageMap + (p << 2);
  const v = load<u32>(e);
  if ((v & PAGE_SHARED) != 0) cover(COV_COW_WRITE_SHARED);
  // build/minivisor-*-cowbug.wasm writes a shared page in place: the bug the checked core and
  // the fork tests must catch.
  if (isDefined(BUG_COW) && (v & PAGE_SHARED) != 0) return v & PAGE_MASK;
  if ((v & PAGE_SHARED) != 0) unshareCurrent(p, v);
  const d = gDirtyMap + (p >>> 3);
  store<u8>(d, <u8>(<u32>load<u8>(d) | (1 << (p & 7))));
  // Translated code read from this page is stale once it is written (jit.ts).
  jitNoteWrite(gRamHost + (p << 12));
  return gRamHost + (p << 12);
}

/** Host address of a RAM byte at offset off, for writing. */
@inline export function ramWriteHost(off: u32): u32 {
  return pageForWrite(off) + (off & 0xfff);
}

function addCopies(block: u32, n: f64): void {
  store<f64>(block + B_COW_COPIES, load<f64>(block + B_COW_COPIES) + n);
}

/**
 * Page p of every other guest that is backed by host page `page` gets its own copy of it.
 * Used before the owner writes the page, and before the owner is destroyed. Returns how many
 * readers got a copy.
 */
function pushCopies(self: i32, p: u32, page: u32): u32 {
  let n: u32 = 0;
  for (let g: i32 = 0; g < MAX_GUESTS; g++) {
    if (g == self || !isGuest(g)) continue;
    const block = blockOf(g);
    if (load<u32>(block + B_RAM_SIZE) <= (p << 12)) continue;
    const e = load<u32>(block + B_PAGE_MAP) + (p << 2);
    if ((load<u32>(e) & PAGE_MASK) != page) continue;
    const own = load<u32>(block + B_RAM_HOST) + (p << 12);
    jitNoteWrite(own);
    memory.copy(own, page, 0x1000);
    store<u32>(e, own);
    addCopies(block, 1);
    n++;
  }
  return n;
}

/** Makes the current guest's page p private (its map entry v has PAGE_SHARED). */
function unshareCurrent(p: u32, v: u32): void {
  const own = gRamHost + (p << 12);
  const page = v & PAGE_MASK;
  if (page == own) {
    // The owner writes: whoever still reads this page keeps the old contents.
    cover(COV_COW_UNSHARE_OWNER);
    if (pushCopies(gCurrent, p, own) > 0) cover(COV_COW_OWNER_PUSH_FOUND);
  } else {
    cover(COV_COW_UNSHARE_READER);
    jitNoteWrite(own);
    memory.copy(own, page, 0x1000);
    addCopies(gBlock, 1);
  }
  store<u32>(gPageMap + (p << 2), own);
  // Read and fetch entries may still point at the old backing page; the running chunk may too.
  flushTlb();
  requestStop(STOP_REFETCH);
}

/** Every page of guest h private again (for host code that reads or writes its RAM directly). */
export function materialize(h: i32): void {
  const block = blockOf(h);
  const ramHost = load<u32>(block + B_RAM_HOST);
  const pages = load<u32>(block + B_RAM_SIZE) >>> 12;
  const map = load<u32>(block + B_PAGE_MAP);
  let changed = false;
  for (let p: u32 = 0; p < pages; p++) {
    const v = load<u32>(map + (p << 2));
    if ((v & PAGE_SHARED) == 0) continue;
    cover(COV_COW_MATERIALIZE);
    const own = ramHost + (p << 12);
    const page = v & PAGE_MASK;
    if (page == own) pushCopies(h, p, own);
    else {
      jitNoteWrite(own);
    memory.copy(own, page, 0x1000);
      addCopies(block, 1);
    }
    store<u32>(map + (p << 2), own);
    changed = true;
  }
  if (changed && gCurrent == h) flushTlb();
}

/** Before guest h's region is freed: nobody may read its pages any more. */
export function releaseShared(h: i32): void {
  const block = blockOf(h);
  const ramHost = load<u32>(block + B_RAM_HOST);
  const pages = load<u32>(block + B_RAM_SIZE) >>> 12;
  const map = load<u32>(block + B_PAGE_MAP);
  for (let p: u32 = 0; p < pages; p++) {
    const v = load<u32>(map + (p << 2));
    if ((v & PAGE_SHARED) != 0 && (v & PAGE_MASK) == ramHost + (p << 12)) {
      if (pushCopies(h, p, ramHost + (p << 12)) > 0) cover(COV_COW_RELEASE_READER);
    }
  }
  // The guest in the physical CPU may have had TLB entries for those pages.
  flushTlb();
}

/**
 * Child (a new guest of the same RAM size, its control block already copied) shares every
 * page of parent: both map entries get PAGE_SHARED and point at the parent's backing page.
 */
export function shareAll(parent: i32, child: i32): void {
  const pb = blockOf(parent);
  const cb = blockOf(child);
  const pages = load<u32>(pb + B_RAM_SIZE) >>> 12;
  const pm = load<u32>(pb + B_PAGE_MAP);
  const cm = load<u32>(cb + B_PAGE_MAP);
  cover(COV_COW_SHARE_ALL);
  for (let p: u32 = 0; p < pages; p++) {
    const v = load<u32>(pm + (p << 2)) | PAGE_SHARED;
    store<u32>(pm + (p << 2), v);
    store<u32>(cm + (p << 2), v);
  }
  // The parent may have write-TLB entries for pages that are now shared.
  if (gCurrent == parent || gCurrent == child) flushTlb();
}

/** Pages of h whose backing is currently shared with another guest. */
export function sharedPages(h: i32): u32 {
  const block = blockOf(h);
  const pages = load<u32>(block + B_RAM_SIZE) >>> 12;
  const map = load<u32>(block + B_PAGE_MAP);
  let n: u32 = 0;
  for (let p: u32 = 0; p < pages; p++) if ((load<u32>(map + (p << 2)) & PAGE_SHARED) != 0) n++;
  return n;
}

/**
 * Whether host range [host, host + size) is RAM that the current guest may touch: its own page
 * that backs it (and, for a write, is not shared), or a page of another guest that backs one of
 * its own pages read-only. For the checked core (checked.ts).
 */
export function mayAccess(host: u32, size: u32, write: bool): bool {
  let base = gRamHost;
  let off = host - base;
  if (off >= gRamSize) {
    if (write) return false;
    // Whose RAM is it?
    base = 0;
    for (let g: i32 = 0; g < MAX_GUESTS; g++) {
      if (!isGuest(g)) continue;
      const block = blockOf(g);
      const o = host - load<u32>(block + B_RAM_HOST);
      if (o < load<u32>(block + B_RAM_SIZE)) {
        base = load<u32>(block + B_RAM_HOST);
        off = o;
        break;
      }
    }
    if (base == 0 || off >= gRamSize) return false;
  }
  if ((off & 0xfff) + size > 0x1000) return false;
  const v = load<u32>(gPageMap + ((off >>> 12) << 2));
  if ((v & PAGE_MASK) != base + (off & PAGE_MASK)) return false;
  if (write && (v & PAGE_SHARED) != 0) return false;
  return true;
}
