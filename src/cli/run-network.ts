/**
 * `minivisor run` with several guests (NetworkRunCommand, args.ts): the guests share one core
 * instance and its scheduler, their network cards are ports of one VirtualSwitch (the guests
 * given --net), and their consoles share the terminal:
 *
 * - each guest's output goes to stdout, every line prefixed with "NAME| " (no prefix with a
 *   single guest); a line another guest interrupts is ended first, so lines never mix;
 * - stdin goes to the first guest (Ctrl-A x on a terminal quits, as with one guest);
 * - the run ends when every guest has powered off or is stuck, or on --timeout; each guest
 *   stops after --max-instructions. Exit status: the first non-zero status among the guests in
 *   command-line order (their exit code, 124 for a limit, 1 for a stuck guest), else 0;
 * - --pcap FILE writes every frame the switch forwards, once, as sent (libpcap).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Hypervisor, GuestCreateError, type Guest } from '../core/hypervisor.js';
import { CoreLoadError } from '../core/wasm.js';
import { Scheduler, type ScheduledGuest } from '../core/scheduler.js';
import { EXCEPTION_NAMES, formatExitTable } from '../core/exits.js';
import { ElfError, isLinuxImage, parseElf } from '../loader/elf.js';
import { KernelError } from '../loader/kernel.js';
import { SnapshotError } from '../state/format.js';
import { VirtualSwitch, type Port } from '../net/switch.js';
import { PcapWriter } from '../net/pcap.js';
import { defaultMac, withLinuxIp } from '../net/linux-ip.js';
import { UsageError, type NetGuestSpec, type NetworkRunCommand } from './args.js';
import { GuestFileError, isSnapshotHeader, readGuestFile } from './guest-file.js';
import { ConsoleInput, ConsoleOutput, type RunIo } from './run.js';

const EXIT_HOST_ERROR = 1;
const EXIT_LIMIT = 124;
const EXIT_OUTPUT_CLOSED = 141;

/** Host milliseconds the scheduler runs between two looks at stdin, stdout and the clock. */
const SLICE_MS = 20;

/** Interleaves several guests' consoles on one stream, a "NAME| " prefix on every line. */
class PrefixedConsoles {
  private readonly prefixes: Uint8Array[];
  private readonly midLine: boolean[];
  /** the guest whose line is open on the stream (-1: none) */
  private open = -1;

  constructor(names: readonly string[]) {
    const width = Math.max(...names.map((n) => n.length));
    this.prefixes = names.map((n) => new TextEncoder().encode(`${n.padEnd(width)}| `));
    this.midLine = names.map(() => false);
  }

  /** The bytes to write for guest i's output. */
  format(i: number, bytes: Uint8Array): Uint8Array {
    if (this.prefixes.length === 1) return bytes;
    const parts: Uint8Array[] = [];
    if (this.open !== -1 && this.open !== i && this.midLine[this.open]) {
      parts.push(NEWLINE); // another guest's unfinished line ends here; it goes on under its prefix
      this.midLine[this.open] = false;
    }
    let at = 0;
    while (at < bytes.length) {
      if (!this.midLine[i]) parts.push(this.prefixes[i]!);
      const nl = bytes.indexOf(0x0a, at);
      const end = nl < 0 ? bytes.length : nl + 1;
      parts.push(bytes.subarray(at, end));
      this.midLine[i] = nl < 0;
      at = end;
    }
    this.open = i;
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Ends an open line (before minivisor's own messages on the terminal). */
  end(): Uint8Array {
    if (this.open === -1 || !this.midLine[this.open]) return new Uint8Array(0);
    this.midLine[this.open] = false;
    return NEWLINE;
  }
}
const NEWLINE = new Uint8Array([0x0a]);

/** How one guest's run ended, and the status it contributes. */
interface Ending {
  readonly status: number;
  readonly message?: string;
}

function imageError(file: string, e: unknown): unknown {
  if (e instanceof GuestFileError) return new UsageError(e.message);
  if (e instanceof ElfError || e instanceof KernelError) return new UsageError(`${file}: ${e.message}`);
  return e;
}

/** Reads and checks every file before the core is loaded: a bad command line fails fast, with status 2. */
async function readGuests(specs: readonly NetGuestSpec[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (const spec of specs) {
    let bytes: Uint8Array;
    try {
      bytes = await readGuestFile(spec.file, spec.mode);
      if (isSnapshotHeader(bytes)) {
        if (spec.mode === 'kernel' || spec.machineOptions) {
          throw new UsageError(`${spec.file} is a snapshot: it carries its own RAM, boot mode and command line; give it without --kernel, --ram and --append`);
        }
      } else if (spec.mode === 'bare') {
        parseElf(bytes, { ramBytes: spec.ramBytes, symbols: false });
      }
    } catch (e) {
      throw imageError(spec.file, e);
    }
    out.push(bytes);
  }
  return out;
}

/**
 * Every guest's MAC on the switch, known before any boots (a Linux guest's address comes from
 * it): --mac, or 02:00:00:00:00:NN with NN its place on the switch.
 */
function macsOf(specs: readonly NetGuestSpec[]): (string | undefined)[] {
  let place = 0;
  return specs.map((spec) => {
    if (spec.segment === undefined) return undefined;
    place++;
    return spec.mac ?? defaultMac(place);
  });
}

async function createGuest(hv: Hypervisor, spec: NetGuestSpec, bytes: Uint8Array, deterministic: boolean, mac: string | undefined): Promise<Guest> {
  if (isSnapshotHeader(bytes)) {
    try {
      const g = await hv.restore(bytes);
      if (deterministic) g.setDeterministic(true);
      return g;
    } catch (e) {
      if (e instanceof SnapshotError && e.code !== 'no-room') throw new UsageError(`${spec.file}: ${e.message}`);
      throw e;
    }
  }
  const g = hv.createGuest({ ramBytes: spec.ramBytes, deterministic });
  try {
    // A Linux kernel on the switch gets its address on its command line (ip=, docs/network.md).
    if (spec.mode === 'kernel') g.bootKernel(bytes, { bootargs: mac !== undefined && isLinuxImage(bytes) ? withLinuxIp(spec.bootargs, mac) : (spec.bootargs ?? '') });
    else g.load(bytes);
  } catch (e) {
    g.destroy();
    throw imageError(spec.file, e);
  }
  return g;
}

function describeFault(sg: ScheduledGuest): string {
  const f = sg.fault;
  if (!f) return 'stopped';
  if (f.kind === 'stuck') {
    return `exception ${EXCEPTION_NAMES[f.cause & 0xf] ?? f.cause} (cause ${f.cause}) at 0x${(f.pc >>> 0).toString(16).padStart(8, '0')}, over and over: its trap handler faults on itself`;
  }
  return f.message;
}

/** Runs several guests on one switch until they all stop; resolves to the exit status. */
export async function runNetwork(cmd: NetworkRunCommand, io: RunIo): Promise<number> {
  const images = await readGuests(cmd.guests);
  let pcapFd: number | undefined;
  if (cmd.pcap !== undefined) {
    try {
      pcapFd = openSync(cmd.pcap, 'w');
    } catch (e) {
      throw new UsageError(`cannot write --pcap ${cmd.pcap}: ${(e as Error).message}`);
    }
  }
  let hv: Hypervisor | undefined;
  const guests: Guest[] = [];
  try {
    try {
      hv = await Hypervisor.create({ jit: cmd.jit });
    } catch (e) {
      if (e instanceof CoreLoadError) {
        io.stderr.write(`minivisor: ${e.message}\n`);
        return EXIT_HOST_ERROR;
      }
      throw e;
    }
    const macs = macsOf(cmd.guests);
    for (const [i, spec] of cmd.guests.entries()) {
      try {
        guests.push(await createGuest(hv, spec, images[i]!, cmd.deterministic, macs[i]));
      } catch (e) {
        if (e instanceof GuestCreateError || (e instanceof SnapshotError && e.code === 'no-room')) {
          io.stderr.write(`minivisor: ${spec.name}: ${e.message}\n`);
          return EXIT_HOST_ERROR;
        }
        throw e;
      }
    }
    return await runGuests(cmd, io, guests, pcapFd, macs);
  } finally {
    for (const g of guests) if (!g.isDestroyed) g.destroy();
    if (pcapFd !== undefined) closeSync(pcapFd);
  }
}

async function runGuests(cmd: NetworkRunCommand, io: RunIo, guests: Guest[], pcapFd: number | undefined, macs: readonly (string | undefined)[]): Promise<number> {
  const specs = cmd.guests;
  const consoles = new PrefixedConsoles(specs.map((s) => s.name));
  const input = new ConsoleInput(io);
  const output = new ConsoleOutput(io.stdout);
  const deadline = cmd.timeoutSeconds === undefined ? Infinity : performance.now() + cmd.timeoutSeconds * 1000;
  const maxInstructions = cmd.maxInstructions ?? Infinity;
  const started = performance.now();

  const pendingOut: Uint8Array[] = [];
  const indexOf = new Map<ScheduledGuest, number>();
  const quantum = 100_000;
  const scheduler = new Scheduler({
    quantum,
    onOutput: (sg, bytes) => pendingOut.push(consoles.format(indexOf.get(sg)!, bytes)),
    // A guest the switch wakes (a frame arrived) must run even if the loop is asleep.
    onStateChange: (sg) => {
      if (sg.state === 'running') input.wake();
    },
  });
  const sgs = guests.map((g, i) => scheduler.add(g, { name: specs[i]!.name }));
  sgs.forEach((sg, i) => indexOf.set(sg, i));

  const net = new VirtualSwitch();
  const ports: (Port | undefined)[] = specs.map((spec, i) =>
    spec.segment === undefined ? undefined : net.attach(guests[i]!, { segment: spec.segment, name: spec.name, mac: macs[i]! }),
  );
  let pcapError: string | undefined;
  if (pcapFd !== undefined) {
    const fd = pcapFd;
    const pcap = new PcapWriter({
      keep: false,
      write: (chunk) => {
        if (pcapError !== undefined) return;
        try {
          writeSync(fd, chunk);
        } catch (e) {
          pcapError = (e as Error).message;
        }
      },
    });
    net.tap(undefined, (e) => pcap.add(e.frame, performance.timeOrigin + e.time));
  }
  net.bindScheduler(scheduler);

  // Each guest stops after --max-instructions: its last turn is cut to what is left.
  const limited = new Set<ScheduledGuest>();
  scheduler.onTurn((sg) => {
    if (maxInstructions === Infinity || limited.has(sg)) return;
    const left = maxInstructions - sg.instructions;
    if (left <= 0) {
      limited.add(sg);
      scheduler.pause(sg);
    } else if (left < quantum * sg.weight) scheduler.setWeight(sg, left / quantum);
  });
  if (maxInstructions < quantum) for (const sg of sgs) scheduler.setWeight(sg, maxInstructions / quantum);

  const finished = (sg: ScheduledGuest) => sg.state === 'halted' || sg.state === 'faulted' || limited.has(sg);
  const endings = new Map<ScheduledGuest, Ending>();
  const endingOf = (sg: ScheduledGuest): Ending | undefined => {
    if (sg.state === 'halted') {
      const code = (sg.exitCode ?? 0) & 0xff;
      if (sg.haltReason === 'panic') return { status: code, message: `${sg.name}: the guest kernel panicked (it said so through the pvpanic device); halted` };
      return { status: code, ...(code !== 0 ? { message: `${sg.name} powered off with exit code ${code}` } : {}) };
    }
    if (sg.state === 'faulted') return { status: EXIT_HOST_ERROR, message: `${sg.name} is stuck after ${sg.instructions} instructions: ${describeFault(sg)}` };
    if (limited.has(sg)) return { status: EXIT_LIMIT, message: `${sg.name} stopped after ${sg.instructions} instructions (--max-instructions)` };
    return undefined;
  };

  let ended: { kind: 'done' } | { kind: 'timeout' } | { kind: 'terminated' } | { kind: 'idle' } | { kind: 'output-failed' };
  input.start();
  try {
    for (;;) {
      if (input.quit) {
        ended = { kind: 'terminated' };
        break;
      }
      if (output.failed) {
        ended = { kind: 'output-failed' };
        break;
      }
      const first = sgs[0]!;
      if (!finished(first)) input.feed({ writeConsole: (b) => scheduler.input(first, b) });
      const report = scheduler.runFor(SLICE_MS);
      for (const sg of sgs) if (!endings.has(sg)) {
        const e = endingOf(sg);
        if (e) endings.set(sg, e);
      }
      if (pendingOut.length > 0) {
        const chunks = pendingOut.splice(0);
        let ok = true;
        for (const c of chunks) if (!(await output.write(c, deadline))) ok = false;
        if (!ok) {
          ended = { kind: 'timeout' };
          break;
        }
      }
      if (sgs.every(finished)) {
        ended = { kind: 'done' };
        break;
      }
      const now = performance.now();
      if (now >= deadline) {
        ended = { kind: 'timeout' };
        break;
      }
      if (report.busy) {
        await yieldToEventLoop();
        continue;
      }
      // Nobody can run now: sleep until a timer, input, or a wake (a frame from a channel).
      const nextWake = report.nextWakeAt;
      const inputCanCome = !input.ended && !finished(first);
      const framesInFlight = net.ports.some((p) => p.queued > 0);
      if (nextWake === Infinity && !inputCanCome && !framesInFlight) {
        ended = { kind: 'idle' };
        break;
      }
      const wait = Math.min(nextWake, deadline) - now;
      if (wait >= 1) await input.sleep(wait);
      else await yieldToEventLoop();
    }
  } finally {
    input.stop();
  }

  const status = (() => {
    if (ended.kind === 'output-failed') {
      const e = output.error!;
      if (e.code === 'EPIPE') return EXIT_OUTPUT_CLOSED;
      io.stderr.write(`minivisor: write error on stdout: ${e.message}; the guests' output was lost\n`);
      return EXIT_HOST_ERROR;
    }
    return undefined;
  })();
  if (status !== undefined) {
    output.stop();
    return status;
  }
  await output.write(consoles.end(), deadline);
  await output.flush(deadline);
  output.stop();

  for (const sg of sgs) {
    if (endings.has(sg)) continue;
    switch (ended.kind) {
      case 'timeout':
        endings.set(sg, { status: EXIT_LIMIT });
        break;
      case 'terminated':
        endings.set(sg, { status: 0 });
        break;
      case 'idle':
        endings.set(sg, { status: EXIT_HOST_ERROR, message: `${sg.name} waits for an interrupt that cannot come (no timer armed, no frame or input on its way)` });
        break;
      default:
        break;
    }
  }
  if (ended.kind === 'terminated') io.stderr.write('\r\nminivisor: terminated\n');
  if (ended.kind === 'timeout') io.stderr.write(`minivisor: stopped after ${cmd.timeoutSeconds} s (--timeout)\n`);
  for (const sg of sgs) {
    const m = endings.get(sg)?.message;
    if (m) io.stderr.write(`minivisor: ${m}\n`);
  }
  if (cmd.stats) {
    const seconds = (performance.now() - started) / 1000;
    for (const sg of sgs) io.stderr.write(`\n== ${sg.name} ==\n${formatExitTable(sg.guest.exits(), { instructions: sg.instructions, seconds })}`);
    if (net.ports.length > 0) io.stderr.write(`\n${formatSwitchTable(ports)}`);
  }
  let result = ended.kind === 'terminated' ? 0 : (sgs.map((sg) => endings.get(sg)?.status ?? 0).find((s) => s !== 0) ?? 0);
  if (pcapError !== undefined) {
    io.stderr.write(`minivisor: writing --pcap ${cmd.pcap} failed: ${pcapError}; the capture is incomplete\n`);
    if (result === 0) result = EXIT_HOST_ERROR;
  }
  return result;
}

/** The switch's ports: segment, frames and bytes each way, drops. */
function formatSwitchTable(ports: readonly (Port | undefined)[]): string {
  const rows = ports.filter((p): p is Port => p !== undefined).map((p) => {
    const s = p.stats();
    return [s.name, s.segment, String(s.sentFrames), String(s.sentBytes), String(s.receivedFrames), String(s.receivedBytes), String(s.drops + (s.nic?.rxDropped ?? 0))];
  });
  const head = ['port', 'segment', 'sent', 'bytes', 'received', 'bytes', 'drops'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((v, c) => (c < 2 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join('  ').trimEnd() + '\n';
  return `switch\n${line(head)}${rows.map(line).join('')}`;
}
