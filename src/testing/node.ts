/**
 * Testing guests from Node (vitest, node:test, any runner): launch a guest on the real core,
 * wait for what it prints, type into it, and collect its exit code and statistics.
 *
 *   import { launchGuest } from 'minivisor/testing';
 *   await using guest = await launchGuest('guests/bin/echo.elf', { deterministic: true });
 *   await guest.console.waitFor('> ');
 *   guest.type('hello\n');
 *   await guest.console.waitFor(/echo: (\w+)/);
 */
import { readFile } from 'node:fs/promises';
import { Hypervisor, type Guest } from '../core/hypervisor.js';
import { readSnapshot, type Snapshot } from '../state/snapshot.js';
import { SNAPSHOT_MAGIC } from '../state/format.js';
import { Scheduler, type GuestState, type ScheduledGuest } from '../core/scheduler.js';
import type { ExitStats } from '../core/exits.js';
import { ConsoleTranscript, describePattern, lastLines, type Pattern } from './console-waiter.js';

export type { Pattern } from './console-waiter.js';

export interface LaunchOptions {
  /** Guest RAM in bytes, or a size like '64M' (default 64 MiB). */
  readonly ram?: number | string;
  /** 'bare' (M-mode at 0x80000000, default) or 'kernel' (S-mode on the hypervisor's SBI). */
  readonly mode?: 'bare' | 'kernel';
  /** Kernel command line (kernel mode). */
  readonly bootargs?: string;
  /** mtime from retired instructions: the same input gives the same transcript, every run. */
  readonly deterministic?: boolean;
  /** Stop the guest after this many instructions (default: no limit). */
  readonly maxInstructions?: number;
  /** Default timeout of waitFor and exit, in ms (default 10 000). */
  readonly timeout?: number;
}

export interface GuestStats {
  readonly state: GuestState | 'closed' | 'budget-exhausted';
  readonly instructions: number;
  readonly exitCode: number | undefined;
  readonly exits: ExitStats;
}

/** A failed expectation about a guest: the message shows what was expected and what it printed. */
export class GuestTestError extends Error {
  override readonly name = 'GuestTestError';
}

export function parseSize(size: number | string): number {
  if (typeof size === 'number') return size;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]?)i?B?$/i.exec(size.trim());
  if (!m) throw new RangeError(`RAM size ${JSON.stringify(size)}: use bytes or a size like 64M, 1G`);
  const unit = { '': 1, K: 1024, M: 1 << 20, G: 1 << 30 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G'];
  return Math.round(Number(m[1]) * unit);
}

/** What a test can do with the guest's console. */
export interface TestConsole {
  /** Waits until the console shows `pattern` (after the previous waitFor's match) and returns the match. */
  waitFor(pattern: Pattern, options?: { timeout?: number }): Promise<RegExpMatchArray>;
  /** Everything printed so far. */
  text(): string;
}

export class TestGuest implements AsyncDisposable {
  readonly console: TestConsole;
  private readonly transcript = new ConsoleTranscript();
  private cursor = 0;
  private closed = false;
  private budgetExhausted = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly stateWaiters = new Set<() => void>();
  private readonly scheduler: Scheduler;
  private readonly sg: ScheduledGuest;

  /** @internal use launchGuest */
  constructor(
    private readonly hv: Hypervisor,
    readonly guest: Guest,
    private readonly options: LaunchOptions,
  ) {
    this.scheduler = new Scheduler({
      onOutput: (_sg, bytes) => this.transcript.append(bytes),
      onStateChange: () => this.notify(),
    });
    this.sg = this.scheduler.add(guest, { name: 'guest' });
    this.console = {
      waitFor: (pattern, opts) => this.waitFor(pattern, opts?.timeout),
      text: () => this.transcript.text(),
    };
    this.pump();
  }

  /**
   * The guest's whole state now, as `.mvsnap` bytes: write them to a file, or launch them again
   * (launchGuest(bytes)) to start another test from exactly here.
   */
  snapshot(): Promise<Uint8Array> {
    this.ensureOpen('snapshot');
    return this.guest.snapshot();
  }

  /** Types text into the guest's UART (as if on its terminal). */
  type(text: string | Uint8Array): void {
    this.ensureOpen('type');
    this.scheduler.input(this.sg, typeof text === 'string' ? new TextEncoder().encode(text) : text);
    this.pump();
  }

  /** Resolves with the guest's exit code once it powers off. */
  async exit(options: { timeout?: number } = {}): Promise<number> {
    await this.until(() => this.sg.state === 'halted' || this.sg.state === 'faulted' || this.budgetExhausted, options.timeout, 'the guest to power off');
    if (this.sg.state !== 'halted') throw this.failure(`expected the guest to power off, but it ${this.describeState()}`);
    return this.sg.exitCode!;
  }

  stats(): GuestStats {
    return {
      state: this.closed ? 'closed' : this.budgetExhausted ? 'budget-exhausted' : this.sg.state,
      instructions: this.sg.instructions,
      exitCode: this.sg.exitCode,
      exits: this.closed ? [] : this.guest.exits(),
    };
  }

  /** Stops the guest and frees its memory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.guest.destroy();
    this.notify();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async waitFor(pattern: Pattern, timeout = this.options.timeout ?? 10_000): Promise<RegExpMatchArray> {
    this.ensureOpen('waitFor');
    const w = this.transcript.wait(pattern, this.cursor);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = new Promise<never>((_, reject) => {
      const check = (): void => {
        if (this.closed || this.sg.state === 'halted' || this.sg.state === 'faulted' || this.budgetExhausted) {
          // Give the last output a chance to match before giving up.
          setTimeout(() => reject(this.failure(`expected the console to show ${describePattern(pattern)}, but the guest ${this.describeState()}`)), 0);
          this.stateWaiters.delete(check);
        }
      };
      this.stateWaiters.add(check);
      check();
      timer = setTimeout(() => {
        this.stateWaiters.delete(check);
        reject(this.failure(`timed out after ${timeout} ms waiting for the console to show ${describePattern(pattern)}; the guest ${this.describeState()}`));
      }, timeout);
    });
    try {
      const m = await Promise.race([w.promise, stopped]);
      this.cursor = (m.index ?? 0) + m[0].length;
      return m;
    } finally {
      w.cancel();
      clearTimeout(timer);
    }
  }

  private until(done: () => boolean, timeout = this.options.timeout ?? 10_000, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.stateWaiters.delete(check);
        reject(this.failure(`timed out after ${timeout} ms waiting for ${what}; the guest ${this.describeState()}`));
      }, timeout);
      const check = (): void => {
        if (done() || this.closed) {
          clearTimeout(timer);
          this.stateWaiters.delete(check);
          resolve();
        }
      };
      this.stateWaiters.add(check);
    });
  }

  private describeState(): string {
    if (this.closed) return 'was closed';
    if (this.budgetExhausted) return `stopped after its ${this.options.maxInstructions} instruction budget`;
    const s = this.sg;
    if (s.state === 'halted') return `powered off with exit code ${s.exitCode}`;
    if (s.state === 'faulted') {
      const f = s.fault;
      if (f && f.kind !== 'stuck') return `is stopped: ${f.message}`;
      return `is stuck: exception ${f?.cause} at pc 0x${(f?.pc ?? 0).toString(16)} traps to itself`;
    }
    return `is ${s.state} (pc 0x${this.guest.pc.toString(16)}, ${s.instructions} instructions)`;
  }

  private failure(message: string): GuestTestError {
    const text = this.transcript.text();
    const tail = text.length ? `\nlast console lines:\n${lastLines(text)}` : '\n(the console is empty)';
    return new GuestTestError(`${message}${tail}`);
  }

  private notify(): void {
    for (const f of [...this.stateWaiters]) f();
  }

  private ensureOpen(what: string): void {
    if (this.closed) throw new GuestTestError(`${what}: the guest was closed`);
  }

  /** Runs the guest in slices in the background, sleeping while it waits for an interrupt. */
  private pump(): void {
    if (this.closed || this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      const report = this.scheduler.runFor(5);
      const max = this.options.maxInstructions;
      if (max !== undefined && this.sg.instructions >= max && !this.budgetExhausted) {
        this.budgetExhausted = true;
        this.scheduler.pause(this.sg);
      }
      this.notify();
      if (report.busy) this.pump();
      else if (report.nextWakeAt < Infinity) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.pump();
        }, Math.max(0, report.nextWakeAt - performance.now()));
      }
    }, 0);
  }
}

let shared: Promise<Hypervisor> | undefined;

/** Snapshots already read and checked, by path: a suite that starts every test from one file reads it once. */
const snapshotsByPath = new Map<string, Promise<Snapshot>>();
const snapshotsByBytes = new WeakMap<Uint8Array, Promise<Snapshot>>();

function isSnapshotBytes(bytes: Uint8Array): boolean {
  return bytes.length >= SNAPSHOT_MAGIC.length && SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b);
}

async function snapshotOf(image: string | URL | Uint8Array | Snapshot): Promise<Snapshot | Uint8Array> {
  if (!(image instanceof Uint8Array) && typeof image !== 'string' && !(image instanceof URL)) return image;
  if (image instanceof Uint8Array) {
    if (!isSnapshotBytes(image)) return image;
    let p = snapshotsByBytes.get(image);
    if (!p) snapshotsByBytes.set(image, (p = readSnapshot(image)));
    return p;
  }
  const key = image instanceof URL ? image.href : image;
  const cached = snapshotsByPath.get(key);
  if (cached) return cached;
  const bytes = new Uint8Array(await readFile(image));
  if (!isSnapshotBytes(bytes)) return bytes;
  const p = readSnapshot(bytes);
  snapshotsByPath.set(key, p);
  p.catch(() => snapshotsByPath.delete(key));
  return p;
}

/**
 * Launches a guest and starts running it, from an ELF (or, in kernel mode, a RISC-V Linux Image)
 * or from a snapshot (`.mvsnap`, e.g. Linux booted once in a global setup: see docs/testing.md),
 * given as a path, a URL or bytes. A snapshot brings its own RAM size, mode and command line
 * (`ram`, `mode` and `bootargs` do not apply); it is read once per path and restored in
 * milliseconds for every further launch.
 */
export async function launchGuest(image: string | URL | Uint8Array | Snapshot, options: LaunchOptions = {}): Promise<TestGuest> {
  const source = await snapshotOf(image);
  shared ??= Hypervisor.create();
  const hv = await shared;
  if (!(source instanceof Uint8Array)) {
    const restored = await hv.restore(source);
    if (options.deterministic) restored.setDeterministic(true);
    return new TestGuest(hv, restored, options);
  }
  const bytes = source;
  const guest = hv.createGuest({ ramBytes: parseSize(options.ram ?? '64M'), deterministic: options.deterministic ?? false });
  try {
    if ((options.mode ?? 'bare') === 'kernel') guest.bootKernel(bytes, { bootargs: options.bootargs ?? '' });
    else guest.load(bytes);
  } catch (e) {
    guest.destroy();
    throw e;
  }
  return new TestGuest(hv, guest, options);
}
