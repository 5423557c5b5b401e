/**
 * The core's host API: a Hypervisor (one core instance) hosting many Guests.
 * Isomorphic: runs in Node, in a browser page and in a Web Worker.
 */
import {
  CREATE_BAD_RAM_SIZE,
  CREATE_OUT_OF_MEMORY,
  CREATE_TOO_MANY_GUESTS,
  RAM_ALIGN_BYTES,
  RAM_MAX_BYTES,
  RAM_MIN_BYTES,
  HART_STATE_BYTES,
  HART_CSR_OFFSETS,
  HART_MIP_OFFSETS,
  FAULT_INTERNAL,
  CHECK_KINDS,
  DEVICE_STATE_OFFSET,
  DEVICE_STATE_BYTES,
  type CoreExports,
  type GuestHandle,
  type Priv,
  StopReason,
} from './abi.js';
import { blockCompilerOf, loadCore, type LoadCoreOptions } from './wasm.js';
import { DEFAULT_CACHE_BYTES } from '../jit/compiler.js';
import { RAM_BASE, formatBytes, loadElfIntoRam, parseElf, type ElfImage } from '../loader/elf.js';
import { parseKernel, type KernelImage } from '../loader/kernel.js';
import { readExits, type ExitStats } from './exits.js';
import { captureSnapshot, restoreSnapshot, type Snapshot } from '../state/snapshot.js';

export type GuestCreateErrorCode = 'bad-ram-size' | 'out-of-memory' | 'too-many-guests';

/** A guest could not be created; `message` names the problem. */
export class GuestCreateError extends Error {
  override readonly name = 'GuestCreateError';
  constructor(
    readonly code: GuestCreateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Why a guest is faulted: `stuck` — an exception whose trap handler is the very instruction that
 * raised it (cause = mcause code, pc = that instruction); `internal-error` — the core itself
 * trapped while running the guest (a hypervisor bug, contained to this guest; cause = FAULT_INTERNAL).
 */
export type GuestFault =
  | {
      readonly kind: 'stuck';
      readonly cause: number;
      readonly pc: number;
      /** the trap that led there, when there was one: e.g. a jump to an unmapped address (its epc and tval) whose handler then faulted on itself */
      readonly previous?: { readonly cause: number; readonly pc: number; readonly tval: number };
    }
  | { readonly kind: 'internal-error'; readonly cause: number; readonly pc: number; readonly message: string };

/**
 * The checked core (build/minivisor-checked.wasm) caught the core forming a host address outside
 * the running guest's window: an isolation bug in the core, never the guest's fault.
 */
export class IsolationViolationError extends Error {
  override readonly name = 'IsolationViolationError';
  constructor(
    readonly check: string,
    readonly hostAddress: number,
    readonly size: number,
    readonly region: { readonly base: number; readonly size: number; readonly ramBase: number },
  ) {
    super(
      `isolation violation (${check}): the core formed host address 0x${hostAddress.toString(16)} (+${size} bytes), which the running guest may not use ` +
        `(its region is [0x${region.base.toString(16)}, 0x${(region.base + region.size).toString(16)}), its RAM from 0x${region.ramBase.toString(16)}; ` +
        'it may also read pages it shares with a fork, and write only its own unshared pages)',
    );
  }
}

/** A guest was used after destroy(), or a call got an argument the ABI cannot take. */
export class GuestStateError extends Error {
  override readonly name = 'GuestStateError';
  constructor(
    readonly code: 'destroyed' | 'bad-argument',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Checks a guest RAM size against the core's limits. Returns undefined when valid, else a message
 * such as "RAM size 0 bytes: must be between 1 MiB and 1 GiB, a multiple of 4 KiB".
 */
export function checkRamSize(ramBytes: unknown): string | undefined {
  // From JavaScript anything can arrive here ('16M', 16n, undefined): call a wrong type one.
  if (typeof ramBytes !== 'number') {
    const shown = typeof ramBytes === 'string' ? ` '${ramBytes}'` : typeof ramBytes === 'bigint' ? ` ${ramBytes}n` : '';
    return `RAM size must be a number of bytes, got ${ramBytes === null ? 'null' : typeof ramBytes}${shown} (e.g. ramBytes: 16 << 20 for 16 MiB)`;
  }
  if (
    Number.isInteger(ramBytes) &&
    ramBytes >= RAM_MIN_BYTES &&
    ramBytes <= RAM_MAX_BYTES &&
    ramBytes % RAM_ALIGN_BYTES === 0
  ) {
    return undefined;
  }
  const size = Number.isInteger(ramBytes) && ramBytes >= 0 ? formatBytes(ramBytes) : String(ramBytes);
  const shown = size.endsWith('iB') ? `${size} (${ramBytes} bytes)` : size;
  return `RAM size ${shown}: must be between 1 MiB and 1 GiB, a multiple of 4 KiB`;
}

/** Translation of hot guest code to WebAssembly (issue 16); see assembly/jit.ts. */
export interface JitOptions {
  /** executions of a region entry before it is translated (default 30 000) */
  readonly hot?: number;
  /** most regions kept at once (default 8192) */
  readonly blocks?: number;
  /** the code cache's memory limit in bytes of generated WebAssembly (default 16 MiB) */
  readonly cacheBytes?: number;
}

export interface HypervisorOptions extends LoadCoreOptions {
  /**
   * Translate hot guest code to WebAssembly (default true). `false` leaves every guest to the
   * interpreter; each guest also has its own switch, {@link Guest.setJit}.
   */
  readonly jit?: boolean | JitOptions;
}

/** The JIT's counters for one hypervisor (all its guests). */
export interface JitStats {
  /** the instance's switch: false when turned off or when runtime compilation is not allowed here */
  readonly enabled: boolean;
  /** blocks translated */
  readonly translations: number;
  /** pages whose translations a write dropped */
  readonly invalidations: number;
  /** times the whole code cache was emptied (full, reset, host writes to RAM) */
  readonly flushes: number;
  /** guest instructions retired in translated code */
  readonly instructions: number;
  /** entries into translated blocks */
  readonly entries: number;
  /** milliseconds spent building and compiling blocks */
  readonly compileMs: number;
  /** bytes of WebAssembly generated */
  readonly codeBytes: number;
  /** bytes of WebAssembly in the code cache now (at most the limit) */
  readonly cacheBytes: number;
  /** the code cache's limit */
  readonly cacheLimit: number;
}

export interface BootKernelOptions {
  /** the kernel command line, /chosen/bootargs in the device tree (default empty) */
  readonly bootargs?: string;
}

/** What a guest boots from, kept for reset() (and carried in its snapshots). */
export type BootRecord =
  | { readonly kind: 'bare'; readonly image: ElfImage }
  | { readonly kind: 'kernel'; readonly kernel: KernelImage; readonly bootargs: string };

export interface GuestOptions {
  /** RAM size in bytes: a multiple of 4 KiB, 1 MiB .. 1 GiB */
  readonly ramBytes: number;
  /** mtime advances one tick per retired instruction instead of with host time (default false) */
  readonly deterministic?: boolean;
}

/** One instance of the core; hosts many guests. */
export class Hypervisor {
  private readonly guests = new Set<Guest>();

  private constructor(readonly core: CoreExports) {}

  /** Loads the core (see {@link LoadCoreOptions}) and returns a hypervisor with no guests. */
  static async create(options: HypervisorOptions = {}): Promise<Hypervisor> {
    const hv = new Hypervisor(await loadCore(options));
    hv.setJit(options.jit ?? true);
    return hv;
  }

  /** Turns translation on (with options) or off, for every guest of this hypervisor. */
  setJit(jit: boolean | JitOptions): void {
    if (jit === false) {
      this.core.jitSetEnabled(0);
      return;
    }
    const o = jit === true ? {} : jit;
    const compiler = blockCompilerOf(this.core);
    if (compiler) compiler.cacheLimit = o.cacheBytes ?? DEFAULT_CACHE_BYTES;
    this.core.jitConfigure(o.hot ?? 30_000, o.blocks ?? 8192);
    this.core.jitSetEnabled(1);
  }

  /** The JIT's counters since this hypervisor was created. */
  jitStats(): JitStats {
    const host = blockCompilerOf(this.core);
    return {
      enabled: this.core.jitEnabled() !== 0,
      translations: this.core.jitStat(0),
      invalidations: this.core.jitStat(1),
      flushes: this.core.jitStat(2),
      instructions: this.core.jitStat(3),
      entries: this.core.jitStat(4),
      compileMs: host?.stats.compileMs ?? 0,
      codeBytes: host?.stats.bytes ?? 0,
      cacheBytes: host?.stats.liveBytes ?? 0,
      cacheLimit: host?.cacheLimit ?? 0,
    };
  }

  /** Wraps an already instantiated core. */
  static fromCore(core: CoreExports): Hypervisor {
    return new Hypervisor(core);
  }

  /** A new guest in reset state. Throws {@link GuestCreateError}. */
  createGuest(options: GuestOptions): Guest {
    const { ramBytes } = options;
    const problem = checkRamSize(ramBytes);
    if (problem) throw new GuestCreateError('bad-ram-size', problem);
    const h = this.core.guestCreate(ramBytes);
    if (h < 0) {
      switch (h) {
        case CREATE_BAD_RAM_SIZE:
          throw new GuestCreateError('bad-ram-size', `RAM size ${formatBytes(ramBytes)}: the core refused it (must be between 1 MiB and 1 GiB, a multiple of 4 KiB)`);
        case CREATE_OUT_OF_MEMORY:
          throw new GuestCreateError(
            'out-of-memory',
            `out of host memory: no room for a guest with ${formatBytes(ramBytes)} of RAM; at most ${formatBytes(Math.max(0, this.core.hostFreeBytes()))} is left (${this.guests.size} guest${this.guests.size === 1 ? '' : 's'} already running); use less RAM or destroy a guest`,
          );
        case CREATE_TOO_MANY_GUESTS:
          throw new GuestCreateError('too-many-guests', `too many guests: the core holds ${this.guests.size} already; destroy one first`);
        default:
          throw new GuestCreateError('out-of-memory', `the core could not create a guest (error ${h})`);
      }
    }
    const guest = this.adopt(h);
    if (options.deterministic) guest.setDeterministic(true);
    return guest;
  }

  /** @internal wraps a handle the core just created (createGuest, fork) */
  adopt(h: GuestHandle): Guest {
    const guest = new Guest(this, this.core, h, () => this.guests.delete(guest));
    this.guests.add(guest);
    return guest;
  }

  /** Bytes of RAM a new guest could still get from this core (an upper bound: its control block comes out of it too). */
  /**
   * Caps the memory this instance gives its guests (their regions: RAM plus a 64 KiB control
   * block each). A browser tab, for one, may not get the 4 GiB a Wasm memory can address.
   */
  setMemoryLimit(bytes: number): void {
    if (!(bytes >= 0)) throw new RangeError(`memory limit ${bytes}: must be a number of bytes >= 0`);
    this.core.hostSetMemoryLimit(bytes);
  }

  get freeBytes(): number {
    return this.core.hostFreeBytes();
  }

  /** Guests created and not destroyed. */
  get guestCount(): number {
    return this.guests.size;
  }

  /**
   * Restores a snapshot (`.mvsnap` bytes from {@link Guest.snapshot}, or one read with
   * readSnapshot) as a new guest that continues exactly where the original was. Throws
   * SnapshotError: not a snapshot, truncated, corrupted, too new, or no room for its RAM.
   */
  restore(snapshot: Uint8Array | ArrayBuffer | Snapshot): Promise<Guest> {
    return restoreSnapshot(this, snapshot);
  }

  /** Destroys every guest. */
  destroyAll(): void {
    for (const g of [...this.guests]) g.destroy();
  }
}

/** One guest machine. All methods throw {@link GuestStateError} after destroy(). */
export class Guest {
  private bootImage: BootRecord | undefined;
  /** The message of the core trap that stopped this guest, if one did. */
  private internalError: string | undefined;
  private destroyed = false;
  private readonly onDestroy: () => void;

  /** @internal use Hypervisor.createGuest */
  constructor(
    readonly hypervisor: Hypervisor,
    private readonly core: CoreExports,
    readonly handle: GuestHandle,
    onDestroy: () => void,
  ) {
    this.onDestroy = onDestroy;
  }

  private h(): GuestHandle {
    if (this.destroyed) throw new GuestStateError('destroyed', `guest ${this.handle} was destroyed`);
    return this.handle;
  }

  /** RAM size in bytes */
  get ramBytes(): number {
    return this.core.guestRamSize(this.h()) >>> 0;
  }

  /**
   * The guest's RAM as a view of the core's memory (index 0 is guest-physical 0x80000000), to read
   * and write. Pages it shares copy-on-write with a fork are made private first (the view is then
   * the whole truth). The view goes stale if the core's memory grows (e.g. when another guest is
   * created) or the guest is forked: take a new one rather than keeping it.
   */
  ram(): Uint8Array {
    const h = this.h();
    this.core.guestMaterialize(h);
    const base = this.core.guestRamHost(h) >>> 0;
    const size = this.core.guestRamSize(h) >>> 0;
    return new Uint8Array(this.core.memory.buffer, base, size);
  }

  /**
   * Validates an ELF image for this guest's RAM (throws ElfError), resets the guest, copies the
   * segments into RAM (bss zeroed; other RAM left as it is, all zero on a fresh guest) and sets
   * PC = entry, a0 = 0 (hart id), a1 = 0 (no device tree yet). Returns the parsed image.
   */
  load(elf: Uint8Array | ArrayBuffer): ElfImage {
    const image = parseElf(elf, { ramBytes: this.ramBytes });
    this.loadImage(image);
    return image;
  }

  /** Like load() for an image already parsed (it must fit this guest's RAM). */
  loadImage(image: ElfImage): void {
    this.h();
    this.boot({ kind: 'bare', image });
  }

  private boot(b: BootRecord): void {
    const previous = this.bootImage;
    this.bootImage = b;
    try {
      this.reset();
    } catch (e) {
      this.bootImage = previous; // e.g. an image parsed for a bigger RAM
      throw e;
    }
  }

  /**
   * Boots a kernel in S-mode with the hypervisor as its SBI firmware: `bytes` is an ELF (segments at
   * p_paddr, entry from the header) or a RISC-V Linux `Image` (loaded at RAM start + text_offset).
   * Validates it (throws KernelError), resets the guest, copies the kernel into RAM (bss zeroed),
   * writes the device tree (with `bootargs`) at the top of RAM and enters the kernel with a0 = 0
   * (hart id) and a1 = the device tree's address. reset() does all of it again.
   */
  bootKernel(bytes: Uint8Array | ArrayBuffer, options: BootKernelOptions = {}): KernelImage {
    const bootargs = options.bootargs ?? '';
    const kernel = parseKernel(bytes, { ramBytes: this.ramBytes, bootargs });
    this.boot({ kind: 'kernel', kernel, bootargs });
    return kernel;
  }

  /** The ELF image last loaded with load(), or the kernel last booted with bootKernel(), if any. */
  get loadedImage(): ElfImage | KernelImage | undefined {
    const b = this.bootImage;
    return b === undefined ? undefined : b.kind === 'bare' ? b.image : b.kernel;
  }

  /** The kernel last booted with bootKernel(), if the guest is in kernel mode. */
  get loadedKernel(): KernelImage | undefined {
    return this.bootImage?.kind === 'kernel' ? this.bootImage.kernel : undefined;
  }

  /**
   * System reset, as QEMU does it: the CPU and devices go back to reset state and the last image's
   * segments are copied into RAM again (bss zeroed); nothing else in RAM is cleared. A kernel also
   * gets its device tree written again and is booted again in S-mode. Without an image, only the
   * CPU and devices are reset. VM-exit counters keep counting across resets.
   */
  reset(): void {
    const h = this.h();
    const b = this.bootImage;
    // Copy first, then guestReset: the core may cache decoded code, and reset is where it forgets it.
    if (b?.kind === 'bare') loadElfIntoRam(b.image, this.ram());
    if (b?.kind === 'kernel') {
      const ram = this.ram();
      loadElfIntoRam(b.kernel, ram);
      const dt = b.kernel.deviceTree;
      ram.set(dt.blob, dt.address - RAM_BASE);
    }
    this.core.guestReset(h);
    this.internalError = undefined;
    if (b?.kind === 'bare') {
      this.core.guestSetPc(h, b.image.entry);
      this.core.guestSetReg(h, 10, 0); // a0 = hart id
      this.core.guestSetReg(h, 11, 0); // a1 = device tree address (none for a bare guest)
    } else if (b?.kind === 'kernel') {
      this.core.guestBootKernel(h, b.kernel.entry, b.kernel.deviceTree.address);
    }
  }

  /**
   * Raw VM-exit counters, one per index of EXIT_NAMES (src/core/exits.ts), counted since the guest
   * was created. Exact up to 2^53.
   */
  exitCounters(): number[] {
    const h = this.h();
    const ptr = this.core.guestExitsPtr(h) >>> 0;
    const n = this.core.guestExitsCount() >>> 0;
    const words = new Uint32Array(this.core.memory.buffer, ptr, n * 2);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = words[2 * i] + words[2 * i + 1] * 2 ** 32;
    return out;
  }

  /** The non-zero VM-exit counters by name (`mmio:uart:write`, `sbi:time.set_timer`, ...), kvm_stat style. */
  exits(): ExitStats {
    return readExits(this);
  }

  /**
   * Runs up to `budget` instructions (1 .. 2^32-1). A trap inside the core itself (a core bug)
   * is contained to this guest: it ends faulted, with `fault.kind === 'internal-error'`, and the
   * instance and its other guests go on. On the checked core, a failed isolation check throws
   * {@link IsolationViolationError} instead (after the same containment).
   */
  run(budget: number): StopReason {
    const h = this.h();
    if (!Number.isInteger(budget) || budget < 0 || budget > 0xffff_ffff) {
      throw new GuestStateError('bad-argument', `budget ${budget}: must be an integer between 0 and 4294967295`);
    }
    try {
      return (this.core.guestRun(h, budget) >>> 0) as StopReason;
    } catch (e) {
      if (!(e instanceof WebAssembly.RuntimeError)) throw e;
      this.core.hostContainTrap();
      this.internalError = e.message;
      const kind = this.core.checkedViolation() >>> 0;
      if (kind !== 0) {
        throw new IsolationViolationError(
          CHECK_KINDS[kind] ?? `check ${kind}`,
          this.core.checkedViolationHost() >>> 0,
          this.core.checkedViolationSize() >>> 0,
          this.region(),
        );
      }
      return StopReason.Faulted;
    }
  }

  /** Instructions retired by the last run(). */
  get lastRunCount(): number {
    return this.core.guestLastRunCount(this.h()) >>> 0;
  }

  /** Instructions retired since the last reset. */
  get instret(): number {
    return this.core.guestInstret(this.h());
  }

  /** The 16-bit exit code after a run() returned StopReason.Halted (0 for 0x5555). */
  get exitCode(): number {
    return this.core.guestExitCode(this.h());
  }

  /**
   * After StopReason.Faulted: the exception cause (mcause code) the guest is stuck on and the PC of
   * the faulting instruction, which is also its trap handler. `cause` is undefined on a core that
   * does not report it.
   */
  get fault(): GuestFault {
    const h = this.h();
    const cause = this.core.guestFaultCause(h) >>> 0;
    const pc = this.core.guestFaultPc(h) >>> 0;
    if (cause === FAULT_INTERNAL) {
      return {
        kind: 'internal-error',
        cause,
        pc,
        message: `internal error in the hypervisor core while running this guest (${this.internalError ?? 'WebAssembly trap'}); the guest was stopped, other guests are unaffected`,
      };
    }
    if (this.core.guestFaultFirstValid(h) !== 0) {
      const previous = {
        cause: this.core.guestFaultFirst(h, 0) >>> 0,
        pc: this.core.guestFaultFirst(h, 1) >>> 0,
        tval: this.core.guestFaultFirst(h, 2) >>> 0,
      };
      if (previous.pc !== pc || previous.cause !== cause) return { kind: 'stuck', cause, pc, previous };
    }
    return { kind: 'stuck', cause, pc };
  }

  /** After StopReason.Halted: 'poweroff', or 'panic' when the guest's kernel reported a panic (pvpanic). */
  get haltReason(): 'poweroff' | 'panic' {
    return this.core.guestHaltReason(this.h()) === 1 ? 'panic' : 'poweroff';
  }

  /** After StopReason.Wfi: host tick (10 MHz, same clock as hostTicks) when the timer fires, or +Infinity. */
  get nextDeadline(): number {
    return this.core.guestNextDeadline(this.h());
  }

  get pc(): number {
    return this.core.guestPc(this.h()) >>> 0;
  }

  set pc(value: number) {
    this.core.guestSetPc(this.h(), value >>> 0);
  }

  get priv(): Priv {
    return (this.core.guestPriv(this.h()) >>> 0) as Priv;
  }

  /** Integer register xN (0..31), unsigned. */
  reg(n: number): number {
    return this.core.guestReg(this.h(), this.regIndex(n)) >>> 0;
  }

  setReg(n: number, value: number): void {
    this.core.guestSetReg(this.h(), this.regIndex(n), value >>> 0);
  }

  private regIndex(n: number): number {
    if (!Number.isInteger(n) || n < 0 || n > 31) throw new GuestStateError('bad-argument', `register x${n} does not exist (x0..x31)`);
    return n;
  }

  setDeterministic(on: boolean): void {
    this.core.guestSetDeterministic(this.h(), on ? 1 : 0);
  }

  /**
   * This guest's own switch for translated code (on when created): off, it is interpreted even
   * when its hypervisor translates. Behaviour is the same either way; only speed differs.
   */
  setJit(on: boolean): void {
    this.core.guestSetJit(this.h(), on ? 1 : 0);
  }

  /** Whether this guest's code may run translated (its own switch and its hypervisor's). */
  get jit(): boolean {
    return this.core.guestJitOn(this.h()) !== 0 && this.core.jitEnabled() !== 0;
  }

  /** Guest instructions this guest has retired in translated code (instret counts all of them). */
  get jitInstructions(): number {
    return this.core.guestJitInstructions(this.h());
  }

  /** Whether mtime advances with retired instructions (true) or with host time. */
  get deterministic(): boolean {
    return this.core.guestIsDeterministic(this.h()) !== 0;
  }

  /**
   * The guest's whole state as `.mvsnap` bytes (docs/snapshots.md): CPU, devices, console
   * buffers, clock, exit counters, RAM and the image it boots from. The guest is unchanged and
   * can go on running; restore the bytes with Hypervisor.restore in any instance.
   */
  snapshot(): Promise<Uint8Array> {
    this.h();
    return captureSnapshot(this);
  }

  /**
   * A new guest that continues from exactly this guest's state, sharing its RAM copy-on-write:
   * a page is copied only when either side writes it. The fork runs on its own from then on
   * (same instance; to move a guest elsewhere, use snapshot() and restore()).
   * Throws GuestCreateError when the instance has no room for another region.
   */
  fork(): Guest {
    const h = this.h();
    const child = this.core.guestFork(h);
    if (child < 0) {
      throw new GuestCreateError(
        child === CREATE_TOO_MANY_GUESTS ? 'too-many-guests' : 'out-of-memory',
        `cannot fork guest ${h}: ${child === CREATE_TOO_MANY_GUESTS ? 'too many guests' : `no room for another ${formatBytes(this.ramBytes)} region (${formatBytes(Math.max(0, this.core.hostFreeBytes()))} left)`}`,
      );
    }
    const guest = this.hypervisor.adopt(child);
    guest.bootImage = this.bootImage;
    return guest;
  }

  /** Copy-on-write figures: pages shared with a fork now, and pages copied because one was written. */
  get sharing(): { readonly sharedPages: number; readonly copiedPages: number } {
    const h = this.h();
    return { sharedPages: this.core.guestSharedPages(h) >>> 0, copiedPages: this.core.guestCowCopies(h) };
  }

  /**
   * RAM pages written since the last call (or since the guest was created), as page numbers
   * (page p is guest-physical 0x80000000 + p * 4096). Starts a new round: for live migration.
   */
  takeDirtyPages(): number[] {
    const h = this.h();
    const pages = (this.core.guestRamSize(h) >>> 0) / 4096;
    const bits = new Uint8Array(this.core.memory.buffer, this.core.guestDirtyPtr(h) >>> 0, Math.ceil(pages / 8));
    const out: number[] = [];
    for (let i = 0; i < bits.length; i++) {
      const b = bits[i]!;
      if (b === 0) continue;
      for (let j = 0; j < 8; j++) if (b & (1 << j)) out.push(i * 8 + j);
    }
    this.core.guestDirtyReset(h);
    return out;
  }

  /** Whether RAM page p is all zero (checked in the core: fast enough to scan a whole RAM). */
  pageIsZero(p: number): boolean {
    return this.core.guestPageIsZero(this.h(), p) !== 0;
  }

  /** Host address of the page backing RAM page p now: read-only, for snapshots and migration. */
  pageView(p: number): Uint8Array {
    const h = this.h();
    const ptr = this.core.guestPagePtr(h, p) >>> 0;
    if (ptr === 0) throw new GuestStateError('bad-argument', `RAM page ${p} does not exist (the guest has ${this.ramBytes / 4096})`);
    return new Uint8Array(this.core.memory.buffer, ptr, 4096);
  }

  /** @internal what the guest boots from on reset (for snapshots) */
  get bootRecord(): BootRecord | undefined {
    return this.bootImage;
  }

  /** @internal a restored guest takes over the boot image of its snapshot */
  adoptBootRecord(b: BootRecord | undefined): void {
    this.h();
    this.bootImage = b;
  }

  /** Takes (and clears) what the guest wrote to its console since the last call. */
  readConsole(): Uint8Array {
    const h = this.h();
    const len = this.core.guestConsoleOutLen(h) >>> 0;
    if (len === 0) return new Uint8Array(0);
    const ptr = this.core.guestConsoleOutPtr(h) >>> 0;
    const out = new Uint8Array(this.core.memory.buffer, ptr, len).slice();
    this.core.guestConsoleOutClear(h);
    return out;
  }

  /** Drops the console input queued for the guest that it has not read yet (e.g. before a reset). */
  clearConsoleInput(): void {
    this.core.guestConsoleInClear(this.h());
  }

  /**
   * The CSRs (and PC, privilege) as they are now, by name: for debuggers and the page's view of
   * the machine. `mip` includes the device lines.
   */
  csrs(): Record<keyof typeof HART_CSR_OFFSETS | 'mip', number> {
    const h = this.h();
    const view = new DataView(this.core.memory.buffer, this.core.guestStatePtr(h) >>> 0, HART_STATE_BYTES);
    const out = {} as Record<keyof typeof HART_CSR_OFFSETS | 'mip', number>;
    for (const [name, off] of Object.entries(HART_CSR_OFFSETS) as [keyof typeof HART_CSR_OFFSETS, number][]) out[name] = view.getUint32(off, true);
    out.mip = (view.getUint32(HART_MIP_OFFSETS[0], true) | view.getUint32(HART_MIP_OFFSETS[1], true)) >>> 0;
    return out;
  }

  /**
   * Reads guest-physical memory (RAM only; no device access, no side effect): `length` bytes at
   * `address`, or undefined when any of them is not RAM. Pages shared with a fork stay shared.
   */
  readPhysical(address: number, length: number): Uint8Array | undefined {
    const off = address - RAM_BASE;
    if (!Number.isInteger(off) || !Number.isInteger(length) || off < 0 || length < 0 || off + length > this.ramBytes) return undefined;
    const out = new Uint8Array(length);
    for (let at = 0; at < length; ) {
      const p = Math.floor((off + at) / 4096);
      const inPage = (off + at) % 4096;
      const n = Math.min(4096 - inPage, length - at);
      out.set(this.pageView(p).subarray(inPage, inPage + n), at);
      at += n;
    }
    return out;
  }

  /** Queues bytes for the guest's UART; returns how many were queued (fewer when the queue is full). */
  writeConsole(bytes: Uint8Array | string): number {
    const h = this.h();
    const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
    let n = 0;
    while (n < data.length && this.core.guestConsoleInPush(h, data[n]) !== 0) n++;
    return n;
  }

  /**
   * A hash of everything the guest can observe or change: registers, PC, privilege, CSRs, device
   * state and all of RAM. Two runs of a deterministic guest with the same input end with the
   * same hash. (FNV-1a over 32-bit words, two lanes: for comparing states, not for security.)
   */
  stateHash(): string {
    const h = this.h();
    const mem = this.core.memory.buffer;
    const block = this.core.guestStatePtr(h) >>> 0;
    const parts = [
      new Uint32Array(mem, block, HART_STATE_BYTES / 4),
      new Uint32Array(mem, block + DEVICE_STATE_OFFSET, DEVICE_STATE_BYTES / 4),
      // RAM page by page, wherever each page lives now (it may be shared with a fork).
      ...Array.from({ length: (this.core.guestRamSize(h) >>> 0) / 4096 }, (_, p) => new Uint32Array(mem, this.core.guestPagePtr(h, p) >>> 0, 1024)),
    ];
    let a = 0x811c9dc5;
    let b = 0x01000193;
    for (const words of parts) {
      for (let i = 0; i < words.length; i++) {
        const w = words[i]!;
        a = Math.imul(a ^ w, 0x01000193);
        b = Math.imul(b ^ (w >>> 16) ^ (w << 16), 0x85ebca6b) ^ i;
      }
    }
    return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
  }

  /** The guest's region of the core's memory (control block + RAM): the isolation boundary. */
  region(): { readonly base: number; readonly size: number; readonly ramBase: number } {
    const h = this.h();
    return {
      base: this.core.guestRegionBase(h) >>> 0,
      size: this.core.guestRegionSize(h) >>> 0,
      ramBase: this.core.guestRamHost(h) >>> 0,
    };
  }

  /** Frees the guest and zeroes its memory; the object is unusable afterwards. Idempotent. */
  destroy(): void {
    if (this.destroyed) return;
    this.core.guestDestroy(this.handle);
    this.destroyed = true;
    this.bootImage = undefined;
    this.onDestroy();
  }

  get isDestroyed(): boolean {
    return this.destroyed;
  }
}
