/**
 * The core's exported ABI, exactly as assembly/ABI.md specifies it. Only src/core/ uses it.
 *
 * Note on unsigned results: WebAssembly has no unsigned types, so a `u32` the core returns reaches
 * JavaScript as a *signed* i32 (0x80000000 arrives as -2147483648). The wrappers in
 * hypervisor.ts apply `>>> 0` to every u32 result; arguments need no care (JS numbers up to 2^32
 * are converted with ToInt32, which keeps the bit pattern).
 */

/** Imports the core expects (module `env`). */
export interface CoreImports {
  env: {
    /** host monotonic clock in 10 MHz ticks, e.g. `performance.now() * 1e4` */
    hostTicks(): number;
    /** the JIT's compiler (src/jit/compiler.ts): block at host address, guest pc, into table slot; its length, 0 declined, -1 unavailable */
    jitCompile(host: number, pc: number, slot: number): number;
  };
}

/** Guest handle: a small non-negative i32. */
export type GuestHandle = number;

export interface CoreExports {
  readonly memory: WebAssembly.Memory;
  /** the core's function table: translated blocks are put in it (src/jit/) */
  readonly table: WebAssembly.Table;
  /** translated code on (1) or off (0); off by default */
  jitSetEnabled(on: number): void;
  jitEnabled(): number;
  /** executions before a block is translated, and the most blocks kept (0: unchanged) */
  jitConfigure(hot: number, blocks: number): void;
  /** 0 translations, 1 invalidated pages, 2 cache flushes, 3 instructions run translated, 4 block entries, 5 declined */
  jitStat(i: number): number;
  jitChecked(): number;
  jitCheckRam(kind: number, host: number, size: number): void;
  jitSlotBase(): number;
  /** forgets every translation */
  jitFlushAll(): void;
  /** u32: the JIT's static data (its table and code-page bits), which running guests change */
  jitDataPtr(): number;
  /** u32 */ jitDataBytes(): number;
  /** returns a handle >= 0, or -1 bad RAM size, -2 out of host memory, -3 too many guests */
  guestCreate(ramBytes: number): number;
  guestDestroy(h: GuestHandle): void;
  guestReset(h: GuestHandle): void;
  /** u32 */ guestRamHost(h: GuestHandle): number;
  /** u32 */ guestRamSize(h: GuestHandle): number;
  /** u32: a {@link StopReason} */ guestRun(h: GuestHandle, budget: number): number;
  /** u32 */ guestLastRunCount(h: GuestHandle): number;
  /** f64 */ guestInstret(h: GuestHandle): number;
  /** i32 */ guestExitCode(h: GuestHandle): number;
  /** f64: host tick, or +Infinity */ guestNextDeadline(h: GuestHandle): number;
  guestSetDeterministic(h: GuestHandle, on: number): void;
  /** the guest's own JIT switch (on at creation) */
  guestSetJit(h: GuestHandle, on: number): void;
  /** u32 */ guestJitOn(h: GuestHandle): number;
  /** f64: instructions this guest retired in translated code */
  guestJitInstructions(h: GuestHandle): number;
  /** u32 */ guestConsoleOutPtr(h: GuestHandle): number;
  /** u32 */ guestConsoleOutLen(h: GuestHandle): number;
  guestConsoleOutClear(h: GuestHandle): void;
  /** u32: 0 when the input queue is full */ guestConsoleInPush(h: GuestHandle, byte: number): number;
  /** drops the console input the guest has not read yet */
  guestConsoleInClear(h: GuestHandle): void;
  /** u32 */ guestPc(h: GuestHandle): number;
  /** u32: 0 U, 1 S, 3 M */ guestPriv(h: GuestHandle): number;
  /** u32 */ guestReg(h: GuestHandle, n: number): number;
  guestSetReg(h: GuestHandle, n: number, value: number): void;
  guestSetPc(h: GuestHandle, pc: number): void;
  /**
   * Kernel-mode boot, after guestReset and loading the image (and the device tree): the core is the
   * guest's SBI firmware; the hart enters S-mode at `entry` with a0 = 0 (hart id), a1 = `dtb`.
   */
  guestBootKernel(h: GuestHandle, entry: number, dtb: number): void;
  /** u32: byte offset in `memory` of the guest's VM-exit counters (guestExitsCount() u64 values) */
  guestExitsPtr(h: GuestHandle): number;
  /** u32: how many exit counters a guest has (128) */
  guestExitsCount(): number;
  /** f64: bytes of RAM a new guest could still get */
  hostFreeBytes(): number;
  /** caps the bytes of memory this instance's guests may take (default: all 4 GiB a Wasm memory can have) */
  hostSetMemoryLimit(bytes: number): void;
  /** u32, after STOP_FAULTED: the exception cause the guest is stuck on */
  guestFaultCause(h: GuestHandle): number;
  /** u32, after STOP_FAULTED: the PC where the guest is stuck */
  guestFaultPc(h: GuestHandle): number;
  /** u32, after STOP_FAULTED: the trap taken just before it got stuck: field 0 cause, 1 epc, 2 tval */
  guestFaultFirst(h: GuestHandle, field: number): number;
  /** u32: 1 when there was such a trap */
  guestFaultFirstValid(h: GuestHandle): number;
  /**
   * u32: byte offset of the guest's control block with its architectural state brought up to
   * date: x0..x31, PC, privilege and CSRs in the first HART_STATE_BYTES, device state at
   * DEVICE_STATE_OFFSET (see assembly/hart.ts and the device files).
   */
  guestStatePtr(h: GuestHandle): number;
  /** u32: the guest's whole region (control block + RAM) in `memory`: its isolation boundary */
  guestRegionBase(h: GuestHandle): number;
  /** u32 */ guestRegionSize(h: GuestHandle): number;
  /** u32, after STOP_HALTED: 0 powered off, 1 its kernel reported a panic through pvpanic */
  guestHaltReason(h: GuestHandle): number;
  /**
   * After a WebAssembly trap in guestRun (a core bug): the running guest becomes faulted with
   * cause FAULT_INTERNAL and the core's state is made consistent; returns that guest's handle or -1.
   */
  hostContainTrap(): number;
  /** u32: in the checked core, the kind of the first failed isolation check (CHECK_*), else 0 */
  checkedViolation(): number;
  /** u32: the host address of the access that failed the check */
  checkedViolationHost(): number;
  /** u32: its size in bytes */
  checkedViolationSize(): number;
  /** u32: in the checked core, the byte offset of the slow-path coverage counters (u32 each; names in assembly/coverage.ts) */
  coveragePtr(): number;
  coverageReset(): void;
  /** u32: version of the state layout below; a snapshot records it */
  stateLayoutVersion(): number;
  /** u32: how many state sections a control block has */
  stateSectionCount(): number;
  /** u32: section i's name, four ASCII characters, the first in the low byte */
  stateSectionTag(i: number): number;
  /** u32: its offset in the control block (guestStatePtr) */
  stateSectionOffset(i: number): number;
  /** u32: its size in bytes */
  stateSectionSize(i: number): number;
  /** f64: the guest's mtime now (10 MHz ticks); brings its control block up to date */
  guestMtime(h: GuestHandle): number;
  /** after the host wrote a snapshot's sections and RAM into h: reload the hart, drop translations, set mtime */
  guestRestored(h: GuestHandle, mtime: number): void;
  /** u32: 1 when the guest runs in deterministic time */
  guestIsDeterministic(h: GuestHandle): number;
  /** i32: a copy of h sharing its RAM copy-on-write: a new handle, or a guestCreate error */
  guestFork(h: GuestHandle): number;
  /** makes every RAM page of h private, so that the host may read and write its RAM window directly */
  guestMaterialize(h: GuestHandle): void;
  /** u32: host address of the page backing h's RAM page p (read-only for the host), 0 if none */
  guestPagePtr(h: GuestHandle, p: number): number;
  /** u32: byte offset of h's dirty bitmap, one bit per RAM page written since guestDirtyReset */
  guestDirtyPtr(h: GuestHandle): number;
  /** clears h's dirty bitmap and makes the next write to every page visible */
  guestDirtyReset(h: GuestHandle): void;
  /** f64: pages copied into h because a page it shared with a fork was written */
  guestCowCopies(h: GuestHandle): number;
  /** u32: pages of h currently shared with a fork */
  guestSharedPages(h: GuestHandle): number;
  /** u32: 1 when h's RAM page p is all zero */
  guestPageIsZero(h: GuestHandle, p: number): number;
  /** virtio-net: sets the card's MAC, bytes 0..3 in `lo` (byte 0 lowest), 4..5 in `hi` */
  guestNetSetMac(h: GuestHandle, lo: number, hi: number): void;
  /** u32: the card's statistic i (NET_STAT below) */
  guestNetStat(h: GuestHandle, i: number): number;
  /** u32: byte offset of the frames the guest sent: records [u32 length][frame, padded to 4 bytes] */
  guestNetTxPtr(h: GuestHandle): number;
  /** u32: bytes of records waiting there */
  guestNetTxLen(h: GuestHandle): number;
  /** the host took them all: the card may take more from the guest (and may interrupt it) */
  guestNetTxClear(h: GuestHandle): void;
  /** u32: byte offset of the mailbox where the host writes one frame (up to NET_MAX_FRAME bytes) */
  guestNetRxMailbox(h: GuestHandle): number;
  /** u32: bytes left in the card's receive queue (a frame of n bytes takes n + 16 rounded up to 4) */
  guestNetRxRoom(h: GuestHandle): number;
  /** u32: queues the mailbox's `len`-byte frame for the guest: 1, or 0 when dropped (counted) */
  guestNetRxPush(h: GuestHandle, len: number): number;
}

/** guestFaultCause of a guest during whose run the core itself trapped (contained by hostContainTrap). */
export const FAULT_INTERNAL = 0xffff_ffff;

/** What a failed check of the checked core was guarding (assembly/checked.ts CHECK_*). */
export const CHECK_KINDS = ['none', 'load', 'store', 'fetch', 'atomic', 'page-table walk', 'SBI console DMA', 'device state', 'PC alignment', 'virtio DMA'] as const;

/** Where the CSRs are in the hart state (guestStatePtr; assembly/hart.ts H_*), for debuggers. */
export const HART_CSR_OFFSETS = {
  pc: 0x080,
  priv: 0x084,
  mstatus: 0x088,
  mie: 0x08c,
  mtvec: 0x098,
  mepc: 0x09c,
  mcause: 0x0a0,
  mtval: 0x0a4,
  mscratch: 0x0a8,
  mcounteren: 0x0ac,
  medeleg: 0x0b0,
  mideleg: 0x0b4,
  stvec: 0x0b8,
  sepc: 0x0bc,
  scause: 0x0c0,
  stval: 0x0c4,
  sscratch: 0x0c8,
  scounteren: 0x0cc,
  satp: 0x0d0,
} as const;
/** mip = the software-writable bits at this offset | the device lines at the next word. */
export const HART_MIP_OFFSETS = [0x090, 0x094] as const;

/** Layout of the block guestStatePtr points at. */
export const HART_STATE_BYTES = 0x200;
export const DEVICE_STATE_OFFSET = 0x400;
export const DEVICE_STATE_BYTES = 0x400; // UART, CLINT, PLIC, SBI, virtio-net registers

/** Names of the function exports, for checking a module against the ABI. */
export const CORE_FUNCTION_EXPORTS = [
  'guestCreate',
  'guestDestroy',
  'guestReset',
  'guestRamHost',
  'guestRamSize',
  'guestRun',
  'guestLastRunCount',
  'guestInstret',
  'guestExitCode',
  'guestNextDeadline',
  'guestSetDeterministic',
  'guestSetJit',
  'guestJitOn',
  'guestJitInstructions',
  'guestConsoleOutPtr',
  'guestConsoleOutLen',
  'guestConsoleOutClear',
  'guestConsoleInPush',
  'guestConsoleInClear',
  'guestPc',
  'guestPriv',
  'guestReg',
  'guestSetReg',
  'guestSetPc',
  'guestBootKernel',
  'guestExitsPtr',
  'guestExitsCount',
  'hostFreeBytes',
  'hostSetMemoryLimit',
  'guestFaultCause',
  'guestFaultPc',
  'guestFaultFirst',
  'guestFaultFirstValid',
  'guestStatePtr',
  'guestRegionBase',
  'guestRegionSize',
  'guestHaltReason',
  'hostContainTrap',
  'jitSetEnabled',
  'jitEnabled',
  'jitConfigure',
  'jitStat',
  'jitChecked',
  'jitCheckRam',
  'jitSlotBase',
  'jitFlushAll',
  'jitDataPtr',
  'jitDataBytes',
  'checkedViolation',
  'checkedViolationHost',
  'checkedViolationSize',
  'coveragePtr',
  'coverageReset',
  'stateLayoutVersion',
  'stateSectionCount',
  'stateSectionTag',
  'stateSectionOffset',
  'stateSectionSize',
  'guestMtime',
  'guestRestored',
  'guestIsDeterministic',
  'guestFork',
  'guestMaterialize',
  'guestPagePtr',
  'guestDirtyPtr',
  'guestDirtyReset',
  'guestCowCopies',
  'guestSharedPages',
  'guestPageIsZero',
  'guestNetSetMac',
  'guestNetStat',
  'guestNetTxPtr',
  'guestNetTxLen',
  'guestNetTxClear',
  'guestNetRxMailbox',
  'guestNetRxRoom',
  'guestNetRxPush',
] as const satisfies readonly Exclude<keyof CoreExports, 'memory'>[];

/** Why `guestRun` returned. */
export const StopReason = {
  /** the budget ran out; call again */
  Budget: 0,
  /** the guest waits for an interrupt; sleep until `nextDeadline` or input */
  Wfi: 1,
  /** the guest powered off (SiFive test device, or SBI system shutdown); see `exitCode` */
  Halted: 2,
  /** the guest asked for a reset (test device 0x7777, or SBI system reboot); reload the image (Guest.reset()) */
  Reset: 3,
  /** the console output buffer is full; drain it and call again */
  OutputFull: 4,
  /**
   * the guest is stuck for good: an exception whose handler is the very instruction that raised it,
   * in the same mode (typically mtvec/stvec unset), or the core trapped while running it (an
   * internal error, contained to this guest); see Guest.fault
   */
  Faulted: 5,
} as const;
export type StopReason = (typeof StopReason)[keyof typeof StopReason];

export const STOP_BUDGET = StopReason.Budget;
export const STOP_WFI = StopReason.Wfi;
export const STOP_HALTED = StopReason.Halted;
export const STOP_RESET = StopReason.Reset;
export const STOP_OUTPUT_FULL = StopReason.OutputFull;
export const STOP_FAULTED = StopReason.Faulted;

const STOP_NAMES = ['STOP_BUDGET', 'STOP_WFI', 'STOP_HALTED', 'STOP_RESET', 'STOP_OUTPUT_FULL', 'STOP_FAULTED'] as const;

export function stopReasonName(r: number): string {
  return STOP_NAMES[r] ?? `unknown stop reason ${r}`;
}

/** guestCreate error results */
export const CREATE_BAD_RAM_SIZE = -1;
export const CREATE_OUT_OF_MEMORY = -2;
export const CREATE_TOO_MANY_GUESTS = -3;

/** Privilege modes as guestPriv returns them. */
export const Priv = { User: 0, Supervisor: 1, Machine: 3 } as const;
export type Priv = (typeof Priv)[keyof typeof Priv];

/** Guest RAM size limits (ABI.md: multiple of 4 KiB, 1 MiB .. 1 GiB). */
export const RAM_MIN_BYTES = 1 << 20;
export const RAM_MAX_BYTES = 1 << 30;
export const RAM_ALIGN_BYTES = 4096;

/** virtio-net statistics, the index for guestNetStat (assembly/devices/virtio_net.ts STAT_*). */
export const NET_STAT = {
  status: 0,
  interruptStatus: 1,
  txFrames: 2,
  rxFrames: 3,
  rxDropped: 4,
  lastError: 5,
  errors: 6,
  txBytes: 7,
  rxBytes: 8,
} as const;

/** The largest frame the card sends or takes: 1500 bytes of payload, Ethernet header, a VLAN tag. */
export const NET_MAX_FRAME = 1518;
/** virtio status bit DEVICE_NEEDS_RESET: the card met a malformed virtqueue and waits for a reset. */
export const NET_STATUS_NEEDS_RESET = 0x40;

/** Why the card needed a reset (NET_STAT.lastError; assembly/devices/virtio_net.ts ERR_*). */
export const NET_ERRORS = [
  'none',
  'queue size',
  'ring outside RAM',
  'descriptor outside RAM',
  'chain loops or longer than the queue',
  'next index out of range',
  'descriptor direction',
  'indirect descriptor',
  'available index',
  'head index out of range',
  'bad header',
  'frame size',
] as const;
