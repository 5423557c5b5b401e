/**
 * One host CPU: a Hypervisor (one core instance, one Wasm memory) and a Scheduler sharing this
 * worker's thread among its guests. Implements the RPC surface the page calls through comlink.
 */
import * as Comlink from 'comlink';
import {
  ElfError,
  GuestCreateError,
  NicLink,
  Hypervisor,
  KernelError,
  MigrationSource,
  MigrationTarget,
  Scheduler,
  SnapshotError,
  type BootRecord,
  type Guest,
  type ScheduledGuest,
} from '../../index.js';
import {
  OUTPUT_WINDOW_BYTES,
  type CreateResult,
  type EventSink,
  type GuestConfig,
  type GuestError,
  type GuestInfo,
  type HostCpuApi,
  type InitOptions,
  type MigrationBatch,
  type MigrationHandoff,
  type MigrationInResult,
  type MigrationStop,
  type Region,
  type StepResult,
  type WorkerJitStats,
  type WorkerStats,
} from './api.js';
import { blockCompilerOf } from '../../core/wasm.js';
import { WFI, clearUartInput, instructionAt } from './instruction.js';
import { readTlb, type TlbView } from './tlb.js';
import { debugRun, machineView, measureExitCosts, readMemory, setExitCost, walk, type DebugRunRequest, type DebugRunResult, type ExitCostReport, type MachineView, type MemoryView, type PageWalk } from './inspect.js';
import { Outbox } from './outbox.js';
import { isLinuxImage } from '../../loader/elf.js';
import { withLinuxIp } from '../../net/linux-ip.js';
import type { MessagePortLike } from '../../net/channel.js';
import { RunLoop } from './run-loop.js';
import { StatsTracker } from './stats.js';

/**
 * Instructions per turn for a guest of weight 1: ~0.2-0.7 ms, so a 4 ms slice visits several
 * guests and a guest woken by a key waits for at most a few short turns of the others. (20 000
 * and 100 000 give the same total MIPS in Node: switching guests costs next to nothing.)
 */
const QUANTUM = 50_000;
/** Host milliseconds per slice before the worker returns to its event loop. */
const SLICE_MS = 4;
const STATS_EVERY_MS = 250;

/** The page's notice when this worker may not compile WebAssembly at run time (shown once). */
export const JIT_UNAVAILABLE_NOTICE =
  'Translation to WebAssembly is not allowed here (Content-Security-Policy without \'wasm-unsafe-eval\'); guests are interpreted.';

interface Entry {
  readonly id: number;
  readonly sg: ScheduledGuest;
  readonly region: Region;
  /** output handed to the page and not yet written into its terminal */
  unacked: number;
  /** output bytes given to the outbox since it was placed here (minus those dropped by a reset): a migration's hand-over waits for the page to have them all */
  emitted: number;
  /** its card's link to the page's switch, when it is on the network */
  link?: NicLink;
  /** its own JIT switch (Guest.setJit), as set here */
  jit: boolean;
}

/** A guest being migrated here: its RAM filling up, its boot record, a pending hand-off. */
interface Incoming {
  readonly target: MigrationTarget;
  boot?: BootRecord | undefined;
  hasBoot?: boolean;
  /** ends a migrateInAwait that is still waiting (the migration was aborted) */
  cancel?: () => void;
}

/** A guest being migrated away: its pre-copy rounds, and whether it was stopped for the final copy. */
interface Outgoing {
  readonly source: MigrationSource;
  stopped?: { readonly wasPaused: boolean };
  /** the boot record went ahead (migrateOutBoot) */
  bootSent?: boolean;
}

export class HostCpu implements HostCpuApi {
  private hv: Hypervisor | undefined;
  private scheduler: Scheduler | undefined;
  private readonly byId = new Map<number, Entry>();
  private readonly bySg = new Map<ScheduledGuest, Entry>();
  private nextId = 1;
  /** at most one message per 8 ms: a key's echo right after a flood's batch waits at most that */
  private readonly outbox = new Outbox(8);
  private readonly stats_ = new StatsTracker();
  private loop: RunLoop | undefined;
  private readonly outgoing = new Map<number, Outgoing>();
  private readonly incoming = new Map<number, Incoming>();
  private statsTimer: ReturnType<typeof setInterval> | undefined;

  async init(options: InitOptions): Promise<void> {
    if (this.hv) return;
    // Translation on for the instance; each guest has its own switch (GuestConfig.jit, setJit).
    this.hv = await Hypervisor.create({ wasm: options.module ?? options.wasmUrl, jit: true });
    const compiler = blockCompilerOf(this.hv.core);
    if (compiler) {
      compiler.onUnavailable = (message) => {
        // Called once, from inside a guest's run: the core has turned its JIT off and goes on interpreting.
        console.warn(message);
        this.outbox.add({ type: 'notice', key: 'jit-unavailable', message: JIT_UNAVAILABLE_NOTICE });
      };
    }
    if (options.memoryLimitBytes !== undefined) this.hv.setMemoryLimit(options.memoryLimitBytes);
    this.scheduler = new Scheduler({
      quantum: QUANTUM,
      onOutput: (sg, bytes) => {
        const e = this.bySg.get(sg);
        if (!e) return;
        e.unacked += bytes.length;
        e.emitted += bytes.length;
        this.outbox.addOutput(e.id, bytes);
      },
      // Backpressure: a guest whose terminal is far behind stalls on a full UART instead of
      // filling the page's memory.
      outputBlocked: (sg) => (this.bySg.get(sg)?.unacked ?? 0) > OUTPUT_WINDOW_BYTES,
      onStateChange: (sg) => {
        const e = this.bySg.get(sg);
        if (!e) return;
        this.outbox.add({
          type: 'state',
          id: e.id,
          state: sg.state,
          ...(sg.exitCode !== undefined ? { exitCode: sg.exitCode } : {}),
          ...(sg.haltReason ? { haltReason: sg.haltReason } : {}),
          ...(sg.fault ? { fault: { pc: sg.fault.pc, ...(sg.fault.cause !== undefined ? { cause: sg.fault.cause } : {}) } } : {}),
        });
      },
    });
    const scheduler = this.scheduler;
    this.loop = new RunLoop((ms = SLICE_MS) => scheduler.runFor(ms), undefined, () => this.outbox.flushIfDue());
    this.statsTimer = setInterval(() => this.outbox.add({ type: 'stats', stats: this.stats() }), STATS_EVERY_MS);
  }

  /** Stops the stats timer (tests; a worker just ends). */
  close(): void {
    if (this.statsTimer !== undefined) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  }

  subscribe(sink: EventSink): void {
    this.outbox.connect(sink);
  }

  async create(config: GuestConfig): Promise<CreateResult> {
    const hv = this.core();
    let bytes: Uint8Array;
    if ('bytes' in config.image) {
      bytes = config.image.bytes;
    } else {
      try {
        const response = await fetch(config.image.url);
        if (!response.ok) return fail('fetch', `cannot fetch ${config.image.url}: HTTP ${response.status}`);
        bytes = new Uint8Array(await response.arrayBuffer());
      } catch (e) {
        return fail('fetch', `cannot fetch ${config.image.url}: ${(e as Error).message}`);
      }
    }
    let guest: Guest;
    try {
      guest = hv.createGuest({ ramBytes: config.ramBytes, deterministic: config.deterministic ?? false });
    } catch (e) {
      return fromError(e);
    }
    let entry: number;
    let link: NicLink | undefined;
    try {
      // A Linux kernel on the network boots with its address (ip=) on its command line.
      const bootargs = config.net && isLinuxImage(bytes) ? withLinuxIp(config.bootargs, config.net.mac) : (config.bootargs ?? '');
      entry = config.mode === 'kernel' ? guest.bootKernel(bytes, { bootargs }).entry : guest.load(bytes).entry;
      if (config.net) link = new NicLink(guest, this.waking(config.net.port), { mac: config.net.mac });
    } catch (e) {
      guest.destroy(); // a refused image leaves nothing behind
      config.net?.port.close();
      return fromError(e);
    }
    const sg = this.sched().add(guest, { name: config.name, weight: config.weight ?? 1, paused: config.paused ?? false });
    const e = this.register(sg, config.jit ?? true);
    const { id, region } = e;
    if (link) {
      e.link = link;
      link.bindScheduler(this.sched());
    }
    return { ok: true, guest: { id, name: config.name, mode: config.mode, ramBytes: config.ramBytes, entry, region } };
  }

  /**
   * The channel to the switch, seen through a listener that also wakes the run loop: a frame for
   * a guest asleep in WFI must make this worker run again even while it sleeps until a timer.
   */
  private waking(port: MessagePort): MessagePortLike {
    return {
      postMessage: (message, transfer) => port.postMessage(message, (transfer ?? []) as Transferable[]),
      addEventListener: (type, listener) =>
        port.addEventListener(type, (event) => {
          listener(event);
          this.loop!.wake();
        }),
      start: () => port.start(),
      close: () => port.close(),
    };
  }

  private register(sg: ScheduledGuest, jit: boolean): Entry {
    const id = this.nextId++;
    sg.guest.setJit(jit);
    const e: Entry = { id, sg, region: sg.guest.region(), unacked: 0, emitted: 0, jit };
    this.byId.set(id, e);
    this.bySg.set(sg, e);
    this.loop!.wake();
    return e;
  }

  start(id: number): void {
    this.resume(id);
  }

  pause(id: number): void {
    this.sched().pause(this.entry(id).sg);
  }

  resume(id: number): void {
    this.sched().resume(this.entry(id).sg);
    this.loop!.wake();
  }

  step(id: number): StepResult {
    const scheduler = this.sched();
    const { sg } = this.entry(id);
    const { guest } = sg;
    const wasWaiting = sg.state === 'waiting';
    scheduler.pause(sg);
    const before = { pc: guest.pc, priv: guest.priv, instret: guest.instret };
    const executed = instructionAt(guest);
    const ran = scheduler.step(sg);
    const after = { pc: guest.pc, priv: guest.priv, instret: guest.instret };
    const base = { state: sg.state, priv: after.priv, next: instructionAt(guest), instret: after.instret };
    if (sg.state === 'halted' || sg.state === 'faulted') {
      // Stepping into a power-off or a fault ran that instruction; stepping a stopped guest did not.
      const moved = ran && (after.instret !== before.instret || after.pc !== before.pc);
      return { ...base, stepped: moved, executed, ...(moved ? {} : { reason: sg.state }) };
    }
    if (after.instret === before.instret && after.pc === before.pc && after.priv === before.priv) {
      // Asleep in WFI with nothing pending: the core retires nothing and the PC stays past the WFI.
      const wfi = wasWaiting || isWfiBefore(guest);
      return { ...base, stepped: false, executed: wfi ? instructionAt(guest, -4) : executed, ...(wfi ? { reason: 'wfi' as const } : {}) };
    }
    return { ...base, stepped: true, executed };
  }

  reset(id: number): void {
    const e = this.entry(id);
    // Keys typed for the old run must not reach the new one: drop what waits in the scheduler
    // and in the UART's receive queue, and the output not yet sent to the page.
    e.sg.pendingInput = [];
    e.sg.pendingBytes = 0;
    clearUartInput(e.sg.guest);
    const dropped = this.outbox.forget(e.id);
    e.unacked = Math.max(0, e.unacked - dropped);
    e.emitted -= dropped;
    this.sched().reset(e.sg);
    this.loop!.wake();
  }

  destroy(id: number): void {
    const e = this.entry(id);
    e.link?.close();
    this.sched().remove(e.sg);
    e.sg.guest.destroy();
    this.byId.delete(id);
    this.bySg.delete(e.sg);
    this.outbox.forget(id);
    this.stats_.forget(id);
    this.outgoing.delete(id);
  }

  input(id: number, bytes: Uint8Array): number {
    const n = this.sched().input(this.entry(id).sg, bytes);
    this.outbox.expedite();
    this.loop!.wake(true);
    return n;
  }

  setWeight(id: number, weight: number): void {
    this.sched().setWeight(this.entry(id).sg, weight);
  }

  setJit(id: number, on: boolean): void {
    const e = this.entry(id);
    e.sg.guest.setJit(on);
    e.jit = on;
  }

  ack(id: number, bytes: number): void {
    const e = this.byId.get(id);
    if (!e) return; // acknowledgements may trail a destroy
    e.unacked = Math.max(0, e.unacked - bytes);
    this.loop!.wake();
  }

  stats(): WorkerStats {
    const hv = this.core();
    const tracked = [...this.byId.values()].map((e) => ({
      id: e.id,
      sg: e.sg,
      region: e.region,
      unacked: e.unacked,
      blocked: e.unacked > OUTPUT_WINDOW_BYTES,
      ...(e.link && !e.sg.guest.isDestroyed ? { net: { linkDrops: e.link.dropped, cardDrops: e.link.stats().rxDropped } } : {}),
      jit: e.jit,
    }));
    return this.stats_.snapshot(performance.now(), this.loop!.busyMs, hv.core.memory.buffer.byteLength, tracked, this.jitStats());
  }

  /** The instance's translation counters (its guests together). */
  private jitStats(): WorkerJitStats {
    const j = this.core().jitStats();
    return {
      // The instance's switch is on from init; the core turns it off only when compiling is refused.
      available: j.enabled,
      translations: j.translations,
      invalidations: j.invalidations,
      flushes: j.flushes,
      compileMs: j.compileMs,
      cacheBytes: j.cacheBytes,
      cacheLimit: j.cacheLimit,
    };
  }

  // ---- State: snapshots, forks, restores, live migration (docs/snapshots.md) ----

  async snapshot(id: number): Promise<Uint8Array> {
    const bytes = await this.entry(id).sg.guest.snapshot();
    return Comlink.transfer(bytes, [bytes.buffer]);
  }

  fork(id: number, name: string): CreateResult {
    const parent = this.entry(id);
    let child: Guest;
    try {
      child = parent.sg.guest.fork();
    } catch (e) {
      return fromError(e);
    }
    const sg = this.sched().add(child, { name, weight: parent.sg.weight, paused: parent.sg.state === 'paused' });
    return { ok: true, guest: this.infoOf(this.register(sg, parent.jit), name) };
  }

  async restore(request: { readonly bytes: Uint8Array; readonly name: string; readonly weight?: number; readonly paused?: boolean; readonly jit?: boolean }): Promise<CreateResult> {
    let guest: Guest;
    try {
      guest = await this.core().restore(request.bytes);
    } catch (e) {
      return fromError(e);
    }
    const sg = this.sched().add(guest, { name: request.name, weight: request.weight ?? 1, paused: request.paused ?? false });
    return { ok: true, guest: this.infoOf(this.register(sg, request.jit ?? true), request.name) };
  }

  migrateOutStart(id: number, options: { readonly stopBelow?: number; readonly maxRounds?: number }): MigrationBatch {
    const e = this.entry(id);
    if (this.outgoing.has(id)) throw new Error(`guest ${id} is already migrating`);
    const source = new MigrationSource(e.sg.guest, options);
    this.outgoing.set(id, { source });
    return transferBatch(source.firstRound());
  }

  migrateOutBoot(id: number): BootRecord | undefined {
    this.out(id).bootSent = true;
    return this.entry(id).sg.guest.bootRecord;
  }

  migrateOutNext(id: number): MigrationBatch | undefined {
    const b = this.out(id).source.nextRound();
    return b && transferBatch(b);
  }

  async migrateOutStop(id: number, port: MessagePort, options: { readonly delayMs?: number } = {}): Promise<MigrationStop> {
    const e = this.entry(id);
    const m = this.out(id);
    const wasPaused = e.sg.state === 'paused';
    this.sched().pause(e.sg);
    const pausedAt = performance.timeOrigin + performance.now();
    m.stopped = { wasPaused };
    // A boot image sent ahead is left out: the stop-and-copy is then only the CPU, devices and console.
    const { pages, state } = await m.source.finish({ boot: !m.bootSent });
    // Input the scheduler holds is not in the state: it goes along (and stays here in case of an abort).
    const input = concatBytes(e.sg.pendingInput);
    // Everything it printed here leaves now, ahead of the reply: the page waits for `emitted` bytes.
    this.outbox.flushNow();
    if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
    const handoff: MigrationHandoff = { pages, state, input, paused: wasPaused, weight: e.sg.weight, instructions: e.sg.instructions, jit: e.jit };
    const stop: MigrationStop = { pages: pages.pages.length, bytes: pages.data.byteLength, wasPaused, emitted: e.emitted, pausedAt };
    port.postMessage(handoff, [pages.pages.buffer, pages.data.buffer, state.buffer, input.buffer]);
    port.close();
    return stop;
  }

  migrateOutCommit(id: number): void {
    this.outgoing.delete(id);
    if (this.byId.has(id)) this.destroy(id);
  }

  migrateOutAbort(id: number): void {
    const m = this.outgoing.get(id);
    this.outgoing.delete(id);
    const e = this.byId.get(id);
    if (m?.stopped && !m.stopped.wasPaused && e) this.resume(id);
  }

  migrateInBegin(ramBytes: number): { readonly ok: true; readonly id: number } | { readonly ok: false; readonly error: GuestError } {
    let target: MigrationTarget;
    try {
      target = new MigrationTarget(this.core(), ramBytes);
    } catch (e) {
      const r = fromError(e);
      return r.ok ? { ok: false, error: { kind: 'internal', message: 'unexpected' } } : r;
    }
    const id = this.nextId++;
    this.incoming.set(id, { target });
    return { ok: true, id };
  }

  migrateInPages(id: number, batch: MigrationBatch): void {
    this.in(id).target.receive(batch);
  }

  migrateInBoot(id: number, boot: BootRecord | undefined): void {
    const m = this.in(id);
    m.boot = boot;
    m.hasBoot = true;
  }

  migrateInAwait(id: number, port: MessagePort, name: string): Promise<MigrationInResult> {
    const m = this.in(id);
    return new Promise((resolve) => {
      m.cancel = () => {
        port.close();
        resolve({ ok: false, error: { kind: 'internal', message: 'the migration was aborted' } });
      };
      port.onmessage = (ev: MessageEvent<MigrationHandoff>) => {
        port.close();
        void this.finishIncoming(id, ev.data, name).then(resolve);
      };
    });
  }

  private async finishIncoming(id: number, last: MigrationHandoff, name: string): Promise<MigrationInResult> {
    const { target, boot, hasBoot } = this.in(id);
    let guest: Guest;
    try {
      target.receive(last.pages);
      guest = await target.finish(last.state);
      if (hasBoot) guest.adoptBootRecord(boot);
    } catch (e) {
      this.incoming.delete(id);
      target.abort();
      const r = fromError(e);
      return r.ok ? { ok: false, error: { kind: 'internal', message: 'unexpected' } } : r;
    }
    this.incoming.delete(id);
    const sched = this.sched();
    const sg = sched.add(guest, { name, weight: last.weight, paused: true });
    sg.instructions = last.instructions;
    const e = this.register(sg, last.jit);
    if (last.input.length > 0) sched.input(sg, last.input);
    if (!last.paused) sched.resume(sg);
    const resumedAt = performance.timeOrigin + performance.now();
    this.loop!.wake();
    return { ok: true, guest: this.infoOf(e, name), resumedAt };
  }

  migrateInAbort(id: number): void {
    const m = this.incoming.get(id);
    this.incoming.delete(id);
    m?.cancel?.();
    m?.target.abort();
  }

  private infoOf(e: Entry, name: string): GuestInfo {
    const boot = e.sg.guest.bootRecord;
    return {
      id: e.id,
      name,
      mode: boot?.kind === 'kernel' ? 'kernel' : 'bare',
      ramBytes: e.sg.guest.ramBytes,
      entry: boot ? (boot.kind === 'kernel' ? boot.kernel.entry : boot.image.entry) : 0x8000_0000,
      region: e.region,
    };
  }

  private out(id: number): Outgoing {
    const m = this.outgoing.get(id);
    if (!m) throw new Error(`guest ${id} is not migrating`);
    return m;
  }

  private in(id: number): Incoming {
    const t = this.incoming.get(id);
    if (!t) throw new Error(`no incoming migration ${id} on this host CPU`);
    return t;
  }

  // Inside the machine (issue 14): see inspect.ts.
  machine(id: number): MachineView {
    return machineView(this.entry(id).sg.guest);
  }

  readMemory(id: number, address: number, length: number, space: 'physical' | 'virtual'): MemoryView {
    return readMemory(this.entry(id).sg.guest, address, length, space);
  }

  walk(id: number, va: number): PageWalk {
    return walk(this.entry(id).sg.guest, va);
  }

  tlb(id: number): TlbView {
    const guest = this.entry(id).sg.guest;
    return readTlb(guest, (va) => walk(guest, va).pa);
  }

  debugRun(id: number, request: DebugRunRequest): DebugRunResult & { readonly tlb: TlbView } {
    const r = debugRun(this.sched(), this.entry(id).sg, request);
    // read at the stop, before any other guest of this worker runs and a world switch empties it
    const tlb = this.tlb(id);
    this.outbox.flushIfDue();
    return { ...r, tlb };
  }

  measureExitCosts(): ExitCostReport {
    return measureExitCosts(this.core());
  }

  setExitCost(id: number, ticks: number): void {
    setExitCost(this.entry(id).sg.guest, ticks);
  }

  private core(): Hypervisor {
    if (!this.hv) throw new Error('host CPU not initialised: call init() first');
    return this.hv;
  }

  private sched(): Scheduler {
    this.core();
    return this.scheduler!;
  }

  private entry(id: number): Entry {
    const e = this.byId.get(id);
    if (!e) throw new Error(`no guest ${id} on this host CPU`);
    return e;
  }
}

/** Whether the instruction just before the PC is a WFI (the PC of a sleeping hart is past it). */
function isWfiBefore(guest: Guest): boolean {
  const prev = instructionAt(guest, -4);
  return prev.word === WFI;
}

function fail(kind: GuestError['kind'], message: string, code?: string): CreateResult {
  return { ok: false, error: { kind, message, ...(code !== undefined ? { code } : {}) } };
}

function transferBatch(b: MigrationBatch): MigrationBatch {
  return Comlink.transfer(b, [b.pages.buffer, b.data.buffer]);
}

function concatBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function fromError(e: unknown): CreateResult {
  if (e instanceof SnapshotError) return fail('snapshot', e.message, e.code);
  if (e instanceof ElfError) return fail('elf', e.message, e.code);
  if (e instanceof KernelError) return fail('kernel', e.message, e.code);
  if (e instanceof GuestCreateError) return fail('create', e.message, e.code);
  return fail('internal', e instanceof Error ? e.message : String(e));
}
