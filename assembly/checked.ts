// The checked core: a build (`--use CHECKED=1`, build/minivisor-checked.wasm) in which every
// host address computed from values a guest controls is asserted to lie inside the running
// guest's RAM window (or, for device state, inside its own control block) before it is used.
// In the release build every function here compiles to nothing.
//
// A failed assertion records what was attempted and traps (unreachable). The host sees the
// trap, asks checkedViolation() and reports an isolation violation: a bug in the core, never a
// guest's fault. See ISOLATION.md for which path is checked where.
//
// The same build counts which slow paths of the core were reached (cover()), so that the
// fuzzer can say how much of mmu.ts, tlbcontext.ts and trap.ts its programs exercised.

import { gBlock } from "./guests";
import { BLOCK_SIZE } from "./layout";
import { mayAccess } from "./ram";

// What the failed check was guarding.
export const CHECK_LOAD: u32 = 1;
export const CHECK_STORE: u32 = 2;
export const CHECK_FETCH: u32 = 3;
export const CHECK_ATOMIC: u32 = 4;
export const CHECK_PAGE_WALK: u32 = 5;
export const CHECK_SBI_DMA: u32 = 6;
export const CHECK_DEVICE: u32 = 7;
export const CHECK_PC_ALIGN: u32 = 8;
export const CHECK_VIRTIO_DMA: u32 = 9;

let violationKind: u32 = 0;
let violationHost: u32 = 0;
let violationSize: u32 = 0;

/** The first failed check since the instance started: its kind (CHECK_*; 0 for none). */
export function checkedViolation(): u32 {
  return violationKind;
}

/** The host address and size of the access that failed the check. */
export function checkedViolationHost(): u32 {
  return violationHost;
}

export function checkedViolationSize(): u32 {
  return violationSize;
}

function fail(kind: u32, host: u32, size: u32): void {
  if (violationKind == 0) {
    violationKind = kind;
    violationHost = host;
    violationSize = size;
  }
  unreachable();
}

/**
 * [host, host + size) must lie inside one page of RAM that the running guest may read: the page
 * its map says backs that guest page (its own, or one it shares read-only with a fork; ram.ts).
 */
@inline export function checkRam(kind: u32, host: u32, size: u32): void {
  if (isDefined(CHECKED)) {
    if (!mayAccess(host, size, false)) fail(kind, host, size);
  }
}

/** The same for a write: the page must be the guest's own and shared with nobody. */
@inline export function checkRamWrite(kind: u32, host: u32, size: u32): void {
  if (isDefined(CHECKED)) {
    if (!mayAccess(host, size, true)) fail(kind, host, size);
  }
}

/** [host, host + size) must lie inside the running guest's control block (its device state). */
@inline export function checkBlock(host: u32, size: u32): void {
  if (isDefined(CHECKED)) {
    const off = host - gBlock;
    if (off >= BLOCK_SIZE || size > BLOCK_SIZE - off) fail(CHECK_DEVICE, host, size);
  }
}

/** A PC the hot loop starts from must be 2-byte aligned (IALIGN = 16 with C). */
@inline export function checkPc(pc: u32): void {
  if (isDefined(CHECKED)) {
    if ((pc & 1) != 0) fail(CHECK_PC_ALIGN, pc, 0);
  }
}

// ---- slow-path coverage (checked build only) ----

/** Number of coverage points; the names are the COV_* constants in coverage.ts. */
export const COVERAGE_POINTS: u32 = 64;
// u32 counters in the core's static data (outside every guest region: the fuzzer, which checks
// that memory outside the regions never changes, leaves these bytes out).
const COVERAGE: usize = memory.data(<i32>COVERAGE_POINTS * 4, 16);

@inline export function cover(point: u32): void {
  if (isDefined(CHECKED)) {
    const p = COVERAGE + (<usize>point << 2);
    store<u32>(p, load<u32>(p) + 1);
  }
}

export function coveragePtr(): u32 {
  return <u32>COVERAGE;
}

export function coverageReset(): void {
  memory.fill(COVERAGE, 0, COVERAGE_POINTS * 4);
}
