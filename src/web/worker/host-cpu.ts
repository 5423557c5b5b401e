/**
 * One host CPU: a Hypervisor (one core instance, one Wasm memory) and a Scheduler sharing this
 * worker's thread among its guests. Implements the RPC surface the page calls through comlink.
 */
import {
  ElfError,
  GuestCreateError,
  Hypervisor,
  KernelError,
  Scheduler,
  type Guest,
  type ScheduledGuest,
} from '../../index.js';
import {
  OUTPUT_WINDOW_BYTES,
  type CreateResult,
  type EventSink,
  type GuestConfig,
  type GuestError,
  type HostCpuApi,
  type Region,
  type StepResult,
  type WorkerStats,
} from './api.js';
import { WFI, clearUartInput, instructionAt } from './instruction.js';
import { debugRun, machineView, measureExitCosts, readMemory, setExitCost, walk, type DebugRunRequest, type DebugRunResult, type ExitCostReport, type MachineView, type MemoryView, type PageWalk } from './inspect.js';
import { Outbox } from './outbox.js';
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

interface Entry {
  readonly id: number;
  readonly sg: ScheduledGuest;
  readonly region: Region;
  /** output handed to the page and not yet written into its terminal */
  unacked: number;
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

  async init(options: { readonly wasmUrl: string; readonly memoryLimitBytes?: number }): Promise<void> {
    if (this.hv) return;
    this.hv = await Hypervisor.create({ wasm: options.wasmUrl });
    if (options.memoryLimitBytes !== undefined) this.hv.setMemoryLimit(options.memoryLimitBytes);
    this.scheduler = new Scheduler({
      quantum: QUANTUM,
      onOutput: (sg, bytes) => {
        const e = this.bySg.get(sg);
        if (!e) return;
        e.unacked += bytes.length;
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
    this.loop = new RunLoop(() => scheduler.runFor(SLICE_MS), undefined, () => this.outbox.flushIfDue());
    setInterval(() => this.outbox.add({ type: 'stats', stats: this.stats() }), STATS_EVERY_MS);
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
    try {
      entry = config.mode === 'kernel' ? guest.bootKernel(bytes, { bootargs: config.bootargs ?? '' }).entry : guest.load(bytes).entry;
    } catch (e) {
      guest.destroy(); // a refused image leaves nothing behind
      return fromError(e);
    }
    const sg = this.sched().add(guest, { name: config.name, weight: config.weight ?? 1, paused: config.paused ?? false });
    const id = this.nextId++;
    const region = guest.region();
    const e: Entry = { id, sg, region, unacked: 0 };
    this.byId.set(id, e);
    this.bySg.set(sg, e);
    this.loop!.wake();
    return { ok: true, guest: { id, name: config.name, mode: config.mode, ramBytes: config.ramBytes, entry, region } };
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
    e.unacked = Math.max(0, e.unacked - this.outbox.forget(e.id));
    this.sched().reset(e.sg);
    this.loop!.wake();
  }

  destroy(id: number): void {
    const e = this.entry(id);
    this.sched().remove(e.sg);
    e.sg.guest.destroy();
    this.byId.delete(id);
    this.bySg.delete(e.sg);
    this.outbox.forget(id);
    this.stats_.forget(id);
  }

  input(id: number, bytes: Uint8Array): number {
    const n = this.sched().input(this.entry(id).sg, bytes);
    this.loop!.wake();
    return n;
  }

  setWeight(id: number, weight: number): void {
    this.sched().setWeight(this.entry(id).sg, weight);
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
    }));
    return this.stats_.snapshot(performance.now(), this.loop!.busyMs, hv.core.memory.buffer.byteLength, tracked);
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

  debugRun(id: number, request: DebugRunRequest): DebugRunResult {
    const r = debugRun(this.sched(), this.entry(id).sg, request);
    this.outbox.flushIfDue();
    return r;
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

function fromError(e: unknown): CreateResult {
  if (e instanceof ElfError) return fail('elf', e.message, e.code);
  if (e instanceof KernelError) return fail('kernel', e.message, e.code);
  if (e instanceof GuestCreateError) return fail('create', e.message, e.code);
  return fail('internal', e instanceof Error ? e.message : String(e));
}
