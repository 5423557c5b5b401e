/**
 * minivisor's library entry point (isomorphic): `import { Hypervisor } from 'minivisor'`.
 */
export { Hypervisor, Guest, GuestCreateError, GuestStateError, checkRamSize } from './core/hypervisor.js';
export type { HypervisorOptions, GuestOptions, GuestCreateErrorCode } from './core/hypervisor.js';
export {
  StopReason,
  STOP_BUDGET,
  STOP_WFI,
  STOP_HALTED,
  STOP_RESET,
  STOP_OUTPUT_FULL,
  stopReasonName,
  Priv,
  RAM_MIN_BYTES,
  RAM_MAX_BYTES,
  RAM_ALIGN_BYTES,
} from './core/abi.js';
export type { CoreExports, CoreImports, GuestHandle } from './core/abi.js';
export { loadCore, CoreLoadError, DEFAULT_CORE_URL, defaultHostTicks } from './core/wasm.js';
export type { CoreSource, LoadCoreOptions } from './core/wasm.js';
export { parseElf, loadElfIntoRam, isLinuxImage, ElfError, RAM_BASE, formatBytes } from './loader/elf.js';
export type { ElfImage, ElfSegment, ElfSymbol, ElfErrorCode, ParseElfOptions } from './loader/elf.js';
