/**
 * minivisor's library entry point (isomorphic): `import { Hypervisor } from 'minivisor'`.
 */
export { Hypervisor, Guest, GuestCreateError, GuestStateError, IsolationViolationError, checkRamSize } from './core/hypervisor.js';
export type { HypervisorOptions, JitOptions, JitStats, GuestOptions, GuestCreateErrorCode, BootKernelOptions, GuestFault, BootRecord } from './core/hypervisor.js';
export {
  StopReason,
  STOP_BUDGET,
  STOP_WFI,
  STOP_HALTED,
  STOP_RESET,
  STOP_OUTPUT_FULL,
  STOP_FAULTED,
  stopReasonName,
  Priv,
  RAM_MIN_BYTES,
  RAM_MAX_BYTES,
  RAM_ALIGN_BYTES,
  FAULT_INTERNAL,
  HART_CSR_OFFSETS,
} from './core/abi.js';
export type { CoreExports, CoreImports, GuestHandle } from './core/abi.js';
export { loadCore, CoreLoadError, DEFAULT_CORE_URL, defaultHostTicks } from './core/wasm.js';
export type { CoreSource, LoadCoreOptions } from './core/wasm.js';
export { parseElf, loadElfIntoRam, isLinuxImage, ElfError, RAM_BASE, formatBytes } from './loader/elf.js';
export type { ElfImage, ElfSegment, ElfSymbol, ElfErrorCode, ParseElfOptions } from './loader/elf.js';
export { parseKernel, KernelError } from './loader/kernel.js';
export type { KernelImage, KernelErrorCode, ParseKernelOptions } from './loader/kernel.js';
export { readExits, formatExitTable, namedExits, exitIndex, EXIT_NAMES } from './core/exits.js';
export type { ExitStat, ExitStats, ExitTableOptions } from './core/exits.js';
export { placeDeviceTree, virtDeviceTree } from './boot/virt-devicetree.js';
export { parseFdt, buildFdt } from './boot/fdt.js';
export type { FdtNode, FdtValue } from './boot/fdt.js';
export { Scheduler, ScheduledGuest, asleepForever } from './core/scheduler.js';
export type { GuestState, SchedulerOptions, AddGuestOptions, RunReport, SchedulerFault, AsleepForeverFault, HostErrorFault } from './core/scheduler.js';
export { readSnapshot, MACHINE_DEVICES } from './state/snapshot.js';
export type { Snapshot, SnapshotHeader } from './state/snapshot.js';
export { SnapshotError, SNAPSHOT_EXTENSION, SNAPSHOT_MAJOR, SNAPSHOT_MINOR } from './state/format.js';
export type { SnapshotErrorCode } from './state/format.js';
export { MigrationSource, MigrationTarget } from './state/migration.js';
export type { PageBatch, MigrationRound, MigrationOptions } from './state/migration.js';
export { VirtualSwitch, Port, GuestNic, ChannelPort, NicLink, PcapWriter, parsePcap, parseMac, formatMac, LINKTYPE_ETHERNET, guestIpv4, linuxIpArgument, withLinuxIp, defaultMac, LINUX_BUILTIN_CMDLINE } from './net/index.js';
export type { SwitchPort, PortOptions, AttachOptions, PortStats, TapEvent, TapCallback, SwitchOptions, NicStats, MessagePortLike, PcapRecord, MacAddress } from './net/index.js';
export { NET_STAT, NET_ERRORS, NET_MAX_FRAME, NET_STATUS_NEEDS_RESET } from './core/abi.js';
export { VIRTIO_NET_EXIT_NAMES, EXIT_VIRTIO_NET } from './core/exits.js';
