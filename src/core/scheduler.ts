/**
 * Sharing one core instance (one host CPU) among its guests: weighted round-robin over
 * instruction quanta. A guest's weight is its CPU share; a guest waiting for an interrupt is
 * skipped until its timer is due or input arrives, so idle guests cost no host CPU, and
 * `runFor` reports when the next one wakes so that its caller can sleep until then.
 */
import { StopReason } from './abi.js';
import type { Guest, GuestFault } from './hypervisor.js';

export type GuestState = 'running' | 'waiting' | 'paused' | 'halted' | 'faulted';

export interface SchedulerOptions {
  /** Instructions a guest of weight 1 runs per turn (default 100 000). */
  readonly quantum?: number;
  /** Host clock in milliseconds (default performance.now). Must match the core's hostTicks / 1e4. */
  readonly now?: () => number;
  /** Receives each guest's console output after its turn. */
  readonly onOutput?: (guest: ScheduledGuest, bytes: Uint8Array) => void;
  /** When it returns true for a guest, its output is left in the core: the guest stalls on a full UART. */
  readonly outputBlocked?: (guest: ScheduledGuest) => boolean;
  /** Told about every change of state (halted with exit code, faulted, waiting...). */
  readonly onStateChange?: (guest: ScheduledGuest) => void;
}

export interface AddGuestOptions {
  readonly name?: string;
  /** CPU share relative to the other guests: a positive number (default 1). */
  readonly weight?: number;
  /** Start paused (default false). */
  readonly paused?: boolean;
}

/** How many input bytes may wait per guest beyond the UART's own queue. */
const INPUT_LIMIT = 64 * 1024;

/** Offset of mie in the hart state at guestStatePtr (H_MIE in assembly/hart.ts). */
const H_MIE = 0x08c;
/** The interrupts something other than the sleeping hart itself can raise: timers and devices. */
const MIE_TIMERS = (1 << 5) | (1 << 7); // STIE (SBI timer), MTIE (CLINT)
const MIE_EXTERNAL = (1 << 9) | (1 << 11); // SEIE, MEIE (PLIC: UART input, virtio)

/**
 * A guest asleep in WFI that nothing can ever wake: every interrupt a timer or a device could
 * raise is disabled in mie (or only a timer is enabled, and none is armed). Unlike a guest
 * `waiting` for input or a timer, it will never run again; only a reset helps.
 */
export interface AsleepForeverFault {
  readonly kind: 'asleep-forever';
  /** no exception is involved */
  readonly cause: undefined;
  /** the PC the hart sleeps at (the instruction after its WFI) */
  readonly pc: number;
  /** the guest's mie when it went to sleep */
  readonly mie: number;
  /** e.g. "asleep in WFI (pc 0x80000004) with every interrupt disabled (mie = 0): nothing can wake it" */
  readonly message: string;
}

/** The scheduler could not run a guest: its run or a callback threw (the other guests go on). */
export interface HostErrorFault {
  readonly kind: 'host-error';
  readonly cause: undefined;
  readonly pc: number;
  readonly message: string;
  /** what was thrown */
  readonly error: unknown;
}

/** Why a scheduled guest is 'faulted'. Every kind has a `pc`; `message` says it in words where the kind alone does not. */
export type SchedulerFault = GuestFault | AsleepForeverFault | HostErrorFault;

function hex32(n: number): string {
  return '0x' + (n >>> 0).toString(16).padStart(8, '0');
}

/**
 * For a guest that just stopped in WFI (StopReason.Wfi): undefined if a timer it has armed or
 * an external interrupt (console input, a device) can wake it, else why nothing can. The CLI
 * and the scheduler both use it.
 */
export function asleepForever(guest: Guest): AsleepForeverFault | undefined {
  const core = guest.hypervisor.core;
  const state = core.guestStatePtr(guest.handle) >>> 0;
  const mie = new DataView(core.memory.buffer).getUint32(state + H_MIE, true);
  if ((mie & MIE_EXTERNAL) !== 0) return undefined; // input or a device can raise it
  if ((mie & MIE_TIMERS) !== 0 && guest.nextDeadline !== Infinity) return undefined; // its timer will
  const pc = guest.pc;
  const why =
    mie === 0
      ? 'with every interrupt disabled (mie = 0)'
      : (mie & MIE_TIMERS) !== 0
        ? `with mie = ${hex32(mie)}: no external interrupt enabled and no timer armed`
        : `with mie = ${hex32(mie)}: only software interrupts enabled, which no one else can send`;
  return { kind: 'asleep-forever', cause: undefined, pc, mie, message: `asleep in WFI (pc ${hex32(pc)}) ${why}: nothing can wake it` };
}

/** A guest as the scheduler sees it: its state, weight, and what it has cost. */
export class ScheduledGuest {
  state: GuestState;
  weight: number;
  /** After 'halted': the exit code, and why: powered off, or its kernel panicked (pvpanic). */
  exitCode: number | undefined;
  haltReason: 'poweroff' | 'panic' | undefined;
  /**
   * After 'faulted': why (stuck on an exception, an internal error of the core, asleep in WFI
   * with nothing to wake it, or its run threw), the cause if an exception, the PC.
   */
  fault: SchedulerFault | undefined;
  /** Instructions retired while scheduled here, and the host milliseconds they took. */
  instructions = 0;
  hostMs = 0;
  /** Host time (ms) at which a waiting guest's timer fires. */
  wakeAt = Infinity;
  /** Input accepted but not yet taken by the guest's UART. */
  pendingInput: Uint8Array[] = [];
  pendingBytes = 0;
  /** Its last turn ended on a full console buffer. */
  outputFull = false;

  constructor(
    readonly guest: Guest,
    readonly name: string,
    weight: number,
    paused: boolean,
  ) {
    this.weight = weight;
    this.state = paused ? 'paused' : 'running';
  }
}

export interface RunReport {
  /** Whether any guest ran. */
  readonly ran: boolean;
  /** Host time (ms) when the earliest waiting guest wakes; Infinity if none will by itself. */
  readonly nextWakeAt: number;
  /** Whether some guest can run right now (the caller should call again soon). */
  readonly busy: boolean;
}

function checkWeight(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) throw new RangeError(`CPU weight ${weight}: must be a positive number`);
  return weight;
}

export class Scheduler {
  private readonly list: ScheduledGuest[] = [];
  private cursor = 0;
  /** Guests that input woke from WFI, to run before the round-robin goes on (see input()). */
  private readonly inputWoken: ScheduledGuest[] = [];
  private readonly quantum: number;
  private readonly now: () => number;
  private readonly turnHooks = new Set<(sg: ScheduledGuest) => void>();

  constructor(private readonly options: SchedulerOptions = {}) {
    this.quantum = options.quantum ?? 100_000;
    this.now = options.now ?? (() => performance.now());
  }

  get guests(): readonly ScheduledGuest[] {
    return this.list;
  }

  add(guest: Guest, options: AddGuestOptions = {}): ScheduledGuest {
    const sg = new ScheduledGuest(guest, options.name ?? `guest ${guest.handle}`, checkWeight(options.weight ?? 1), options.paused ?? false);
    this.list.push(sg);
    return sg;
  }

  /** Stops scheduling a guest (the caller destroys it if it wants). */
  remove(sg: ScheduledGuest): void {
    const w = this.inputWoken.indexOf(sg);
    if (w >= 0) this.inputWoken.splice(w, 1);
    const i = this.list.indexOf(sg);
    if (i < 0) return;
    this.list.splice(i, 1);
    if (this.cursor > i) this.cursor--;
    if (this.cursor >= this.list.length) this.cursor = 0;
  }

  setWeight(sg: ScheduledGuest, weight: number): void {
    sg.weight = checkWeight(weight);
  }

  pause(sg: ScheduledGuest): void {
    if (sg.state === 'running' || sg.state === 'waiting') this.setState(sg, 'paused');
  }

  resume(sg: ScheduledGuest): void {
    if (sg.state === 'paused') {
      sg.wakeAt = Infinity;
      this.setState(sg, 'running');
    }
  }

  /** Power-on reset (the image is reloaded); a paused guest stays paused. */
  reset(sg: ScheduledGuest): void {
    sg.guest.reset();
    sg.exitCode = undefined;
    sg.haltReason = undefined;
    sg.fault = undefined;
    sg.wakeAt = Infinity;
    if (sg.state !== 'paused') this.setState(sg, 'running');
  }

  /**
   * Executes exactly one instruction of a paused guest (a WFI with nothing pending retires
   * nothing). Returns false if the guest is not paused.
   */
  step(sg: ScheduledGuest): boolean {
    if (sg.state !== 'paused') return false;
    this.feedInput(sg);
    const stop = sg.guest.run(1);
    sg.instructions += sg.guest.lastRunCount;
    this.drain(sg);
    this.afterStop(sg, stop, true);
    this.afterTurn(sg);
    return true;
  }

  /**
   * Calls fn after every turn and step of a guest (a network switch moves frames there:
   * src/net). Returns a function that removes it.
   */
  onTurn(fn: (sg: ScheduledGuest) => void): () => void {
    this.turnHooks.add(fn);
    return () => this.turnHooks.delete(fn);
  }

  /** A guest waiting for an interrupt runs again (e.g. a frame arrived for it). */
  wake(sg: ScheduledGuest): void {
    if (sg.state === 'waiting') this.setState(sg, 'running');
  }

  /**
   * Queues console input for a guest; it wakes if it was waiting for an interrupt. Returns the
   * number of bytes accepted: all of them unless INPUT_LIMIT bytes are already waiting.
   */
  input(sg: ScheduledGuest, bytes: Uint8Array): number {
    const room = Math.max(0, INPUT_LIMIT - sg.pendingBytes);
    const take = bytes.subarray(0, room);
    if (take.length) {
      sg.pendingInput.push(take.slice());
      sg.pendingBytes += take.length;
    }
    this.feedInput(sg);
    if (sg.state === 'waiting') {
      this.setState(sg, 'running');
      // An interactive guest answers a key at once instead of after every other guest's turn
      // (like Xen's BOOST for a woken vCPU). Only input boosts: people type slowly, while
      // guests could wake each other with frames as fast as they like.
      if (take.length && !this.inputWoken.includes(sg)) this.inputWoken.push(sg);
    }
    return take.length;
  }

  /**
   * Runs guests round-robin for about `budgetMs` of host time: each runnable guest in turn gets
   * quantum x weight instructions. Returns early when every guest is waiting, paused or stopped.
   * A guest destroyed meanwhile is dropped from the list; a guest whose turn throws ends
   * 'faulted' (kind 'host-error') and the others go on.
   */
  runFor(budgetMs: number): RunReport {
    for (const sg of [...this.list]) if (sg.guest.isDestroyed) this.remove(sg);
    const start = this.now();
    let ran = false;
    let idleTurns = 0;
    while (this.list.length > 0 && idleTurns < this.list.length) {
      const woken = this.inputWoken.shift();
      if (woken) {
        // its extra turn; the round-robin resumes where it was
        if (this.list.includes(woken) && !woken.guest.isDestroyed && this.runnable(woken)) {
          ran = true;
          this.turn(woken);
          if (this.now() - start >= budgetMs) break;
        }
        continue;
      }
      if (this.cursor >= this.list.length) this.cursor = 0;
      const sg = this.list[this.cursor]!;
      this.cursor++;
      if (sg.guest.isDestroyed) {
        // destroyed by a callback during this call
        this.remove(sg);
        continue;
      }
      if (!this.runnable(sg)) {
        idleTurns++;
        continue;
      }
      idleTurns = 0;
      ran = true;
      this.turn(sg);
      if (this.now() - start >= budgetMs) break;
    }
    return { ran, nextWakeAt: this.nextWakeAt(), busy: this.list.some((g) => this.runnable(g)) };
  }

  /** Host time (ms) when the earliest waiting guest wakes by itself, or Infinity. */
  nextWakeAt(): number {
    let t = Infinity;
    for (const sg of this.list) if (sg.state === 'waiting' && sg.wakeAt < t) t = sg.wakeAt;
    return t;
  }

  private runnable(sg: ScheduledGuest): boolean {
    // A guest whose console is full while its reader is not taking output has nothing to do.
    if (sg.state === 'running') return !(sg.outputFull && (this.options.outputBlocked?.(sg) ?? false));
    if (sg.state === 'waiting' && this.now() >= sg.wakeAt) {
      this.setState(sg, 'running');
      return true;
    }
    return false;
  }

  private turn(sg: ScheduledGuest): void {
    try {
      const budget = Math.max(1, Math.min(0xffff_ffff, Math.round(this.quantum * sg.weight)));
      this.feedInput(sg);
      const t0 = this.now();
      const stop = sg.guest.run(budget);
      sg.hostMs += this.now() - t0;
      sg.instructions += sg.guest.lastRunCount;
      this.drain(sg);
      this.afterStop(sg, stop, false);
      this.afterTurn(sg);
    } catch (error) {
      if (sg.guest.isDestroyed) {
        this.remove(sg); // destroyed by a callback (onOutput, onStateChange) during its turn
        return;
      }
      // One guest's failure must not stop the others: this one stops, with the reason.
      let pc = 0;
      try {
        pc = sg.guest.pc;
      } catch {
        // the guest cannot even say where it is; 0 it is
      }
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      sg.fault = { kind: 'host-error', cause: undefined, pc, message: `stopped: running it threw ${what}`, error };
      this.setState(sg, 'faulted');
    }
  }

  private afterStop(sg: ScheduledGuest, stop: StopReason, stepping: boolean): void {
    sg.outputFull = stop === StopReason.OutputFull;
    switch (stop) {
      case StopReason.Halted:
        sg.exitCode = sg.guest.exitCode;
        sg.haltReason = sg.guest.haltReason;
        this.setState(sg, 'halted');
        break;
      case StopReason.Faulted:
        sg.fault = { ...sg.guest.fault };
        this.setState(sg, 'faulted');
        break;
      case StopReason.Reset:
        // The guest asked for a reset (test device 0x7777, SBI reboot): reload and go on.
        sg.guest.reset();
        break;
      case StopReason.Wfi: {
        if (stepping) break;
        // Input cannot wake a guest with no external interrupt enabled, so check before looking at it.
        const never = asleepForever(sg.guest);
        if (never) {
          sg.fault = never;
          this.setState(sg, 'faulted');
        } else if (sg.pendingBytes === 0) {
          sg.wakeAt = sg.guest.nextDeadline / 1e4;
          this.setState(sg, 'waiting');
        }
        break;
      }
      default:
        break;
    }
  }

  private afterTurn(sg: ScheduledGuest): void {
    for (const fn of this.turnHooks) fn(sg);
  }

  private feedInput(sg: ScheduledGuest): void {
    while (sg.pendingInput.length > 0) {
      const head = sg.pendingInput[0]!;
      const n = sg.guest.writeConsole(head);
      sg.pendingBytes -= n;
      if (n < head.length) {
        sg.pendingInput[0] = head.subarray(n);
        return;
      }
      sg.pendingInput.shift();
    }
  }

  private drain(sg: ScheduledGuest): void {
    if (this.options.outputBlocked?.(sg)) return;
    const out = sg.guest.readConsole();
    if (out.length > 0) this.options.onOutput?.(sg, out);
  }

  private setState(sg: ScheduledGuest, state: GuestState): void {
    if (sg.state === state) return;
    sg.state = state;
    this.options.onStateChange?.(sg);
  }
}
