/**
 * The one RPC surface between the page and a worker (a "host CPU"). Both sides import these types:
 * the worker implements {@link HostCpuApi} and exposes it with comlink; the page wraps the worker
 * with comlink and gets the same interface, every method returning a promise.
 *
 * Everything here is plain data (structured-clonable). Guests are named by the worker's own small
 * integer ids; the page maps them to its page-wide ids.
 */

import type { DebugRunRequest, DebugRunResult, ExitCostReport, MachineView, MemoryView, PageWalk } from './inspect.js';
import type { TlbView } from './tlb.js';

import type { BootRecord } from '../../core/hypervisor.js';
import type { FrameSummary } from '../../net/decode.js';

export type BootMode = 'bare' | 'kernel';

/** The scheduler's states, plus 'crashed', which only the page knows (its worker died). */
export type GuestState = 'running' | 'waiting' | 'paused' | 'halted' | 'faulted';

export interface GuestConfig {
  readonly name: string;
  /** The image: its bytes (a user's file) or a URL the worker fetches (a catalogue entry). */
  readonly image: { readonly bytes: Uint8Array } | { readonly url: string };
  readonly ramBytes: number;
  /** CPU share relative to the worker's other guests (default 1). */
  readonly weight?: number;
  readonly mode: BootMode;
  /** Kernel command line (kernel mode only). */
  readonly bootargs?: string;
  /** mtime from retired instructions instead of host time: reproducible runs. */
  readonly deterministic?: boolean;
  /** Created paused (default false: runs at once). */
  readonly paused?: boolean;
  /**
   * Its network card on the page's switch (src/web/network.ts): the MAC, and the worker's end of
   * the channel frames travel on (transferred). Set up before the guest first runs, so that its
   * driver reads this MAC; a Linux kernel also gets its `ip=` address from it (net/linux-ip.ts).
   */
  readonly net?: { readonly mac: string; readonly port: MessagePort };
  /** Its hot code translated to WebAssembly (issue 16; default true): Guest.setJit. */
  readonly jit?: boolean;
}

/** Why a guest could not be created, with the loader's or the core's own message. */
export interface GuestError {
  /** 'elf' ElfError, 'kernel' KernelError, 'create' GuestCreateError, 'fetch' the image could not be fetched, 'snapshot' SnapshotError */
  readonly kind: 'elf' | 'kernel' | 'create' | 'fetch' | 'snapshot' | 'internal';
  readonly code?: string;
  readonly message: string;
}

export interface GuestInfo {
  readonly id: number;
  readonly name: string;
  readonly mode: BootMode;
  readonly ramBytes: number;
  readonly entry: number;
  readonly region: Region;
}

export type CreateResult = { readonly ok: true; readonly guest: GuestInfo } | { readonly ok: false; readonly error: GuestError };

/** A guest's slice of its worker's Wasm memory (control block + RAM): its isolation boundary. */
export interface Region {
  readonly base: number;
  readonly size: number;
  /** where guest-physical 0x80000000 lives */
  readonly ramBase: number;
}

/** One instruction: where, its raw bits (16-bit for a compressed one), and a disassembly. */
export interface InstructionView {
  readonly pc: number;
  /** undefined when the PC is not in RAM as a physical address (e.g. a paged kernel's virtual PC) */
  readonly word?: number;
  readonly length?: 2 | 4;
  readonly text?: string;
}

export interface StepResult {
  /** false when no instruction ran: the guest is halted or faulted, or asleep in WFI */
  readonly stepped: boolean;
  /** why nothing ran, when stepped is false */
  readonly reason?: 'wfi' | 'halted' | 'faulted';
  readonly state: GuestState;
  readonly priv: number;
  /** the instruction that just ran */
  readonly executed: InstructionView;
  /** the instruction the PC now points at */
  readonly next: InstructionView;
  readonly instret: number;
}

export interface ExitRate {
  readonly name: string;
  readonly count: number;
  /** exits per second over the last stats window */
  readonly rate: number;
}

export interface GuestStats {
  readonly id: number;
  readonly state: GuestState;
  readonly priv: number;
  readonly pc: number;
  /** instructions retired while scheduled (across resets) */
  readonly instructions: number;
  /** guest MIPS over the last second */
  readonly mips: number;
  /** fraction (0..1) of the worker's wall time spent running this guest over the last second */
  readonly hostShare: number;
  /** milliseconds of the worker's time spent running it, in all (instructions / hostMs: its speed while it ran) */
  readonly hostMs: number;
  readonly weight: number;
  readonly exitCode?: number;
  readonly fault?: { readonly cause?: number; readonly pc: number };
  /** all VM exits per second over the last second */
  readonly exitsPerSecond: number;
  /** non-zero VM-exit counters, highest rate first (then highest count); the busiest ones only */
  readonly exits: readonly ExitRate[];
  /** every VM-exit counter, by index of EXIT_NAMES (src/core/exits.ts): for deltas and a stable order */
  readonly counters?: readonly number[];
  readonly region: Region;
  /** output bytes sent to the page and not yet acknowledged */
  readonly unacked: number;
  /** stalled because the page is behind on its console */
  readonly blocked: boolean;
  /**
   * Its network card, when it is on the page's switch: frames from the switch this worker
   * dropped because the guest was not taking them (its link's bounded queue was full), and
   * frames the card itself dropped (the guest's receive buffer was too small).
   */
  readonly net?: { readonly linkDrops: number; readonly cardDrops: number };
  /** its own switch for translated code (Guest.setJit): off, it is interpreted */
  readonly jit: boolean;
  /** fraction (0..1) of its instructions over the last second that ran in translated code */
  readonly translated: number;
}

/** The worker's JIT (one per core instance, shared by its guests): hv.jitStats() and its compiler's counters. */
export interface WorkerJitStats {
  /** runtime compilation works here (false after a Content-Security-Policy refused it: everything is interpreted) */
  readonly available: boolean;
  /** blocks translated since the worker started */
  readonly translations: number;
  /** pages whose translations a guest's write dropped */
  readonly invalidations: number;
  /** times the whole code cache was emptied */
  readonly flushes: number;
  /** milliseconds spent building and compiling blocks */
  readonly compileMs: number;
  /** bytes of generated WebAssembly in the code cache now, and its limit */
  readonly cacheBytes: number;
  readonly cacheLimit: number;
}

export interface WorkerStats {
  /** wall time (ms, this worker's clock) of the snapshot */
  readonly at: number;
  /** fraction (0..1) of the last second spent running guests */
  readonly load: number;
  /** the Wasm memory's size in bytes */
  readonly memoryBytes: number;
  readonly guests: readonly GuestStats[];
  readonly jit: WorkerJitStats;
}

/** What a worker tells the page, batched: one callback call carries many of these. */
export type WorkerEvent =
  | { readonly type: 'output'; readonly id: number; readonly bytes: Uint8Array }
  | { readonly type: 'state'; readonly id: number; readonly state: GuestState; readonly exitCode?: number; readonly haltReason?: 'poweroff' | 'panic'; readonly fault?: { readonly cause?: number; readonly pc: number } }
  | { readonly type: 'stats'; readonly stats: WorkerStats }
  /** a one-line notice for the learner, not an error (e.g. translation is not allowed here) */
  | { readonly type: 'notice'; readonly key: string; readonly message: string };

export type EventSink = (events: WorkerEvent[]) => void;

/**
 * The page never lets more than this many output bytes of one guest wait for xterm: past it, the
 * guest stalls on a full UART. The page writes a flooding console at ~32 KiB a frame, so this is
 * a few frames of backlog, not seconds of it.
 */
export const OUTPUT_WINDOW_BYTES = 128 * 1024;

/** RAM pages on their way between two workers (state/migration.ts's PageBatch): transferred, not copied. */
export interface MigrationBatch {
  readonly pages: Uint32Array;
  readonly data: Uint8Array;
}

/**
 * The stop-and-copy, from the source worker straight to the destination worker over a
 * MessageChannel of their own (the page's main thread may be busy drawing consoles): the last
 * pages, the CPU and device state, and what the scheduler held.
 */
export interface MigrationHandoff {
  readonly pages: MigrationBatch;
  /** the state bytes for MigrationTarget.finish */
  readonly state: Uint8Array;
  /** console input the scheduler held and the UART had not taken yet (not part of the state) */
  readonly input: Uint8Array;
  /** the user had paused it before the migration: it stays paused on the destination */
  readonly paused: boolean;
  readonly weight: number;
  readonly instructions: number;
  /** its own JIT switch, kept on the destination */
  readonly jit: boolean;
}

/** What the source tells the page once it has stopped the guest and sent the hand-off. */
export interface MigrationStop {
  /** the last round: pages and bytes */
  readonly pages: number;
  readonly bytes: number;
  readonly wasPaused: boolean;
  /** output bytes of this guest handed to the page since it was placed here (all of them sent by now) */
  readonly emitted: number;
  /** when it stopped (performance.timeOrigin + now: comparable across workers) */
  readonly pausedAt: number;
}

export type MigrationInResult =
  | { readonly ok: true; readonly guest: GuestInfo; /** when it resumed (timeOrigin + now) */ readonly resumedAt: number }
  | { readonly ok: false; readonly error: GuestError };

export interface InitOptions {
  readonly wasmUrl: string;
  readonly module?: WebAssembly.Module;
  readonly memoryLimitBytes?: number;
}

export interface HostCpuApi {
  /**
   * Loads the core; call once before anything else. `module`: the core already compiled by the
   * page (one compile for every worker; a worker whose Content-Security-Policy forbids compiling
   * can still instantiate it), else the worker compiles `wasmUrl` itself.
   */
  init(options: InitOptions): Promise<void>;
  create(config: GuestConfig): Promise<CreateResult>;
  /** Starts a guest created paused (same as resume). */
  start(id: number): void;
  pause(id: number): void;
  resume(id: number): void;
  /** Pauses the guest if it runs, then executes one instruction (none while it sleeps in WFI). */
  step(id: number): StepResult;
  /** Power-on reset; the guest's pending console input and unsent output are dropped. */
  reset(id: number): void;
  destroy(id: number): void;
  /** Console input; returns the bytes accepted. */
  input(id: number, bytes: Uint8Array): number;
  setWeight(id: number, weight: number): void;
  /** The guest's own switch for translated code (it behaves the same either way; only speed differs). */
  setJit(id: number, on: boolean): void;
  /** The page has written `bytes` more of this guest's output into its terminal. */
  ack(id: number, bytes: number): void;
  stats(): WorkerStats;
  /** Registers the event sink (a comlink proxy); events are batched every ~16 ms. */
  subscribe(sink: EventSink): void;

  // State (docs/snapshots.md): snapshots, forks, restores and live migration between workers.
  /** The guest's `.mvsnap` bytes (transferred). */
  snapshot(id: number): Promise<Uint8Array>;
  /** A copy-on-write fork on this worker, named `name`, paused if the parent is. */
  fork(id: number, name: string): CreateResult;
  /** A new guest from `.mvsnap` bytes; a bad file is refused with kind 'snapshot' and nothing changes. */
  restore(request: { readonly bytes: Uint8Array; readonly name: string; readonly weight?: number; readonly paused?: boolean; readonly jit?: boolean }): Promise<CreateResult>;
  /** Source, round 0: every non-zero page; dirty tracking starts. The guest keeps running. */
  migrateOutStart(id: number, options: { readonly stopBelow?: number; readonly maxRounds?: number }): MigrationBatch;
  /** Source: what the guest boots from on reset (plain data; a kernel's is megabytes): sent ahead, during the pre-copy, so that the stop-and-copy leaves it out. */
  migrateOutBoot(id: number): BootRecord | undefined;
  /** Source: the pages dirtied since the last round, or undefined when it is time to stop and copy. */
  migrateOutNext(id: number): MigrationBatch | undefined;
  /**
   * Source: pauses the guest and sends the rest straight to the destination over `port` (after
   * `delayMs`, a test's slow final copy). The guest stays here, paused, until commit or abort.
   */
  migrateOutStop(id: number, port: MessagePort, options?: { readonly delayMs?: number }): Promise<MigrationStop>;
  /** Source: the destination runs the guest now; this copy goes. */
  migrateOutCommit(id: number): void;
  /** Source: the migration failed; the guest runs on here as before (resumed unless it was paused). */
  migrateOutAbort(id: number): void;
  /** Destination: reserves the guest's RAM; returns an id for the calls below. */
  migrateInBegin(ramBytes: number): { readonly ok: true; readonly id: number } | { readonly ok: false; readonly error: GuestError };
  migrateInPages(id: number, batch: MigrationBatch): void;
  /** Destination: the boot record sent ahead (see migrateOutBoot); the guest adopts it at finish. */
  migrateInBoot(id: number, boot: BootRecord | undefined): void;
  /**
   * Destination: resolves once the source's hand-off (MigrationHandoff) has come over `port` and
   * the guest, named `name`, is scheduled (held input first) and resumed unless it was paused.
   */
  migrateInAwait(id: number, port: MessagePort, name: string): Promise<MigrationInResult>;
  migrateInAbort(id: number): void;
  // Inside the machine (issue 14, src/web/worker/inspect.ts): read-only views, a stepping debugger, exit costs.
  /** Registers, CSRs and the disassembly around the PC. */
  machine(id: number): MachineView;
  /** Memory in rows of 16 bytes: guest-physical, or virtual through the guest's page table. */
  readMemory(id: number, address: number, length: number, space: 'physical' | 'virtual'): MemoryView;
  /** The Sv32 walk of a virtual address through the guest's satp: each level's PTE. */
  walk(id: number, va: number): PageWalk;
  /** The guest's TLB entries now (src/web/worker/tlb.ts): none if another guest ran since it did. */
  tlb(id: number): TlbView;
  /** Pauses the guest and single-steps it until a PC or exit breakpoint, or the budget (see DebugRunRequest); with its TLB at the stop. */
  debugRun(id: number, request: DebugRunRequest): DebugRunResult & { readonly tlb: TlbView };
  /** Host time per VM exit by class, measured on scratch guests of this worker's core. */
  measureExitCosts(): ExitCostReport;
  /** The exit-cost model: mtime ticks charged to the guest's clock per exit (0: off). */
  setExitCost(id: number, ticks: number): void;
}

// ---- The switch's worker (switch-host.ts): the page's network ----

/** One frame of a port's packet list. */
export interface PacketRecord extends FrameSummary {
  /** ms since the Unix epoch */
  readonly time: number;
  /** 'sent': the guest sent it; 'received': the switch handed it to the guest */
  readonly direction: 'sent' | 'received';
}

export interface SwitchPortView {
  /** the page's guest id */
  readonly guest: number;
  readonly name: string;
  readonly mac: string;
  /** the address a Linux guest gets from its MAC (net/linux-ip.ts); '' for none */
  readonly ip: string;
  readonly segment: string;
  readonly sentFrames: number;
  readonly sentBytes: number;
  readonly receivedFrames: number;
  readonly receivedBytes: number;
  /** frames for this port the switch dropped (its queue was full) */
  readonly drops: number;
  /** frames per second, both directions, over the last second */
  readonly packetsPerSecond: number;
  readonly bytesPerSecond: number;
}

export interface SwitchSnapshot {
  readonly ports: readonly SwitchPortView[];
  /** each port's latest frames, oldest first, by guest id */
  readonly packets: Readonly<Record<number, readonly PacketRecord[]>>;
  /** frames the capture let go (it keeps the latest) */
  readonly captureDropped: number;
}

export interface SwitchApi {
  /** Plugs a guest's card in: `channel` is the switch's end (the guest's worker has the other). */
  plug(guest: number, name: string, segment: string, mac: string, channel: MessagePort): void;
  unplug(guest: number): void;
  setSegment(guest: number, segment: string): void;
  snapshot(): SwitchSnapshot;
  /** The capture as a libpcap file (transferred). */
  pcap(): Uint8Array;
}
