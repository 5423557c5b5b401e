// Why guestRun returned. Devices request a stop by setting gStop; the run loop notices it after
// the MMIO access that caused it, so the request takes effect on an instruction boundary.

export const STOP_BUDGET: u32 = 0;
export const STOP_WFI: u32 = 1;
export const STOP_HALTED: u32 = 2;
export const STOP_RESET: u32 = 3;
export const STOP_OUTPUT_FULL: u32 = 4;
export const STOP_FAULTED: u32 = 5;
/**
 * Internal: the current guest's RAM map changed inside a chunk (a copy-on-write page was made
 * private, ram.ts): the chunk ends so that the next one fetches through the new mapping. The
 * run loop goes on; the host never sees it.
 */
export const STOP_REFETCH: u32 = 6;
/** Internal: no stop requested. */
export const STOP_NONE: u32 = 0xffff_ffff;

export let gStop: u32 = STOP_NONE;

export function requestStop(reason: u32): void {
  gStop = reason;
}

export function clearStop(): void {
  gStop = STOP_NONE;
}
