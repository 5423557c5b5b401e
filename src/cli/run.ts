/**
 * The CLI's run loop: runs a guest in slices, connects its console to stdin/stdout, sleeps while
 * the guest waits for an interrupt, and stops on halt, on the limits, or on Ctrl-A x.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { StopReason } from '../core/abi.js';
import type { Guest, GuestFault } from '../core/hypervisor.js';
import { asleepForever, type AsleepForeverFault } from '../core/scheduler.js';

/** Instructions per guestRun call; small enough that stdin, stdout and timers are serviced often. */
export const SLICE_INSTRUCTIONS = 2_000_000;

const CTRL_A = 0x01;

/** Stop stdin (backpressure) when this many input bytes wait for the guest; resume below LOW. */
const INPUT_HIGH_WATER = 64 * 1024;
const INPUT_LOW_WATER = 16 * 1024;

/** Longest single timer (setTimeout's limit is 2^31-1 ms); longer waits are made of several. */
const MAX_SLEEP_MS = 60 * 60 * 1000;

export interface RunIo {
  readonly stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export interface RunLimits {
  readonly maxInstructions?: number;
  readonly timeoutSeconds?: number;
}

export type RunOutcome =
  | { readonly kind: 'halted'; readonly exitCode: number; readonly instructions: number; readonly panicked: boolean }
  | { readonly kind: 'instruction-limit'; readonly instructions: number }
  | { readonly kind: 'timeout'; readonly instructions: number }
  | { readonly kind: 'terminated'; readonly instructions: number }
  | { readonly kind: 'idle-forever'; readonly instructions: number }
  /** stuck on an exception whose handler faults on itself, or an internal error of the core */
  | { readonly kind: 'faulted'; readonly instructions: number; readonly fault: GuestFault }
  /** in WFI with every interrupt that could wake it disabled: input would not help */
  | { readonly kind: 'asleep-forever'; readonly instructions: number; readonly fault: AsleepForeverFault }
  /** stdout's reader went away (EPIPE) */
  | { readonly kind: 'output-closed'; readonly instructions: number }
  /** writing stdout failed otherwise (ENOSPC, EIO...): the guest's output is lost */
  | { readonly kind: 'output-error'; readonly instructions: number; readonly error: NodeJS.ErrnoException };

/**
 * Bytes from stdin on their way to the guest's UART. On a terminal, stdin is put in raw mode and
 * QEMU's escape is honoured: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A h prints help;
 * any other key after Ctrl-A is ignored. On a pipe or file, bytes go through untouched.
 */
export class ConsoleInput {
  private readonly queue: Uint8Array[] = [];
  private queueOffset = 0;
  private queued = 0;
  private paused = false;
  private escape = false;
  private wakeUp: (() => void) | undefined;
  private rawMode = false;
  ended = false;
  quit = false;

  private readonly onData = (chunk: Buffer | string) => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.enqueue(this.rawMode ? this.filterEscapes(bytes) : bytes);
    if (this.queued > INPUT_HIGH_WATER && !this.paused) {
      this.paused = true;
      this.io.stdin.pause();
    }
    this.wake();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.wake();
  };
  private readonly onError = () => {
    this.ended = true; // an unreadable stdin is treated like a closed one
    this.wake();
  };
  private readonly restoreTty = () => {
    if (this.rawMode) {
      this.rawMode = false;
      try {
        this.io.stdin.setRawMode?.(false);
      } catch {
        // the terminal is gone; nothing to restore
      }
    }
  };

  constructor(private readonly io: RunIo) {}

  start(): void {
    const { stdin } = this.io;
    if (stdin.isTTY && typeof stdin.setRawMode === 'function') {
      stdin.setRawMode(true);
      this.rawMode = true;
      process.once('exit', this.restoreTty); // safety net: never leave the terminal raw
    }
    stdin.on('data', this.onData);
    stdin.once('end', this.onEnd);
    stdin.once('close', this.onEnd);
    stdin.on('error', this.onError);
    stdin.resume();
  }

  stop(): void {
    const { stdin } = this.io;
    stdin.off('data', this.onData);
    stdin.off('end', this.onEnd);
    stdin.off('close', this.onEnd);
    stdin.off('error', this.onError);
    stdin.pause();
    this.restoreTty();
    process.off('exit', this.restoreTty);
  }

  get isTerminal(): boolean {
    return this.rawMode;
  }

  private filterEscapes(bytes: Uint8Array): Uint8Array {
    const out: number[] = [];
    for (const b of bytes) {
      if (this.quit) break;
      if (this.escape) {
        this.escape = false;
        if (b === CTRL_A) out.push(CTRL_A);
        else if (b === 0x78 /* x */) this.quit = true;
        else if (b === 0x68 /* h */ || b === 0x3f /* ? */) {
          this.io.stderr.write('\r\nC-a h    print this help\r\nC-a x    exit minivisor\r\nC-a C-a  send C-a\r\n');
        }
      } else if (b === CTRL_A) {
        this.escape = true;
      } else {
        out.push(b);
      }
    }
    return Uint8Array.from(out);
  }

  private enqueue(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.queue.push(bytes);
    this.queued += bytes.length;
  }

  /** Moves waiting input into the guest's UART queue (or a scheduler's, run-network.ts) until it is full; returns bytes moved. */
  feed(guest: { writeConsole(bytes: Uint8Array): number }): number {
    let moved = 0;
    while (this.queue.length > 0) {
      const head = this.queue[0];
      const n = guest.writeConsole(head.subarray(this.queueOffset));
      moved += n;
      this.queueOffset += n;
      this.queued -= n;
      if (this.queueOffset < head.length) break; // the guest's queue is full: keep the rest
      this.queue.shift();
      this.queueOffset = 0;
    }
    if (this.paused && this.queued < INPUT_LOW_WATER && !this.ended) {
      this.paused = false;
      this.io.stdin.resume();
    }
    return moved;
  }

  get pending(): number {
    return this.queued;
  }

  wake(): void {
    const f = this.wakeUp;
    this.wakeUp = undefined;
    f?.();
  }

  /** Sleeps for `ms` (Infinity: until woken) or until input arrives, stdin ends or Ctrl-A x. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer !== undefined) clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, Math.max(1, Math.min(Math.ceil(ms), MAX_SLEEP_MS)));
      this.wakeUp = done;
    });
  }
}

/** Streams the run loop gave up flushing (--timeout ran out while their reader was not reading). */
const abandoned = new WeakSet<NodeJS.WritableStream>();

/**
 * Waits until everything written to stdout and stderr has reached the OS, then exits with
 * `status` (bin/minivisor.js). A stream the run loop abandoned is not waited for: its reader
 * stopped reading and --timeout has ended the run.
 */
export async function flushAndExit(status: number): Promise<never> {
  const streams = [process.stdout, process.stderr].filter((s) => !abandoned.has(s) && !s.destroyed);
  await Promise.all(streams.map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
  process.exit(status);
}

/**
 * Writes to stdout, waiting for 'drain' when the stream asks to (stream.write returned false),
 * but never past the run's deadline. Keeps the first write error: EPIPE (the reader went away)
 * and the others (ENOSPC on a full disk, EIO...) end the run differently.
 */
export class ConsoleOutput {
  error: NodeJS.ErrnoException | undefined;
  private waiters: (() => void)[] = [];
  private readonly onError = (e: Error) => {
    this.error ??= e as NodeJS.ErrnoException;
    this.release();
  };
  private readonly onDrain = () => this.release();

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', this.onError);
    stream.on('drain', this.onDrain);
  }

  get failed(): boolean {
    return this.error !== undefined;
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Calls `start` with a callback; resolves true when it is called, false if `deadline` (performance.now() ms) comes first. */
  private until(deadline: number, start: (done: () => void) => void): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (ok: boolean) => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        resolve(ok);
      };
      const arm = () => {
        const ms = deadline - performance.now();
        if (ms <= 0) finish(false);
        else timer = setTimeout(arm, Math.min(Math.ceil(ms), MAX_SLEEP_MS));
      };
      if (Number.isFinite(deadline)) arm();
      start(() => finish(true));
    });
  }

  /**
   * Writes `bytes`; when the stream is full, waits for it to drain. Resolves false if `deadline`
   * passed first (the reader is not reading, and the run must end anyway).
   */
  async write(bytes: Uint8Array, deadline = Infinity): Promise<boolean> {
    if (bytes.length === 0 || this.failed) return true;
    const ok = this.stream.write(bytes, (e) => {
      if (e) this.onError(e);
    });
    if (ok) return true;
    // 'drain' (or an error) comes in a later tick, so the waiter is in place in time.
    return (await this.until(deadline, (f) => this.waiters.push(f))) || this.abandon();
  }

  /** Resolves true once everything written so far has been handed to the OS, false if `deadline` came first. */
  async flush(deadline = Infinity): Promise<boolean> {
    if (this.failed) return true;
    const settled = await this.until(deadline, (f) =>
      this.stream.write('', (e) => {
        if (e) this.onError(e);
        f();
      }),
    );
    return settled || this.abandon();
  }

  private abandon(): false {
    abandoned.add(this.stream);
    return false;
  }

  stop(): void {
    // The 'error' listener stays: a late EPIPE must not become an uncaught exception.
    this.stream.off('drain', this.onDrain);
    this.release();
  }
}

/** Runs a loaded guest with its console on `io` until it halts or a limit stops it. */
export async function runGuest(guest: Guest, limits: RunLimits, io: RunIo): Promise<RunOutcome> {
  const input = new ConsoleInput(io);
  const output = new ConsoleOutput(io.stdout);
  const maxInstructions = limits.maxInstructions ?? Infinity;
  const deadline = limits.timeoutSeconds === undefined ? Infinity : performance.now() + limits.timeoutSeconds * 1000;
  let instructions = 0;

  /** How a failed stdout ends the run, if it has failed: EPIPE is the reader going away, the rest are errors. */
  const outputFailure = (): RunOutcome | undefined => {
    const e = output.error;
    if (e === undefined) return undefined;
    return e.code === 'EPIPE' ? { kind: 'output-closed', instructions } : { kind: 'output-error', instructions, error: e };
  };
  /** Hands the last output to the OS (within the deadline), then ends with `outcome` unless that failed. */
  const finish = async (outcome: RunOutcome): Promise<RunOutcome> => {
    if (!(await output.flush(deadline))) return { kind: 'timeout', instructions };
    const failure = outputFailure();
    return failure?.kind === 'output-error' ? failure : outcome;
  };

  input.start();
  try {
    for (;;) {
      if (input.quit) return { kind: 'terminated', instructions };
      const failure = outputFailure();
      if (failure) return failure;
      input.feed(guest);
      const remaining = maxInstructions - instructions;
      if (remaining <= 0) return { kind: 'instruction-limit', instructions };

      const reason = guest.run(Math.min(SLICE_INSTRUCTIONS, remaining));
      instructions += guest.lastRunCount;
      // A reader that does not read must not hold the run past --timeout.
      if (!(await output.write(guest.readConsole(), deadline))) return { kind: 'timeout', instructions };

      switch (reason) {
        case StopReason.Halted:
          return finish({ kind: 'halted', exitCode: guest.exitCode, instructions, panicked: guest.haltReason === 'panic' });
        case StopReason.Reset:
          guest.reset();
          break;
        case StopReason.Faulted:
          return finish({ kind: 'faulted', instructions, fault: guest.fault });
        case StopReason.Wfi: {
          // With no timer armed and no external interrupt enabled in mie, input cannot wake it either.
          const never = asleepForever(guest);
          if (never) return finish({ kind: 'asleep-forever', instructions, fault: never });
          if (input.feed(guest) > 0) break; // the new input raises the UART interrupt: run again
          const now = performance.now();
          if (now >= deadline) return { kind: 'timeout', instructions };
          const tick = guest.nextDeadline; // host ticks: performance.now() * 1e4
          const untilTimer = tick === Infinity ? Infinity : tick / 1e4 - now;
          const wait = Math.min(untilTimer, deadline - now);
          if (untilTimer === Infinity && input.ended && !input.quit) {
            // Nothing can ever raise an interrupt: no timer armed, no more input.
            return { kind: 'idle-forever', instructions };
          }
          if (wait >= 1) await input.sleep(wait);
          else await yieldToEventLoop();
          continue;
        }
        case StopReason.Budget:
        case StopReason.OutputFull: // drained above
          break;
        default:
          throw new Error(`the core returned an unknown stop reason ${reason as number}`);
      }
      if (performance.now() >= deadline) return { kind: 'timeout', instructions };
      await yieldToEventLoop(); // let stdin, stdout and timers run between slices
    }
  } finally {
    input.stop();
    output.stop();
  }
}
