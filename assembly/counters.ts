// Instructions retired and the guest's clock. The run loop keeps its countdown in a local for
// speed and publishes it in gChunkLeft only before calling out of the hot path, so that a CSR
// read or an mtime read in the middle of a chunk still sees the exact count.

import { H_INSTRET } from "./hart";
import { gBlock, B_DETERMINISTIC, B_EXIT_COST, B_TIME_BASE, B_TIME_SKIP } from "./guests";

/** Length of the chunk being run, and instructions left in it (counting the current one). */
export let gChunkLen: u32 = 0;
export let gChunkLeft: u32 = 0;

export function setChunk(len: u32): void {
  gChunkLen = len;
  gChunkLeft = len;
}

export function publishLeft(left: u32): void {
  gChunkLeft = left;
}

/** Instructions retired before the current one. */
export function instretNow(): u64 {
  return load<u64>(H_INSTRET) + <u64>(gChunkLen - gChunkLeft);
}

@external("env", "hostTicks")
export declare function hostTicks(): f64;

/** The guest's mtime, in 10 MHz ticks. */
export function mtimeNow(): u64 {
  if (load<u32>(gBlock + B_DETERMINISTIC) != 0) return instretNow() + load<u64>(gBlock + B_TIME_SKIP);
  const t = hostTicks() - load<f64>(gBlock + B_TIME_BASE);
  return t > 0 ? <u64>t : 0;
}

export function setMtime(v: u64): void {
  if (load<u32>(gBlock + B_DETERMINISTIC) != 0) store<u64>(gBlock + B_TIME_SKIP, v - instretNow());
  else store<f64>(gBlock + B_TIME_BASE, hostTicks() - <f64>v);
}

/** Host tick at which the guest's mtime reaches v (real time), for the host's sleep. */
export function hostTickOfMtime(v: u64): f64 {
  return load<f64>(gBlock + B_TIME_BASE) + <f64>v;
}

/**
 * The exit-cost model (B_EXIT_COST, 0 = off): one VM exit moves the guest's clock forward by
 * that many ticks, in deterministic time (mtime - instret grows) and in real time (mtime's
 * origin moves back), so the guest's own timing shows what its exits would cost on hardware.
 */
export function chargeExit(): void {
  const cost = load<u32>(gBlock + B_EXIT_COST);
  if (cost == 0) return;
  if (load<u32>(gBlock + B_DETERMINISTIC) != 0) store<u64>(gBlock + B_TIME_SKIP, load<u64>(gBlock + B_TIME_SKIP) + <u64>cost);
  else store<f64>(gBlock + B_TIME_BASE, load<f64>(gBlock + B_TIME_BASE) - <f64>cost);
}
