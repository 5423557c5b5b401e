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
import { VirtualSwitch, type Port, type SwitchOptions, type TapCallback } from '../net/switch.js';
import { ChannelPort, NicLink } from '../net/channel.js';
import { PcapWriter } from '../net/pcap.js';
import { formatMac, parseMac, type MacAddress } from '../net/mac.js';
import { defaultMac, withLinuxIp } from '../net/linux-ip.js';
import { isLinuxImage } from '../loader/elf.js';

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
  /**
   * Translate the guest's hot code to WebAssembly (default true). Behaviour is the same either
   * way; `false` interprets every instruction (Guest.setJit), e.g. to compare speeds.
   */
  readonly jit?: boolean;
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
  /** instructions it retired in translated code (0 with `jit: false`) */
  readonly jitInstructions: number;
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

/**
 * Runs the guests of one scheduler in the background (one guest for launchGuest, every guest of
 * a network for launchNetwork): slices of a few ms, sleeping while every guest waits for an
 * interrupt. A guest that wakes while the loop sleeps (the switch delivered a frame, input
 * arrived) makes it run again at once: the scheduler tells every change of state.
 * @internal
 */
export class GuestRunner {
  readonly scheduler: Scheduler;
  private readonly outputs = new Map<ScheduledGuest, (bytes: Uint8Array) => void>();
  private readonly members = new Set<{ afterSlice(): void }>();
  /** the next slice, queued with setImmediate: setTimeout(0) waits at least 1 ms in Node, which a ping between guests would pay on every hop */
  private timer: ReturnType<typeof setImmediate> | undefined;
  private sleepTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor() {
    this.scheduler = new Scheduler({
      onOutput: (sg, bytes) => this.outputs.get(sg)?.(bytes),
      onStateChange: (sg) => {
        for (const m of this.members) m.afterSlice();
        if (sg.state === 'running') this.kick();
      },
    });
  }

  add(guest: Guest, name: string, onOutput: (bytes: Uint8Array) => void, member: { afterSlice(): void }): ScheduledGuest {
    const sg = this.scheduler.add(guest, { name });
    this.outputs.set(sg, onOutput);
    this.members.add(member);
    return sg;
  }

  /** Runs now (or after the slice under way), even if the loop sleeps until a timer. */
  kick(): void {
    if (this.sleepTimer !== undefined) {
      clearTimeout(this.sleepTimer);
      this.sleepTimer = undefined;
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearImmediate(this.timer);
    if (this.sleepTimer) clearTimeout(this.sleepTimer);
    this.timer = this.sleepTimer = undefined;
  }

  private pump(): void {
    if (this.stopped || this.timer !== undefined) return;
    this.timer = setImmediate(() => {
      this.timer = undefined;
      if (this.stopped) return;
      const report = this.scheduler.runFor(5);
      for (const m of this.members) m.afterSlice();
      if (report.busy) this.pump();
      else if (report.nextWakeAt < Infinity) {
        if (this.sleepTimer !== undefined) clearTimeout(this.sleepTimer);
        this.sleepTimer = setTimeout(() => {
          this.sleepTimer = undefined;
          this.pump();
        }, Math.max(0, report.nextWakeAt - performance.now()));
      }
    });
  }
}

export class TestGuest implements AsyncDisposable {
  readonly console: TestConsole;
  private readonly transcript = new ConsoleTranscript();
  private cursor = 0;
  private closed = false;
  private budgetExhausted = false;
  private readonly stateWaiters = new Set<() => void>();
  private readonly runner: GuestRunner;
  private readonly sg: ScheduledGuest;

  /** @internal use launchGuest or launchNetwork */
  constructor(
    private readonly hv: Hypervisor,
    readonly guest: Guest,
    private readonly options: LaunchOptions,
    runner?: GuestRunner,
    /** its name in a network (launchNetwork), 'guest' alone */
    readonly name = 'guest',
  ) {
    this.runner = runner ?? new GuestRunner();
    this.sg = this.runner.add(guest, name, (bytes) => this.transcript.append(bytes), this);
    this.console = {
      waitFor: (pattern, opts) => this.waitFor(pattern, opts?.timeout),
      text: () => this.transcript.text(),
    };
    if (!runner) this.runner.kick(); // a network starts its guests once they are all plugged in
  }

  private get scheduler(): Scheduler {
    return this.runner.scheduler;
  }

  /** @internal after every slice of the runner: the instruction budget, and waiters */
  afterSlice(): void {
    const max = this.options.maxInstructions;
    if (!this.closed && max !== undefined && this.sg.instructions >= max && !this.budgetExhausted) {
      this.budgetExhausted = true;
      this.scheduler.pause(this.sg);
    }
    this.notify();
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
    this.runner.kick();
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
      jitInstructions: this.closed ? 0 : this.guest.jitInstructions,
    };
  }

  /** Stops the guest and frees its memory. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.guest.destroy(); // the runner drops it from its scheduler
    if (this.scheduler.guests.every((sg) => sg.guest.isDestroyed)) this.runner.stop();
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
  const { hv, guest } = await createGuest(image, options);
  return new TestGuest(hv, guest, options);
}

async function createGuest(
  image: string | URL | Uint8Array | Snapshot,
  options: LaunchOptions,
  on?: Hypervisor,
  /** a Linux kernel's command line gets its `ip=` argument for this MAC (linux-ip.ts) */
  netMac?: string,
): Promise<{ hv: Hypervisor; guest: Guest }> {
  const source = await snapshotOf(image);
  shared ??= Hypervisor.create();
  const hv = on ?? (await shared);
  if (!(source instanceof Uint8Array)) {
    const restored = await hv.restore(source);
    if (options.deterministic) restored.setDeterministic(true);
    restored.setJit(options.jit ?? true);
    return { hv, guest: restored };
  }
  const bytes = source;
  const guest = hv.createGuest({ ramBytes: parseSize(options.ram ?? '64M'), deterministic: options.deterministic ?? false });
  guest.setJit(options.jit ?? true);
  try {
    if ((options.mode ?? 'bare') === 'kernel') {
      const linuxOnNet = netMac !== undefined && isLinuxImage(bytes);
      guest.bootKernel(bytes, { bootargs: linuxOnNet ? withLinuxIp(options.bootargs, netMac) : (options.bootargs ?? '') });
    }
    else guest.load(bytes);
  } catch (e) {
    guest.destroy();
    throw e;
  }
  return { hv, guest };
}

/** One guest of launchNetwork: its image, its launch options, and its place on the switch. */
export interface NetworkGuestOptions extends LaunchOptions {
  /** an ELF, a kernel (mode 'kernel') or a snapshot, as for launchGuest */
  readonly image: string | URL | Uint8Array | Snapshot;
  /** its name: network.guest(name), capture records, port name (default 'guest N', N from 1) */
  readonly name?: string;
  /** the switch segment its card is on (default 'default'); null: the card stays unplugged */
  readonly segment?: string | null;
  /**
   * its card's MAC (default 02:00:00:00:00:NN, NN its place on the switch). A Linux guest on the
   * switch gets the address 10.0.HH.LL/16 from its last two bytes (kernel `ip=`, docs/network.md).
   */
  readonly mac?: MacAddress;
  /**
   * the host CPU it runs on (default 0): guests with another number run on a Hypervisor instance
   * and a scheduler of their own, their cards linked to the switch (on instance 0) through a
   * MessageChannel, as guests in two workers of the page are.
   */
  readonly instance?: number;
}

export interface NetworkOptions {
  /** frames kept by capture() (default 100 000); later frames are counted in captureDropped, not kept */
  readonly captureLimit?: number;
  /** the switch's own options (queue sizes, burst, address ageing) */
  readonly switch?: SwitchOptions;
}

/** A frame as the switch saw it enter (each frame once). */
export interface CapturedFrame {
  /** ms since the Unix epoch */
  readonly time: number;
  /** the name of the guest that sent it */
  readonly from: string;
  readonly segment: string;
  readonly frame: Uint8Array;
}

/**
 * Several guests on one virtual switch (launchNetwork): every guest is a TestGuest of its own
 * (console, type, exit, stats), and they share one scheduler, so frames move between them as they
 * run. capture() gives every frame the switch forwarded; pcap() the same as a capture file.
 */
export class TestNetwork implements AsyncDisposable {
  readonly captureDropped = { frames: 0 };
  private readonly frames: CapturedFrame[] = [];
  private readonly byName = new Map<string, TestGuest>();
  private readonly portOf = new Map<TestGuest, Port>();
  private closed = false;

  /** the switch itself (src/net): stats, taps, addresses */
  readonly switch: VirtualSwitch;

  /** @internal use launchNetwork */
  constructor(
    readonly guests: readonly TestGuest[],
    sw: VirtualSwitch,
    ports: readonly (Port | undefined)[],
    private readonly runners: readonly GuestRunner[],
    captureLimit: number,
    /** frees what the network made besides its guests (links, instances of its own) */
    private readonly release: () => void = () => {},
  ) {
    this.switch = sw;
    guests.forEach((g, i) => {
      this.byName.set(g.name, g);
      const p = ports[i];
      if (p) this.portOf.set(g, p);
    });
    const names = new Map<Port, string>([...this.portOf].map(([g, p]) => [p, g.name]));
    switchTap(this.switch, (e) => {
      if (this.frames.length >= captureLimit) {
        this.captureDropped.frames++;
        return;
      }
      this.frames.push({ time: performance.timeOrigin + e.time, from: names.get(e.port) ?? e.port.name, segment: e.port.segment, frame: e.frame.slice() });
    });
  }

  /** The guest with that name. */
  guest(name: string): TestGuest {
    const g = this.byName.get(name);
    if (!g) throw new GuestTestError(`no guest named ${JSON.stringify(name)} in this network (there are ${[...this.byName.keys()].map((n) => JSON.stringify(n)).join(', ')})`);
    return g;
  }

  /** Every frame the switch forwarded so far, each once, as sent, in order. */
  capture(): CapturedFrame[] {
    return [...this.frames];
  }

  /** The same frames as a libpcap capture file (Wireshark, tcpdump -r). */
  pcap(): Uint8Array {
    const w = new PcapWriter();
    for (const f of this.frames) w.add(f.frame, f.time);
    return w.bytes();
  }

  /** The switch port of a guest (stats, drops). */
  port(name: string): Port {
    const p = this.portOf.get(this.guest(name));
    if (!p) throw new GuestTestError(`guest ${JSON.stringify(name)} is not on the switch (its segment is null)`);
    return p;
  }

  /** Moves a guest's card to another segment; it sees only that segment's frames from now on. */
  setSegment(name: string, segment: string): void {
    this.switch.setSegment(this.port(name), segment);
  }

  /** Waits until every guest has powered off; resolves to their exit codes in order. */
  exits(options: { timeout?: number } = {}): Promise<number[]> {
    return Promise.all(this.guests.map((g) => g.exit(options)));
  }

  /** Stops every guest and frees them. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.switch.close();
    for (const g of this.guests) await g.close();
    for (const r of this.runners) r.stop();
    this.release();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

function switchTap(sw: VirtualSwitch, cb: TapCallback): void {
  sw.tap(undefined, cb);
}

/**
 * Launches several guests on one virtual switch and starts them together:
 *
 *   await using net = await launchNetwork([
 *     { image: 'guests/bin/netdemo.elf', name: 'a', segment: 'lan' },
 *     { image: 'guests/bin/netdemo.elf', name: 'b', segment: 'lan' },
 *   ]);
 *   await net.guest('b').console.waitFor('rx BYE');
 *   expect(await net.exits()).toEqual([0, 0]);
 *   net.capture();   // every frame, as sent
 */
export async function launchNetwork(guests: readonly NetworkGuestOptions[], options: NetworkOptions = {}): Promise<TestNetwork> {
  const names = guests.map((g, i) => g.name ?? `guest ${i + 1}`);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) throw new RangeError(`launchNetwork: two guests are named ${JSON.stringify(dup)}`);
  // MACs are known before the guests boot: a Linux guest's address comes from its MAC.
  let place = 0;
  const macs = guests.map((g) => {
    if (g.segment === null) return undefined;
    place++; // its place on the switch, as VirtualSwitch.attach numbers it
    return g.mac !== undefined ? formatMac(parseMac(g.mac)) : defaultMac(place);
  });
  const instanceOf = guests.map((g) => g.instance ?? 0);
  for (const [i, n] of instanceOf.entries()) {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`launchNetwork: guest ${JSON.stringify(names[i])}: instance ${n} is not a host CPU number (0, 1, ...)`);
  }
  // Instance 0 is the shared one (and holds the switch); every other number a core of its own.
  const instances = new Map<number, Hypervisor>();
  const made: { hv: Hypervisor; guest: Guest }[] = [];
  try {
    for (const n of new Set(instanceOf)) if (n !== 0) instances.set(n, await Hypervisor.create());
    for (const [i, g] of guests.entries()) made.push(await createGuest(g.image, g, instances.get(instanceOf[i]!), macs[i]));
  } catch (e) {
    for (const m of made) m.guest.destroy();
    for (const hv of instances.values()) hv.destroyAll();
    throw e;
  }
  const sw = new VirtualSwitch(options.switch);
  const runners = new Map<number, GuestRunner>([...new Set(instanceOf)].map((n) => [n, new GuestRunner()]));
  const links: NicLink[] = [];
  let ports: (Port | undefined)[];
  try {
    ports = guests.map((g, i) => {
      const mac = macs[i];
      if (mac === undefined) return undefined;
      const segment = g.segment ?? 'default';
      if (instanceOf[i] === 0) return sw.attach(made[i]!.guest, { name: names[i]!, segment, mac });
      const channel = new MessageChannel();
      links.push(new NicLink(made[i]!.guest, channel.port2, { mac }));
      return sw.addPort(new ChannelPort(channel.port1), { name: names[i]!, segment });
    });
  } catch (e) {
    for (const m of made) m.guest.destroy();
    for (const hv of instances.values()) hv.destroyAll();
    throw e;
  }
  const testGuests = guests.map((g, i) => new TestGuest(made[i]!.hv, made[i]!.guest, g, runners.get(instanceOf[i]!)!, names[i]!));
  for (const link of links) link.bindScheduler(runners.get(instanceOf[made.findIndex((m) => m.guest === link.guest)]!)!.scheduler);
  const network = new TestNetwork(testGuests, sw, ports, [...runners.values()], options.captureLimit ?? 100_000, () => {
    for (const link of links) link.close();
    for (const hv of instances.values()) hv.destroyAll();
  });
  sw.bindScheduler((runners.get(0) ?? runners.values().next().value!).scheduler);
  for (const r of runners.values()) r.kick();
  return network;
}
