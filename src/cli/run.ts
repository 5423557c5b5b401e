/**
 * The CLI's run loop: runs a guest in slices, connects its console to stdin/stdout, sleeps while
 * the guest waits for an interrupt, and stops on halt, on the limits, or on Ctrl-A x.
 */
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { StopReason } from '../core/abi.js';
import type { Guest } from '../core/hypervisor.js';

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
  | { readonly kind: 'faulted'; readonly instructions: number; readonly cause: number | undefined; readonly pc: number }
  | { readonly kind: 'output-closed'; readonly instructions: number };

/**
 * Bytes from stdin on their way to the guest's UART. On a terminal, stdin is put in raw mode and
 * QEMU's escape is honoured: Ctrl-A x quits, Ctrl-A Ctrl-A sends Ctrl-A, Ctrl-A h prints help;
 * any other key after Ctrl-A is ignored. On a pipe or file, bytes go through untouched.
 */
class ConsoleInput {
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

  /** Moves waiting input into the guest's UART queue until it is full; returns bytes moved. */
  feed(guest: Guest): number {
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

/** Writes to stdout, waiting for 'drain' when the stream asks to (stream.write returned false). */
class ConsoleOutput {
  closed = false;
  private waiters: (() => void)[] = [];
  private readonly onError = () => {
    // EPIPE and the like: the reader went away. Stop writing and let the run loop end.
    this.closed = true;
    this.release();
  };
  private readonly onDrain = () => this.release();

  constructor(private readonly stream: NodeJS.WritableStream) {
    stream.on('error', this.onError);
    stream.on('drain', this.onDrain);
  }

  private release(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0 || this.closed) return;
    if (!this.stream.write(bytes)) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Resolves once everything written so far has been handed to the OS. */
  flush(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.stream.write('', () => resolve());
    });
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

  input.start();
  try {
    for (;;) {
      if (input.quit) return { kind: 'terminated', instructions };
      if (output.closed) return { kind: 'output-closed', instructions };
      input.feed(guest);
      const remaining = maxInstructions - instructions;
      if (remaining <= 0) return { kind: 'instruction-limit', instructions };

      const reason = guest.run(Math.min(SLICE_INSTRUCTIONS, remaining));
      instructions += guest.lastRunCount;
      await output.write(guest.readConsole());

      switch (reason) {
        case StopReason.Halted:
          await output.flush();
          return { kind: 'halted', exitCode: guest.exitCode, instructions, panicked: guest.haltReason === 'panic' };
        case StopReason.Reset:
          guest.reset();
          break;
        case StopReason.Faulted:
          await output.flush();
          return { kind: 'faulted', instructions, ...guest.fault };
        case StopReason.Wfi: {
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
